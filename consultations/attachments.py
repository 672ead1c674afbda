"""Files an enterprise attaches to a consultation request: PDF, PNG or JPEG only.

The type is read from the file's first bytes (its "magic number"), never from its name or
the content type the browser sent: both are chosen by the uploader. Files are stored under
a random token in the private storage (outside MEDIA_ROOT) and only served by a view that
checks who is asking.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from consultations.exceptions import ConsultationError
from consultations.models import Consultation, ConsultationAttachment

MAX_FILES = 5
DEFAULT_MAX_BYTES = 10 * 1024 * 1024

# Magic numbers: https://en.wikipedia.org/wiki/List_of_file_signatures
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
EXTENSIONS = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}


def attachment_max_bytes() -> int:
    return getattr(settings, "CONSULTATION_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES)


def content_type_detect(head: bytes) -> str | None:
    """The content type the first bytes of a file prove, or None if not an allowed type."""
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def attachments_check(files: Iterable[UploadedFile]) -> list[tuple[UploadedFile, str]]:
    """Each file with its detected content type; raises ``too_many_files``,
    ``file_too_big`` or ``file_type`` (the message names the file)."""
    files = list(files)
    if len(files) > MAX_FILES:
        raise ConsultationError(
            _("Attach at most %(count)d files.") % {"count": MAX_FILES}, code="too_many_files"
        )
    limit = attachment_max_bytes()
    checked = []
    for upload in files:
        name = display_name(upload.name)
        if upload.size > limit:
            raise ConsultationError(
                _("%(name)s is larger than %(limit)s.")
                % {"name": name, "limit": filesizeformat(limit)},
                code="file_too_big",
            )
        upload.seek(0)
        head = upload.read(16)
        upload.seek(0)
        content_type = content_type_detect(head)
        if content_type is None:
            raise ConsultationError(
                _("%(name)s is not a PDF, PNG or JPEG file.") % {"name": name}, code="file_type"
            )
        checked.append((upload, content_type))
    return checked


def display_name(name: str) -> str:
    """The uploaded name without any folder part, shortened to fit the column."""
    base = os.path.basename((name or "").replace("\\", "/")).strip() or "file"
    return base[-150:]


def download_name(attachment: ConsultationAttachment) -> str:
    """The original name with the extension of the detected type, so a PNG uploaded as
    ``report.pdf`` is downloaded as ``report.png`` and opened by the right program."""
    stem, _ext = os.path.splitext(attachment.original_name)
    return (stem or "file") + EXTENSIONS.get(attachment.content_type, "")


def attachment_store(
    *, consultation: Consultation, upload: UploadedFile, content_type: str, by
) -> ConsultationAttachment:
    token = secrets.token_hex(16)
    attachment = ConsultationAttachment(
        consultation=consultation,
        token=token,
        original_name=display_name(upload.name),
        content_type=content_type,
        size=upload.size,
        uploaded_by=by,
    )
    upload.seek(0)
    attachment.file.save(token, upload, save=False)
    attachment.save()
    return attachment
