"""Staff users and a small set of bookings for the "Enterprise services" admin tests."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from wagtail.users.models import UserProfile

from tests import factories

PHONE = "+8613912345678"
MASKED = "139****5678"
FULL = "13912345678"


def english(user):
    """The admin speaks English to this user, so tests can read the source messages."""
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    return user


@pytest.fixture
def editor(db):
    return english(factories.UserFactory(username="reg-editor", groups=["Regulator editors"]))


@pytest.fixture
def approver(db):
    return english(factories.UserFactory(username="reg-approver", groups=["Regulator approvers"]))


@pytest.fixture
def admin_only_user(db):
    """May use the admin but holds no permission on enterprise services."""
    user = english(factories.UserFactory(username="outsider"))
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    return user


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
