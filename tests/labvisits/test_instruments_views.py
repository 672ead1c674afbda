"""Shared-instrument pages in both languages, for each role: the public catalogue and an
instrument's page, the machine-time request (the lab-visit request of an instrument's
slot), the request's page for its parties only, the institution page's section and the
staff's admin catalogue."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from labvisits.models import Instrument, LabVisit, VisitSlot
from labvisits.services import lab_visit_decide
from tests import factories
from tests.labvisits.conftest import request_visit

pytestmark = pytest.mark.django_db
State = LabVisit.State


def url(name: str, language: str = "en", **kwargs) -> str:
    with translation.override(language):
        return reverse(name, kwargs=kwargs or None)


@pytest.fixture
def sem(inst_a):
    return factories.InstrumentFactory(
        lab=inst_a.lab,
        name="扫描电子显微镜",
        name_en="Scanning electron microscope",
        capability="材料断口形貌观察",
        capability_en="Fracture surfaces of materials",
        field="materials",
    )


@pytest.fixture
def sem_slot(inst_a, sem):
    return factories.VisitSlotFactory(lab=inst_a.lab, instrument=sem, capacity=2)


@pytest.fixture
def xrd(inst_b):
    return factories.InstrumentFactory(
        lab=inst_b.lab,
        name="X射线衍射仪",
        name_en="X-ray diffractometer",
        capability="物相分析",
        capability_en="Phase analysis",
        field="metrology",
    )


# --- The catalogue ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "sem_name", "heading"),
    [
        ("en", "Scanning electron microscope", "Shared instruments"),
        ("zh-hans", "扫描电子显微镜", "大型仪器共享"),
    ],
)
def test_catalogue_lists_instruments_for_everyone(client, sem, xrd, language, sem_name, heading):
    hidden = factories.InstrumentFactory(lab=sem.lab, name="停用的仪器", active=False)
    response = client.get(url("labvisits:instrument_list", language))
    body = response.content.decode()
    assert response.status_code == 200
    assert heading in body and sem_name in body
    assert url("labvisits:instrument_detail", language, pk=sem.pk) in body
    assert hidden.name not in body
    assert '<label for="filter-q">' in body and '<label for="filter-field">' in body


def test_catalogue_filters_by_field_institution_and_search(client, inst_a, sem, xrd):
    target = url("labvisits:instrument_list")
    by_field = client.get(target, {"field": "metrology"}).content.decode()
    assert "X-ray diffractometer" in by_field and "Scanning electron" not in by_field
    by_place = client.get(target, {"institution": inst_a.page.pk}).content.decode()
    assert "Scanning electron" in by_place and "X-ray" not in by_place
    by_words = client.get(target, {"q": "phase"}).content.decode()
    assert "X-ray diffractometer" in by_words and "Scanning electron" not in by_words
    nothing = client.get(target, {"q": "cyclotron"}).content.decode()
    assert "No instruments match these filters." in nothing
    odd = client.get(target, {"field": "nope", "institution": "x1", "page": "99"})
    assert odd.status_code == 200 and "Scanning electron" in odd.content.decode()


def test_catalogue_is_paginated(client, inst_a):
    for n in range(14):
        factories.InstrumentFactory(
            lab=inst_a.lab, name=f"仪器{n:02d}", name_en=f"Instrument {n:02d}"
        )
    first = client.get(url("labvisits:instrument_list")).content.decode()
    second = client.get(url("labvisits:instrument_list"), {"page": 2}).content.decode()
    assert "14 instruments" in first and 'rel="next"' in first
    assert first.count('class="card instrument-card"') == 12
    assert second.count('class="card instrument-card"') == 2


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["Free machine time", "Request machine time", "Fracture surfaces of materials"]),
        ("zh-hans", ["可预约机时", "预约机时", "材料断口形貌观察", "按机时收费"]),
    ],
)
def test_instrument_page_shows_free_machine_time(client, sem, sem_slot, language, words):
    response = client.get(url("labvisits:instrument_detail", language, pk=sem.pk))
    body = response.content.decode()
    assert response.status_code == 200
    for word in words:
        assert word in body
    assert url("labvisits:request", language, slot_id=sem_slot.pk) in body


def test_inactive_or_unknown_instrument_is_not_found(client, sem):
    sem.active = False
    sem.save()
    assert client.get(url("labvisits:instrument_detail", pk=sem.pk)).status_code == 404
    assert client.get(url("labvisits:instrument_detail", pk=sem.pk + 100)).status_code == 404


# --- Requesting machine time ------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in_and_back(client, sem_slot):
    target = url("labvisits:request", slot_id=sem_slot.pk)
    response = client.get(target)
    assert response.status_code == 302
    assert "/accounts/login/" in response.url and "next=" in response.url


def test_contact_without_an_enterprise_cannot_request(client, inst_b, sem_slot):
    client.force_login(inst_b.contact)
    response = client.get(url("labvisits:request", slot_id=sem_slot.pk))
    assert response.status_code == 302 and "enterprise" in response.url


@pytest.mark.parametrize(
    ("language", "labels"),
    [
        ("en", ["Request machine time", "Number of operators", "Samples and tests to run"]),
        ("zh-hans", ["预约机时", "操作人数", "样品及检测项目"]),
    ],
)
def test_member_sees_the_machine_time_form(client, member_a, sem_slot, language, labels):
    client.force_login(member_a)
    body = client.get(url("labvisits:request", language, slot_id=sem_slot.pk)).content.decode()
    for label in labels:
        assert label in body
    assert "Purpose of the visit" not in body and "参观目的" not in body


def test_member_requests_machine_time(client, member_a, sem_slot):
    client.force_login(member_a)
    response = client.post(
        url("labvisits:request", slot_id=sem_slot.pk),
        {
            "group_size": 1,
            "visitor_names": "Wang Yi",
            "purpose": "3 aluminium fracture samples, SEM imaging",
            "contact_name": "Wang",
            "contact_phone": "138 0000 1111",
        },
    )
    visit = LabVisit.objects.get(enterprise=member_a.enterprise)
    assert response.status_code == 302 and visit.slot == sem_slot
    assert visit.purpose == "3 aluminium fracture samples, SEM imaging"
    page = client.get(response.url).content.decode()
    assert "Machine-time request" in page and "Samples and tests to run" in page
    assert "Your machine-time request has been sent" in page


def test_request_on_an_inactive_instrument_is_not_found(client, member_a, sem, sem_slot):
    sem.active = False
    sem.save()
    client.force_login(member_a)
    assert client.get(url("labvisits:request", slot_id=sem_slot.pk)).status_code == 404


# --- The request's page: parties only, approval by the right contact -------------------


@pytest.fixture
def requested(member_a, sem_slot):
    return request_visit(member_a, sem_slot, group_size=1, purpose="断口样品3件")


def test_other_institutions_contact_and_other_enterprise_get_404(
    client, inst_b, member_b, requested
):
    for user in (inst_b.contact, member_b):
        client.force_login(user)
        assert client.get(url("labvisits:detail", pk=requested.pk)).status_code == 404
        response = client.post(url("labvisits:decide", pk=requested.pk), {"decision": "approve"})
        assert response.status_code == 404
    requested.refresh_from_db()
    assert requested.state == State.REQUESTED


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["Approve the machine time", "Samples and tests to run", "Machine time"]),
        ("zh-hans", ["批准机时预约", "样品及检测项目", "仪器机时"]),
    ],
)
def test_right_contact_approves_machine_time(client, inst_a, requested, language, words):
    client.force_login(inst_a.contact)
    page = client.get(url("labvisits:detail", language, pk=requested.pk)).content.decode()
    for word in words:
        assert word in page
    response = client.post(
        url("labvisits:decide", language, pk=requested.pk), {"decision": "approve"}, follow=True
    )
    requested.refresh_from_db()
    assert requested.state == State.APPROVED
    assert ("The machine time is approved." if language == "en" else "机时预约已批准") in (
        response.content.decode()
    )


def test_enterprise_sees_its_machine_time_ticket(client, inst_a, member_a, requested):
    lab_visit_decide(visit=requested, by=inst_a.contact, approve=True)
    client.force_login(member_a)
    ticket = client.get(url("labvisits:ticket", pk=requested.pk)).content.decode()
    assert "Your machine time is approved" in ticket and requested.ticket_code in ticket
    assert "Number of operators" in ticket and "<svg" in ticket
    zh = client.get(url("labvisits:ticket", "zh-hans", pk=requested.pk)).content.decode()
    assert "您的机时预约已获批准" in zh


def test_staff_sees_the_request_read_only(client, editor, requested):
    client.force_login(editor)
    page = client.get(url("labvisits:detail", pk=requested.pk)).content.decode()
    assert "Machine-time request" in page and "Approve the machine time" not in page


def test_contact_offers_machine_time_from_the_dashboard(client, inst_a, sem):
    client.force_login(inst_a.contact)
    dashboard = client.get(url("labvisits:contact_dashboard")).content.decode()
    assert "Shared instrument (optional)" in dashboard and sem.name_en in dashboard
    response = client.post(
        url("labvisits:slot_create"),
        {
            "lab": inst_a.lab.pk,
            "instrument": sem.pk,
            "date": (inst_a.slot.starts_at.date()).isoformat(),
            "start": "09:00",
            "end": "12:00",
            "capacity": 2,
        },
    )
    assert response.status_code == 302
    assert VisitSlot.objects.filter(instrument=sem, capacity=2).exists()


# --- Institution page and admin ---------------------------------------------------------


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_institution_page_lists_its_instruments(client, inst_a, sem, xrd, language):
    page = inst_a.page if language == "zh-hans" else inst_a.page_en
    body = client.get(page.url).content.decode()
    assert ("大型仪器共享" if language == "zh-hans" else "Shared instruments") in body
    assert url("labvisits:instrument_detail", language, pk=sem.pk) in body
    assert url("labvisits:instrument_detail", language, pk=xrd.pk) not in body


def test_staff_manage_the_catalogue_in_the_admin(client, editor, inst_a, member_a):
    client.force_login(editor)
    index = client.get("/cms-admin/enterprise-services/instruments/")
    assert index.status_code == 200
    response = client.post(
        "/cms-admin/enterprise-services/instruments/new/",
        {
            "institution": inst_a.page.pk,
            "lab": inst_a.lab.pk,
            "name": "电磁兼容暗室",
            "name_en": "EMC chamber",
            "model_name": "",
            "capability": "辐射骚扰、辐射抗扰度",
            "capability_en": "",
            "field": "electronics",
            "fee_note": "按机时收费",
            "fee_note_en": "",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Instrument.objects.filter(name="电磁兼容暗室", lab=inst_a.lab).exists()
    # Enterprise members have no admin.
    client.force_login(member_a)
    assert client.get("/cms-admin/enterprise-services/instruments/").status_code in (302, 403)


def test_admin_refuses_a_lab_of_another_institution(client, editor, inst_a, inst_b):
    client.force_login(editor)
    response = client.post(
        "/cms-admin/enterprise-services/instruments/new/",
        {
            "institution": inst_a.page.pk,
            "lab": inst_b.lab.pk,
            "name": "液质联用仪",
            "capability": "农药残留",
            "field": "food",
        },
    )
    assert response.status_code == 200
    assert "该实验室属于其他机构。" in response.content.decode()  # the editor reads Chinese
    assert not Instrument.objects.filter(name="液质联用仪").exists()


def test_the_door_screen_says_machine_time(client, inst_a, member_a, sem_slot, checkin_staff):
    visit = request_visit(member_a, sem_slot, group_size=1)
    lab_visit_decide(visit=visit, by=inst_a.contact, approve=True)
    client.force_login(checkin_staff)
    body = client.get(url("labvisits:checkin_visit_slot", slot_id=sem_slot.pk)).content.decode()
    assert "Machine time" in body and "Scanning electron microscope" in body


def test_enterprise_page_lists_machine_time_and_links_the_catalogue(
    client, inst_a, member_a, requested
):
    lab_visit_decide(visit=requested, by=inst_a.contact, approve=True)
    client.force_login(member_a)
    body = client.get(url("enterprises:mine")).content.decode()
    assert "Machine time: Scanning electron microscope" in body
    assert url("labvisits:instrument_list") in body and "Number of operators" in body


def test_staff_tell_machine_time_from_lab_visits_in_the_admin(
    client, editor, inst_a, member_b, requested
):
    lab_visit = request_visit(member_b, inst_a.slot, group_size=2)
    client.force_login(editor)
    index = "/cms-admin/enterprise-services/lab-visits/"
    only_machine_time = client.get(index, {"machine_time": "true"}).content.decode()
    assert requested.ticket_code in only_machine_time
    assert lab_visit.ticket_code not in only_machine_time
    only_visits = client.get(index, {"machine_time": "false"}).content.decode()
    assert lab_visit.ticket_code in only_visits and requested.ticket_code not in only_visits
