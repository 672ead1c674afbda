"""The demo keeps its promise: the materials centre's shared instruments are in the
catalogue with machine time ahead, and the demo enterprise holds one approved request."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from demo.builder import seed_demo
from demo.content_instruments import APPROVED_REQUEST, INSTRUMENTS
from experts.models import InstitutionPage
from labvisits.models import Instrument, LabVisit, VisitSlot

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_demo_shares_instruments_with_machine_time_and_one_approved_request(client):
    seed_demo()
    assert Instrument.objects.filter(active=True).count() == len(INSTRUMENTS)
    materials = InstitutionPage.objects.get(
        slug="western-materials-testing-centre", locale__language_code="zh-hans"
    )
    names = set(materials.instruments.values_list("name_en", flat=True))
    assert {"X-ray diffractometer", "Field-emission scanning electron microscope"} <= names
    assert VisitSlot.objects.filter(
        instrument__institution=materials, starts_at__gt=timezone.now()
    ).exists()

    visit = LabVisit.objects.get(slot__instrument__name=APPROVED_REQUEST["instrument"])
    assert visit.state == LabVisit.State.APPROVED and visit.requested_by.username
    assert visit.enterprise.memberships.filter(user__username="enterprise").exists()

    with translation.override("en"):
        catalogue = client.get(reverse("labvisits:instrument_list")).content.decode()
    assert "X-ray diffractometer" in catalogue and "scanning electron microscope" in catalogue
    page = client.get(materials.url).content.decode()
    assert "大型仪器共享" in page and "X 射线衍射仪" in page

    # Run again: nothing is added twice.
    slots = VisitSlot.objects.count()
    second = seed_demo()
    assert VisitSlot.objects.count() == slots
    assert LabVisit.objects.filter(slot__instrument__isnull=False).count() == 1
    assert "shared instrument" not in second.tally.created
