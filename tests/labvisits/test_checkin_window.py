"""Lab-visit check-in on the right day: the window around the visit slot, the override
with a reason, the scan nonce, and the same answer as registrations for a repeated scan."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from labvisits.exceptions import LabVisitError
from labvisits.models import LabVisitChange
from labvisits.services import lab_visit_checkin_ticket, lab_visit_decide
from portal.tickets import qr_token_make
from stats.models import LabVisitStat
from stats.services import stats_refresh
from tests import factories
from tests.labvisits.conftest import open_door, request_visit


@pytest.fixture
def approved(inst_a, member_a):
    visit = request_visit(member_a, inst_a.slot)
    return lab_visit_decide(visit=visit, by=inst_a.contact, approve=True)


@pytest.fixture
def supervisor(db):
    return factories.UserFactory(username="chief", groups=["Check-in staff", "Regulator approvers"])


def refused(code: str, **kwargs) -> LabVisitError:
    with translation.override("en"), pytest.raises(LabVisitError) as error:
        lab_visit_checkin_ticket(**kwargs)
    assert error.value.code == code, error.value.message
    return error.value


def checkins(visit) -> list[str]:
    return list(
        LabVisitChange.objects.filter(visit=visit, event="checked_in").values_list(
            "note", flat=True
        )
    )


def test_visit_window_too_early_inside_and_ended(inst_a, approved, checkin_staff):
    slot = inst_a.slot
    opens = slot.starts_at - datetime.timedelta(hours=2)
    scan = {"slot": slot, "ticket": approved.ticket_code, "by": checkin_staff}

    early = refused("too_early", now=opens - datetime.timedelta(minutes=1), **scan)
    assert early.message.startswith(
        f"Check-in for this visit opens at {timezone.localtime(opens):%H:%M} on "
    )
    ended = refused("ended", now=slot.ends_at, **scan)
    assert ended.message.startswith(
        f"This visit slot ended at {timezone.localtime(slot.ends_at):%H:%M} on "
    )
    assert checkins(approved) == []

    visit = lab_visit_checkin_ticket(now=opens, **scan)
    assert visit.checked_in_at == opens


def test_visit_override_needs_permission_and_reason(inst_a, approved, checkin_staff, supervisor):
    scan = {
        "slot": inst_a.slot,
        "ticket": approved.ticket_code,
        "now": inst_a.slot.starts_at - datetime.timedelta(days=1),
        "override": True,
    }
    refused("override_forbidden", by=checkin_staff, reason="early bus", **scan)
    refused("reason_required", by=supervisor, reason="", **scan)

    visit = lab_visit_checkin_ticket(by=supervisor, reason="early bus", **scan)

    assert visit.checked_in_by == supervisor
    [note] = checkins(approved)
    assert "too_early" in note and "early bus" in note


def test_the_same_visit_scan_twice_counts_once(inst_a, approved, checkin_staff):
    now = inst_a.slot.starts_at
    scan = {"slot": inst_a.slot, "ticket": approved.ticket_code, "by": checkin_staff}

    first = lab_visit_checkin_ticket(nonce="scan-abcdef", now=now, **scan)
    again = lab_visit_checkin_ticket(
        nonce="scan-abcdef", now=now + datetime.timedelta(seconds=5), **scan
    )
    assert first.pk == again.pk and again.checked_in_at == now
    other = refused(
        "already_checked_in", nonce="scan-123456", now=now + datetime.timedelta(minutes=1), **scan
    )
    assert other.message.startswith(f"Already checked in at {timezone.localtime(now):%H:%M} by ")
    assert checkins(approved) == [""]


# ---- The door screen (real HTTP) -------------------------------------------------------------


def ticket_url(slot) -> str:
    with translation.override("en"):
        return reverse("labvisits:checkin_visit_ticket", kwargs={"slot_id": slot.pk})


def test_visit_door_retry_with_the_same_nonce_answers_success_again(
    client, inst_a, approved, checkin_staff
):
    open_door(inst_a.slot)
    client.force_login(checkin_staff)
    post = {"ticket": qr_token_make(approved.ticket_code), "nonce": "0123456789ab"}
    json = {"Accept": "application/json"}

    first = client.post(ticket_url(inst_a.slot), post, headers=json)
    retry = client.post(ticket_url(inst_a.slot), post, headers=json)
    other = client.post(ticket_url(inst_a.slot), {**post, "nonce": "ba9876543210"}, headers=json)

    assert first.status_code == retry.status_code == 200
    assert first.json()["message"] == retry.json()["message"]
    assert retry.json()["counts"]["arrived"] == approved.group_size
    assert other.status_code == 409 and other.json()["code"] == "already_checked_in"
    assert len(checkins(approved)) == 1


def test_visit_door_refuses_early_and_permitted_staff_override_without_javascript(
    client, inst_a, approved, checkin_staff, supervisor
):
    client.force_login(checkin_staff)
    answer = client.post(
        ticket_url(inst_a.slot),
        {"ticket": approved.ticket_code},
        headers={"Accept": "application/json"},
    )
    assert answer.status_code == 409 and answer.json()["code"] == "too_early"
    assert not answer.json()["can_override"]

    client.force_login(supervisor)
    response = client.post(ticket_url(inst_a.slot), {"ticket": approved.ticket_code})
    page = response.content.decode()
    assert response.status_code == 409 and "Check-in for this visit opens at" in page
    assert f'name="ticket" value="{approved.ticket_code}"' in page
    assert 'name="override" value="1"' in page

    done = client.post(
        ticket_url(inst_a.slot),
        {"ticket": approved.ticket_code, "override": "1", "reason": "group came a day early"},
    )
    assert done.status_code == 302
    approved.refresh_from_db()
    assert approved.checked_in_by == supervisor
    assert "group came a day early" in checkins(approved)[0]


def test_a_refused_early_visit_check_in_is_not_counted_in_the_figures(
    client, inst_a, approved, checkin_staff
):
    client.force_login(checkin_staff)
    client.post(ticket_url(inst_a.slot), {"ticket": approved.ticket_code})

    stats_refresh()

    assert LabVisitStat.objects.get(slot_id=inst_a.slot.pk).checked_in == 0
