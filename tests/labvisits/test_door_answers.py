"""Both doors answer a ticket the same way: a registration scanned twice at a session's
door and a lab visit scanned twice at its slot's door get the same status codes, the same
JSON fields, the same wording and the same page without JavaScript."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from events.tickets import qr_token_make
from labvisits.services import lab_visit_decide
from tests import factories
from tests.labvisits.conftest import open_door, request_visit

pytestmark = pytest.mark.django_db


def url(name: str, **kwargs) -> str:
    with translation.override("en"):
        return reverse(name, kwargs=kwargs)


@pytest.fixture
def session_door(site_tree):
    activity = factories.ActivityPageFactory(
        parent=site_tree.zh.campaign, title="食品实验室开放", slug="food-lab"
    )
    starts = timezone.now().replace(microsecond=0) + datetime.timedelta(hours=1)
    session = factories.SessionFactory(
        activity=activity,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        capacity=10,
        max_party_size=4,
    )
    factories.RegistrationFactory(session=session, ticket_code="SCAN3333", party_size=3)
    return url("events:checkin_ticket", session_id=session.pk), "SCAN3333"


@pytest.fixture
def visit_door(inst_a, member_a):
    visit = request_visit(member_a, inst_a.slot, group_size=3)
    visit = lab_visit_decide(visit=visit, by=inst_a.contact, approve=True)
    open_door(inst_a.slot)
    return url("labvisits:checkin_visit_ticket", slot_id=inst_a.slot.pk), visit.ticket_code


def scan_twice(client, door: tuple[str, str], *, json: bool):
    ticket_url, code = door
    headers = {"Accept": "application/json"} if json else {}
    answers = []
    for nonce in ("firstscan01", "secondscan02"):
        posted = {"ticket": qr_token_make(code), "nonce": nonce}
        answers.append(client.post(ticket_url, posted, headers=headers, follow=not json))
    return answers


def test_a_repeated_scan_answers_the_same_for_both_kinds_of_ticket(
    client, session_door, visit_door, checkin_staff
):
    client.force_login(checkin_staff)
    shapes = []
    for door in (session_door, visit_door):
        first, second = scan_twice(client, door, json=True)
        assert (first.status_code, second.status_code) == (200, 409)
        answer = second.json()
        assert answer["code"] == "already_checked_in" and answer["ok"] is False
        assert answer["message"].startswith("Already checked in at ")
        assert answer["party_size"] == 3
        assert answer["checked_in_at"] == first.json()["checked_in_at"] is not None
        assert answer["can_override"] is False
        shapes.append((sorted(answer), sorted(first.json())))
    assert shapes[0] == shapes[1]


def test_a_repeated_scan_without_javascript_answers_the_same_for_both_kinds(
    client, session_door, visit_door, checkin_staff
):
    client.force_login(checkin_staff)
    for door in (session_door, visit_door):
        first, second = scan_twice(client, door, json=False)
        assert [code for _url, code in first.redirect_chain] == [302]
        assert [code for _url, code in second.redirect_chain] == [302]
        body = second.content.decode()
        assert "Already checked in at " in body
        assert 'id="checkin-result"' in body and "checkin-counters__list" in body
