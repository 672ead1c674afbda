"""Lab-visit pages in both languages, who may see what (404 for others), and the door
check-in of a visit through the shared check-in screen."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from labvisits.models import LabVisit, VisitSlot
from labvisits.services import lab_visit_decide
from portal.phones import phone_grouped
from portal.tickets import qr_token_make
from tests import factories
from tests.labvisits.conftest import open_door, request_visit

State = LabVisit.State


def url(name: str, language: str = "en", **kwargs) -> str:
    with translation.override(language):
        return reverse(name, kwargs=kwargs or None)


@pytest.fixture
def approved(inst_a, member_a):
    visit = request_visit(member_a, inst_a.slot)
    return lab_visit_decide(visit=visit, by=inst_a.contact, approve=True)


# ---- Enterprise pages -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "language, lab_name, heading",
    [("en", "Automotive lab 1", "Lab visits"), ("zh-hans", "汽车实验室1", None)],
)
def test_request_start_lists_labs_with_places_left(
    client, inst_a, member_a, language, lab_name, heading
):
    request_visit(member_a, inst_a.slot, group_size=4)
    response = client.get(url("labvisits:request_start", language))
    body = response.content.decode()
    assert response.status_code == 200
    assert lab_name in body
    assert url("labvisits:request", language, slot_id=inst_a.slot.pk) in body
    if heading:
        assert heading in body and "6 places left" in body


def test_request_form_sends_request_and_shows_it(client, inst_a, member_a):
    client.force_login(member_a)
    target = url("labvisits:request", slot_id=inst_a.slot.pk)
    page = client.get(target)
    assert page.status_code == 200 and "10 of 10 places left" in page.content.decode()

    response = client.post(
        target,
        {
            "group_size": 2,
            "visitor_names": "Wang Yi\nLi Er",
            "purpose": "See the EMC test lab",
            "contact_name": "Wang",
            "contact_phone": "138 0000 1111",
        },
    )
    visit = LabVisit.objects.get(enterprise=member_a.enterprise)
    assert response.status_code == 302 and response.url == url("labvisits:detail", pk=visit.pk)
    assert visit.contact_phone == "+8613800001111" and visit.language == "en"
    detail = client.get(response.url).content.decode()
    assert "See the EMC test lab" in detail and "Requested" in detail


def test_request_form_errors_in_chinese(client, inst_a, member_a, member_b):
    request_visit(member_b, inst_a.slot, group_size=8)
    client.force_login(member_a)
    response = client.post(
        url("labvisits:request", "zh-hans", slot_id=inst_a.slot.pk),
        {
            "group_size": 3,
            "visitor_names": "王一\n李二\n张三",
            "purpose": "参观",
            "contact_name": "王",
            "contact_phone": "12345",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert 'aria-invalid="true"' in body and 'role="alert"' in body
    assert not LabVisit.objects.filter(enterprise=member_a.enterprise).exists()


def test_request_full_slot_says_places_left(client, inst_a, member_a, member_b):
    request_visit(member_b, inst_a.slot, group_size=8)
    client.force_login(member_a)
    response = client.post(
        url("labvisits:request", slot_id=inst_a.slot.pk),
        {
            "group_size": 3,
            "visitor_names": "A\nB\nC",
            "purpose": "x",
            "contact_name": "W",
            "contact_phone": "13800001111",
        },
    )
    assert response.status_code == 400
    assert "2 places left" in response.content.decode()


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "The group has 3 visitors but 2 names are listed"),
        ("zh-hans", "参观人数为 3 人，但填写了 2 个姓名"),
    ],
)
def test_request_form_says_group_size_must_match_the_names(
    client, inst_a, member_a, language, expected
):
    """Fewer names than visitors was accepted before; the form now says what to fix, in
    both languages, next to the names."""
    client.force_login(member_a)
    response = client.post(
        url("labvisits:request", language, slot_id=inst_a.slot.pk),
        {
            "group_size": 3,
            "visitor_names": "Wang Yi\n\nLi Er\n",
            "purpose": "x",
            "contact_name": "W",
            "contact_phone": "13800001111",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400 and expected in body
    assert 'id="id_visitor_names"' in body and 'aria-invalid="true"' in body
    assert not LabVisit.objects.filter(enterprise=member_a.enterprise).exists()


def test_request_needs_an_enterprise(client, inst_a):
    client.force_login(factories.UserFactory())
    response = client.get(url("labvisits:request", slot_id=inst_a.slot.pk))
    assert response.status_code == 302 and response.url == url("enterprises:start")


# ---- Who sees what --------------------------------------------------------------------------


def test_other_enterprise_and_other_institution_get_404(client, inst_a, inst_b, member_b, approved):
    for user in (member_b, inst_b.contact, factories.UserFactory()):
        client.force_login(user)
        for name in ("labvisits:detail", "labvisits:ticket"):
            assert client.get(url(name, pk=approved.pk)).status_code == 404
        for name in ("labvisits:decide", "labvisits:cancel"):
            response = client.post(
                url(name, pk=approved.pk), {"decision": "approve", "reason": "x"}
            )
            assert response.status_code == 404
    # Guessed ids answer the same.
    assert client.get(url("labvisits:detail", pk=approved.pk + 999)).status_code == 404
    approved.refresh_from_db()
    assert approved.state == State.APPROVED


def test_parties_see_the_visit(client, inst_a, member_a, approved):
    for user in (member_a, inst_a.contact):
        client.force_login(user)
        response = client.get(url("labvisits:detail", pk=approved.pk))
        assert response.status_code == 200 and "甲汽车零部件公司" in response.content.decode()


def test_contact_of_b_cannot_decide_nor_see_a_in_dashboard(client, inst_a, inst_b, member_a):
    visit = request_visit(member_a, inst_a.slot)
    client.force_login(inst_b.contact)
    dashboard = client.get(url("labvisits:contact_dashboard")).content.decode()
    assert "甲汽车零部件公司" not in dashboard
    client.force_login(inst_a.contact)
    dashboard = client.get(url("labvisits:contact_dashboard")).content.decode()
    assert "甲汽车零部件公司" in dashboard and "Requests to decide" in dashboard
    assert visit.state == State.REQUESTED


def test_dashboard_is_for_contacts_only(client, member_a):
    client.force_login(member_a)
    assert client.get(url("labvisits:contact_dashboard")).status_code == 403
    client.logout()
    assert client.get(url("labvisits:contact_dashboard")).status_code == 302


# ---- Decide, cancel and the ticket through the pages ------------------------------------------


def test_contact_approves_then_enterprise_sees_ticket_with_qr(client, inst_a, member_a):
    visit = request_visit(member_a, inst_a.slot)
    client.force_login(inst_a.contact)
    response = client.post(url("labvisits:decide", "zh-hans", pk=visit.pk), {"decision": "approve"})
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.state == State.APPROVED

    client.force_login(member_a)
    for language, address in (("en", "No. 1, Banan, Chongqing"), ("zh-hans", "重庆市巴南区1号")):
        ticket = client.get(url("labvisits:ticket", language, pk=visit.pk))
        body = ticket.content.decode()
        assert ticket.status_code == 200
        assert visit.ticket_code in body and "<svg" in body and address in body
        assert 'content="noindex, nofollow"' in body


def test_decline_without_reason_shows_the_error(client, inst_a, member_a):
    visit = request_visit(member_a, inst_a.slot)
    client.force_login(inst_a.contact)
    response = client.post(url("labvisits:decide", pk=visit.pk), {"decision": "decline"})
    assert response.status_code == 400
    assert "why the visit is declined" in response.content.decode()
    client.post(url("labvisits:decide", pk=visit.pk), {"decision": "decline", "reason": "Busy"})
    visit.refresh_from_db()
    assert visit.state == State.DECLINED
    # No ticket for a declined visit.
    client.force_login(member_a)
    response = client.get(url("labvisits:ticket", pk=visit.pk))
    assert response.status_code == 302


def test_enterprise_cannot_decide_its_own_visit(client, inst_a, member_a):
    visit = request_visit(member_a, inst_a.slot)
    client.force_login(member_a)
    response = client.post(url("labvisits:decide", pk=visit.pk), {"decision": "approve"})
    assert response.status_code == 403
    visit.refresh_from_db()
    assert visit.state == State.REQUESTED


def test_detail_shows_the_contact_phone_grouped_to_the_enterprise(client, member_a, approved):
    client.force_login(member_a)
    html = client.get(url("labvisits:detail", pk=approved.pk)).content.decode()
    assert "王经理, 138 0000 1111" in html and "8613800001111" not in html


def test_request_form_prefills_the_enterprise_phone_grouped(client, inst_a, member_a):
    client.force_login(member_a)
    html = client.get(url("labvisits:request", slot_id=inst_a.slot.pk)).content.decode()
    grouped = phone_grouped(member_a.enterprise.contact_phone)
    assert " " in grouped and f'value="{grouped}"' in html


def test_enterprise_cancels_from_the_detail_page(client, member_a, approved):
    client.force_login(member_a)
    response = client.post(url("labvisits:cancel", pk=approved.pk), {"reason": "Plans changed"})
    assert response.status_code == 302
    approved.refresh_from_db()
    assert approved.state == State.CANCELLED


def test_contact_adds_and_deletes_a_slot(client, inst_a, inst_b):
    client.force_login(inst_a.contact)
    day = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    response = client.post(
        url("labvisits:slot_create"),
        {"lab": inst_a.lab.pk, "date": day, "start": "09:00", "end": "11:00", "capacity": 12},
    )
    assert response.status_code == 302
    slot = VisitSlot.objects.get(lab=inst_a.lab, capacity=12)
    assert timezone.localtime(slot.starts_at).hour == 9
    # Another institution's lab is not a choice.
    response = client.post(
        url("labvisits:slot_create"),
        {"lab": inst_b.lab.pk, "date": day, "start": "09:00", "end": "11:00", "capacity": 12},
    )
    assert response.status_code == 400
    assert not VisitSlot.objects.filter(lab=inst_b.lab, capacity=12).exists()
    # Nor can its slot be deleted.
    assert client.post(url("labvisits:slot_delete", slot_id=inst_b.slot.pk)).status_code == 404
    assert client.post(url("labvisits:slot_delete", slot_id=slot.pk)).status_code == 302
    assert not VisitSlot.objects.filter(pk=slot.pk).exists()


def test_institution_page_links_to_visit_requests(client, inst_a):
    response = client.get(inst_a.page_en.url)
    assert url("labvisits:request_start") in response.content.decode()


# ---- Door check-in --------------------------------------------------------------------------


def checkin_post(client, slot, ticket, *, json=True):
    headers = {"Accept": "application/json"} if json else {}
    return client.post(
        url("labvisits:checkin_visit_ticket", slot_id=slot.pk), {"ticket": ticket}, headers=headers
    )


def test_door_checks_in_approved_visit_by_qr_token(
    client, inst_a, member_a, approved, checkin_staff
):
    open_door(inst_a.slot)
    client.force_login(checkin_staff)
    home = client.get(url("events:checkin_home")).content.decode()
    assert url("labvisits:checkin_visit_slot", slot_id=inst_a.slot.pk) in home
    screen = client.get(url("labvisits:checkin_visit_slot", slot_id=inst_a.slot.pk))
    assert screen.status_code == 200 and "甲汽车零部件公司" in screen.content.decode()

    response = checkin_post(client, inst_a.slot, qr_token_make(approved.ticket_code))
    answer = response.json()
    assert response.status_code == 200 and answer["ok"] and answer["code"] == "checked_in"
    assert answer["counts"]["arrived"] == 3 and answer["counts"]["expected"] == 0
    approved.refresh_from_db()
    assert approved.checked_in_by == checkin_staff

    repeat = checkin_post(client, inst_a.slot, qr_token_make(approved.ticket_code))
    assert repeat.status_code == 409 and repeat.json()["code"] == "already_checked_in"
    assert "Already checked in" in repeat.json()["message"]


def test_door_refuses_declined_visit_and_other_slot(
    client, inst_a, inst_b, member_a, member_b, approved, checkin_staff
):
    declined = request_visit(member_b, inst_a.slot)
    lab_visit_decide(visit=declined, by=inst_a.contact, approve=False, reason="x")
    open_door(inst_a.slot)
    client.force_login(checkin_staff)

    response = checkin_post(client, inst_a.slot, qr_token_make(declined.ticket_code))
    assert response.status_code == 409 and response.json()["code"] == "not_approved"
    assert "declined" in response.json()["message"]

    response = checkin_post(client, inst_b.slot, qr_token_make(approved.ticket_code))
    assert response.status_code == 409 and response.json()["code"] == "wrong_slot"
    approved.refresh_from_db()
    assert approved.checked_in_at is None

    # Without JavaScript: redirect back with the message.
    response = checkin_post(client, inst_a.slot, approved.ticket_code, json=False)
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "welcome" in page


def test_contact_checks_in_own_lab_only(client, inst_a, inst_b, approved):
    client.force_login(inst_b.contact)
    assert client.get(url("events:checkin_home")).status_code == 200
    assert (
        client.get(url("labvisits:checkin_visit_slot", slot_id=inst_a.slot.pk)).status_code == 404
    )
    response = checkin_post(client, inst_a.slot, approved.ticket_code)
    assert response.status_code == 404
    # ... and never sees open-day sessions' check-in.
    open_door(inst_a.slot)
    client.force_login(inst_a.contact)
    home = client.get(url("events:checkin_home", "zh-hans")).content.decode()
    assert url("labvisits:checkin_visit_slot", "zh-hans", slot_id=inst_a.slot.pk) in home
    response = checkin_post(client, inst_a.slot, approved.ticket_code)
    assert response.status_code == 200 and response.json()["ok"]


def test_door_is_closed_to_enterprises(client, member_a, inst_a, approved):
    client.force_login(member_a)
    assert client.get(url("events:checkin_home")).status_code == 403
    assert checkin_post(client, inst_a.slot, approved.ticket_code).status_code == 403
