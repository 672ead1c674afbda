"""Staff users and a small set of bookings for the "Enterprise services" admin tests."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests import factories

PHONE = "+8613912345678"
# Pages show numbers grouped; spreadsheet downloads keep the compact form.
MASKED = "139 **** 5678"
FULL = "139 1234 5678"
MASKED_EXPORT = "139****5678"
DIGITS = "13912345678"


@pytest.fixture
def editor(staff_editor):
    """Here the suite's editor sees the admin in English (tests/conftest.py)."""
    return staff_editor


@pytest.fixture
def approver(staff_approver):
    """Here the suite's approver sees the admin in English (tests/conftest.py)."""
    return staff_approver


@pytest.fixture
def institution(site_tree):
    return factories.InstitutionPageFactory(
        parent=site_tree.zh.institutions, title="重庆巴南智联汽车检测中心"
    )


@pytest.fixture
def lab(institution):
    return factories.LabFactory(institution=institution, name="整车实验室")


def make_consultation(**kwargs):
    return factories.ConsultationFactory(contact_phone=PHONE, **kwargs)


def make_visit(lab, *, days=5, **kwargs):
    starts = timezone.localtime().replace(hour=14, minute=0, second=0, microsecond=0)
    slot = factories.VisitSlotFactory(lab=lab, starts_at=starts + datetime.timedelta(days=days))
    return factories.LabVisitFactory(slot=slot, contact_phone=PHONE, **kwargs)
