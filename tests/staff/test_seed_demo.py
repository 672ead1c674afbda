"""The demo accounts of enterprise services: an enterprise, an expert with hours, an
institution contact with visit slots; seeding twice changes nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from stdnum.cn import uscc

from consultations.models import Availability, Slot
from demo.builder import demo_counts, seed_demo
from enterprises.models import Enterprise, Membership
from experts.models import Expert
from labvisits.models import InstitutionContact, VisitSlot

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_seed_demo_sets_up_enterprise_services_and_runs_twice():
    seed_demo()
    users = get_user_model().objects

    owner = users.get(username="enterprise")
    assert owner.email == "enterprise@example.com"
    membership = Membership.objects.get(user=owner)
    assert membership.role == Membership.Role.OWNER
    assert membership.status == Membership.Status.APPROVED
    enterprise = membership.enterprise
    assert enterprise.name == "重庆示例汽车零部件有限公司"
    assert enterprise.is_verified and enterprise.district == "banan"
    assert enterprise.industry == "automotive"
    assert uscc.is_valid(enterprise.credit_code)

    expert = Expert.objects.get(user__username="expert")
    assert "certification" in set(expert.services.values_list("code", flat=True))
    # A real member of the team: no invented field of expertise (services only).
    assert not expert.fields.exists()
    rules = Availability.objects.filter(expert=expert)
    assert sorted(rules.values_list("weekday", flat=True)) == [1, 3]
    assert Slot.objects.filter(expert=expert, starts_at__gt=timezone.now()).exists()
    slot = Slot.objects.filter(expert=expert).first()
    assert {"certification", "consulting"} <= set(slot.services.values_list("code", flat=True))

    contact = InstitutionContact.objects.get(user__username="institution")
    assert contact.user.groups.filter(name="Institution contacts").exists()
    lab = contact.institution.labs.filter(accepts_visits=True).first()
    assert VisitSlot.objects.filter(lab=lab, starts_at__gt=timezone.now()).count() >= 3

    counts = demo_counts()
    second = seed_demo()
    assert demo_counts() == counts
    assert not second.tally.created
    assert not second.tally.updated
    assert Enterprise.objects.count() == counts["enterprises"]
