"""Lab-visit pages take any input without a server error: the enterprise's request, the
institution's new slot and its decision. A refused request changes no visit or slot, and
no slot ever holds more visitors than its capacity."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from labvisits.models import LabVisit, LabVisitChange, VisitSlot
from tests import factories
from tests.fuzz.support import (
    FUZZ,
    LANGUAGES,
    assert_capacity_rules,
    date_text,
    number,
    phone,
    snapshot,
    text,
    time_text,
)

TABLES = (LabVisit, LabVisitChange, VisitSlot)


def url(name: str, language: str, **kwargs) -> str:
    with translation.override(language):
        return reverse(f"labvisits:{name}", kwargs=kwargs or None)


@pytest.fixture
def lab_world(site_tree, settings):
    settings.LAB_VISIT_RATE_USER = "100000/3600"
    settings.LAB_VISIT_RATE_IP = "100000/3600"
    institution = factories.InstitutionPageFactory(parent=site_tree.zh.institutions)
    lab = factories.LabFactory(institution=institution, visit_capacity=4)
    other_lab = factories.LabFactory(
        institution=factories.InstitutionPageFactory(parent=site_tree.zh.institutions)
    )
    contact = factories.InstitutionContactFactory(institution=institution).user
    member = factories.UserFactory()
    factories.EnterpriseFactory(owner=member)
    slot = factories.VisitSlotFactory(lab=lab, capacity=6)
    return {"lab": lab, "other_lab": other_lab, "contact": contact, "member": member, "slot": slot}


@FUZZ
@given(
    data=st.fixed_dictionaries(
        {},
        optional={
            "group_size": st.one_of(st.sampled_from(["1", "2", "4", "5"]), number),
            "visitor_names": st.one_of(st.just("王一\n李二"), text),
            "purpose": st.one_of(st.just("了解检测流程"), text),
            "contact_name": st.one_of(st.just("王经理"), text),
            "contact_phone": phone,
        },
    ),
    language=LANGUAGES,
)
def test_request_never_fails_and_refusals_change_nothing(client, lab_world, data, language):
    client.force_login(lab_world["member"])
    before = snapshot(*TABLES)
    response = client.post(url("request", language, slot_id=lab_world["slot"].pk), data)
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert snapshot(*TABLES) == before
    else:
        visit = LabVisit.objects.latest("pk")
        assert 1 <= visit.group_size <= lab_world["lab"].visit_capacity
    assert_capacity_rules()


@FUZZ
@given(data=st.data(), language=LANGUAGES)
def test_slot_create_never_fails_and_refusals_change_nothing(client, lab_world, data, language):
    lab, other = lab_world["lab"], lab_world["other_lab"]
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    posted = data.draw(
        st.fixed_dictionaries(
            {},
            optional={
                "lab": st.one_of(st.sampled_from([str(lab.pk), str(other.pk)]), number),
                "date": st.one_of(st.just(tomorrow), date_text),
                "start": st.one_of(st.just("09:00"), time_text),
                "end": st.one_of(st.just("11:00"), time_text),
                "capacity": st.one_of(st.sampled_from(["1", "10", "500", "0"]), number),
                "note": text,
            },
        )
    )
    client.force_login(lab_world["contact"])
    before = snapshot(*TABLES)
    response = client.post(url("slot_create", language), posted)
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert snapshot(*TABLES) == before
    # Slots are only ever added to the contact's own lab, and are well formed.
    assert not VisitSlot.objects.filter(lab=other).exists()
    for slot in VisitSlot.objects.all():
        assert slot.ends_at > slot.starts_at and slot.capacity >= 1
    assert_capacity_rules()


@FUZZ
@given(
    data=st.fixed_dictionaries(
        {},
        optional={
            "decision": st.one_of(st.sampled_from(["approve", "decline"]), text),
            "reason": st.one_of(st.just("名额已满"), text),
        },
    ),
    language=LANGUAGES,
)
def test_decide_never_fails_and_refusals_change_nothing(client, lab_world, data, language):
    visit = factories.LabVisitFactory(
        slot=factories.VisitSlotFactory(lab=lab_world["lab"], capacity=6), group_size=3
    )
    client.force_login(lab_world["contact"])
    before = snapshot(*TABLES)
    response = client.post(url("decide", language, pk=visit.pk), data)
    assert response.status_code in (302, 400)
    visit.refresh_from_db()
    if response.status_code == 400:
        assert snapshot(*TABLES) == before
        assert visit.state == LabVisit.State.REQUESTED
    else:
        expected = {"approve": LabVisit.State.APPROVED, "decline": LabVisit.State.DECLINED}
        assert visit.state == expected[data["decision"]]
    # The enterprise may not decide its own request.
    client.force_login(visit.requested_by)
    before = snapshot(*TABLES)
    response = client.post(url("decide", language, pk=visit.pk), data)
    assert response.status_code in (400, 403, 404)
    assert snapshot(*TABLES) == before
    assert_capacity_rules()
