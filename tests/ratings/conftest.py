"""Fixtures of the rating tests: one finished service of each kind, hosted by one
institution: an open-day visit checked in (no account), a lab visit checked in, and a
completed consultation."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from consultations.models import Consultation
from events.models import Registration
from labvisits.models import LabVisit
from tests import factories


@dataclass
class World:
    institution: object
    registration: Registration
    lab_visit: LabVisit
    consultation: Consultation
    member: object  # an approved member of the enterprise of the lab visit and consultation
    visitor: object  # the open-day visitor's account (registration.user)


@pytest.fixture
def world(site_tree) -> World:
    return build_world(site_tree)


def build_world(site_tree) -> World:
    ended = timezone.now().replace(microsecond=0) - datetime.timedelta(hours=3)
    institution = factories.InstitutionPageFactory(
        parent=site_tree.zh.institutions, title="重庆市计量质量检测研究院"
    )
    factories.translate(institution, "en", title="Chongqing Metrology and Quality Institute")
    activity = factories.ActivityPageFactory(
        parent=site_tree.zh.campaign, title="走进计量实验室", institution=institution
    )
    factories.translate(activity, "en", title="Inside the metrology lab")
    session = factories.SessionFactory(
        activity=activity, starts_at=ended - datetime.timedelta(hours=2), ends_at=ended
    )
    visitor = factories.UserFactory(email="visitor@example.com")
    registration = factories.RegistrationFactory(
        session=session,
        user=visitor,
        status=Registration.Status.CHECKED_IN,
        checked_in_at=ended - datetime.timedelta(hours=2),
    )
    member = factories.UserFactory(email="member@example.com")
    enterprise = factories.EnterpriseFactory(owner=member)
    lab = factories.LabFactory(institution=institution, name="计量实验室", name_en="Metrology lab")
    slot = factories.VisitSlotFactory(
        lab=lab, starts_at=ended - datetime.timedelta(hours=2), ends_at=ended
    )
    lab_visit = factories.LabVisitFactory(
        slot=slot,
        requested_by=member,
        enterprise=enterprise,
        state=LabVisit.State.APPROVED,
        checked_in_at=ended - datetime.timedelta(hours=2),
    )
    consultation = factories.ConsultationFactory(
        requested_by=member,
        enterprise=enterprise,
        state=Consultation.State.COMPLETED,
        completed_at=ended,
        summary="讲解了检测流程。",
    )
    return World(
        institution=institution,
        registration=registration,
        lab_visit=lab_visit,
        consultation=consultation,
        member=member,
        visitor=visitor,
    )
