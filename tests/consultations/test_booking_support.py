"""Shared set-up of the booking tests (no tests here): an expert with a linked account, an
enterprise with its owner, and consultations in any state."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from consultations.models import Consultation
from tests import factories

PDF = b"%PDF-1.4\n%test\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
EXE = b"MZ\x90\x00" + b"\x00" * 32


def upload(name: str, content: bytes, content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


class World:
    """An expert (with a login), an enterprise (with its owner) and a stranger."""

    def __init__(self):
        self.expert_user = factories.UserFactory()
        self.expert = factories.ExpertFactory(
            user=self.expert_user, services=("consulting", "certification")
        )
        self.owner = factories.UserFactory()
        self.enterprise = factories.EnterpriseFactory(owner=self.owner)
        self.stranger = factories.UserFactory()
        self.staff = factories.UserFactory(is_staff=True)
        self.staff.user_permissions.add(
            *Permission.objects.filter(
                codename__in=["assign_consultation", "view_consultation"],
                content_type__app_label="consultations",
            )
        )

    def slot(self, **kwargs):
        return factories.SlotFactory(expert=self.expert, **kwargs)

    def consultation(self, state: str = "requested", **kwargs) -> Consultation:
        slot = kwargs.pop("slot", None) or self.slot()
        return factories.ConsultationFactory(
            requested_by=self.owner,
            enterprise=self.enterprise,
            slot=slot,
            state=state,
            **kwargs,
        )

    def after_start(self, consultation: Consultation) -> datetime.datetime:
        return consultation.starts_at + datetime.timedelta(minutes=10)
