"""Attachments: type from the content, size and count limits, private storage."""

from __future__ import annotations

import pytest

from consultations.attachments import download_name
from consultations.exceptions import ConsultationError
from consultations.models import Consultation
from consultations.services import booking
from tests.consultations.test_booking_support import (
    EXE,
    JPEG,
    PDF,
    PNG,
    World,
    upload,
)  # noqa: F401

pytestmark = pytest.mark.django_db


def request_with(world, files):
    return booking.consultation_request(
        enterprise=world.enterprise,
        user=world.owner,
        service="consulting",
        topic="t",
        description="d",
        contact_name="王经理",
        contact_phone="+8613800001111",
        slot=world.slot(),
        files=files,
    )


def test_type_comes_from_the_content_not_the_name():
    world = World()
    consultation = request_with(
        world,
        [
            upload("report.pdf", PNG, "application/pdf"),
            upload("photo.jpg", JPEG, "image/jpeg"),
            upload("scan", PDF, "application/octet-stream"),
        ],
    )
    png, jpeg, pdf = consultation.attachments.all()
    assert (png.content_type, jpeg.content_type, pdf.content_type) == (
        "image/png",
        "image/jpeg",
        "application/pdf",
    )
    assert download_name(png) == "report.png"
    assert png.original_name == "report.pdf"
    # Stored under the random token, never the uploaded name.
    assert png.file.name.endswith(png.token) and "report" not in png.file.name
    assert png.file.read() == PNG


def test_executable_renamed_pdf_is_refused_and_nothing_is_saved():
    world = World()
    with pytest.raises(ConsultationError) as error:
        request_with(world, [upload("good.pdf", PDF), upload("invoice.pdf", EXE)])
    assert error.value.code == "file_type"
    assert "invoice.pdf" in error.value.message
    assert not Consultation.objects.exists()


def test_too_big_refused(settings):
    settings.CONSULTATION_ATTACHMENT_MAX_BYTES = 100
    world = World()
    with pytest.raises(ConsultationError) as error:
        request_with(world, [upload("big.pdf", PDF + b"0" * 200)])
    assert error.value.code == "file_too_big"
    assert request_with(world, [upload("small.pdf", PDF)]).attachments.count() == 1


def test_at_most_five_files():
    world = World()
    with pytest.raises(ConsultationError) as error:
        request_with(world, [upload(f"{n}.pdf", PDF) for n in range(6)])
    assert error.value.code == "too_many_files"


def _stored_files() -> set:
    from pathlib import Path

    from consultations.models import ConsultationAttachment

    root = Path(ConsultationAttachment._meta.get_field("file").storage.location)
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def test_files_of_a_refused_request_are_removed():
    world = World()
    before = _stored_files()
    slot = world.slot()
    request_with_slot = {
        "enterprise": world.enterprise,
        "user": world.owner,
        "service": "consulting",
        "topic": "t",
        "description": "d",
        "contact_name": "王经理",
        "contact_phone": "+8613800001111",
        "slot": slot,
    }
    booking.consultation_request(**request_with_slot)
    with pytest.raises(ConsultationError):
        booking.consultation_request(**request_with_slot, files=[upload("a.pdf", PDF)])
    assert _stored_files() == before
