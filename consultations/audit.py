"""Audit log action types of consultations (``portal.audit``), registered in
``consultations/wagtail_hooks.py``: ``{action: (label, message)}``."""

from django.utils.translation import gettext_lazy as _

ATTACHMENT_DOWNLOAD = "consultations.attachment_download"

ACTIONS = {
    ATTACHMENT_DOWNLOAD: (
        _("Download consultation attachment"),
        _("Attachment %(attachment_id)s of consultation %(reference)s downloaded"),
    ),
}
