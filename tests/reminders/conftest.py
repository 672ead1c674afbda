"""Appointments of each kind, a few days ahead, for the reminder tests."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from consultations.models import Consultation
from labvisits.models import LabVisit
from tests import factories


def hours_ahead(hours: float) -> datetime.datetime:
    return (timezone.now() + datetime.timedelta(hours=hours)).replace(microsecond=0)


def make_session(tree, *, starts_in_hours: float = 72, english_title: str = ""):
    activity = factories.ActivityPageFactory(parent=tree.zh.campaign, title="实验室参观日")
    if english_title:
        factories.translate(activity, "en", title=english_title)
    starts_at = hours_ahead(starts_in_hours)
    return factories.SessionFactory(
        activity=activity, starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=2)
    )


@pytest.fixture
def session(site_tree):
    return make_session(site_tree, english_title="Lab open day")


@pytest.fixture
def registration(session):
    return factories.RegistrationFactory(
        session=session, phone="+8613812345678", email="reg@example.com", language="en"
    )


@pytest.fixture
def consultation(db):
    expert_user = factories.UserFactory(username="expertuser")
    expert = factories.ExpertFactory(user=expert_user)
    starts_at = hours_ahead(72)
    slot = factories.SlotFactory(
        expert=expert, starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=1)
    )
    return factories.ConsultationFactory(
        slot=slot, state=Consultation.State.CONFIRMED, contact_phone="+8613900001111"
    )


@pytest.fixture
def lab_visit(site_tree):
    page = factories.InstitutionPageFactory(parent=site_tree.zh.institutions)
    lab = factories.LabFactory(institution=page)
    starts_at = hours_ahead(72)
    slot = factories.VisitSlotFactory(
        lab=lab, starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=2)
    )
    return factories.LabVisitFactory(
        slot=slot, state=LabVisit.State.APPROVED, contact_phone="+8613700002222"
    )
