"""Check-in on the right day: the window around a session, the override with a reason,
and the scan nonce that makes a retried request count once."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from events.exceptions import RegistrationError
from events.models import Registration, RegistrationChange
from events.services.checkin import checkin_perform
from stats.models import SessionStat
from stats.services import stats_refresh
from tests import factories

Status = Registration.Status


@pytest.fixture
def session(site_tree):
    activity = factories.ActivityPageFactory(parent=site_tree.zh.campaign)
    starts = timezone.now().replace(second=0, microsecond=0) + datetime.timedelta(hours=5)
    return factories.SessionFactory(
        activity=activity, starts_at=starts, ends_at=starts + datetime.timedelta(hours=2)
    )


@pytest.fixture
def staff(db):
    return factories.UserFactory(username="door", groups=["Check-in staff"])


@pytest.fixture
def supervisor(db):
    """Check-in staff who is also a regulator approver: may override the window."""
    return factories.UserFactory(username="chief", groups=["Check-in staff", "Regulator approvers"])


def hm(moment: datetime.datetime) -> str:
    return f"{timezone.localtime(moment):%H:%M}"


def refused(code: str, **kwargs) -> RegistrationError:
    with translation.override("en"), pytest.raises(RegistrationError) as error:
        checkin_perform(**kwargs)
    assert error.value.code == code, error.value.message
    return error.value


def notes(reg: Registration) -> list[str]:
    return list(RegistrationChange.objects.filter(registration=reg).values_list("note", flat=True))


# ---- Service --------------------------------------------------------------------------------


def test_too_early_is_refused_saying_when_check_in_opens(session, staff):
    reg = factories.RegistrationFactory(session=session, ticket_code="EARLY222")
    now = session.starts_at - datetime.timedelta(hours=2, minutes=1)

    error = refused("too_early", session_id=session.pk, ticket="EARLY222", by=staff, now=now)

    opens = session.starts_at - datetime.timedelta(hours=2)
    assert re.fullmatch(
        rf"Check-in for this session opens at {hm(opens)} on \w+ \d+\.", error.message
    )
    reg.refresh_from_db()
    assert reg.status == Status.CONFIRMED and notes(reg) == []


def test_inside_the_window_is_accepted(session, staff):
    factories.RegistrationFactory(session=session, ticket_code="OPEN2222")
    opens = session.starts_at - datetime.timedelta(hours=2)
    reg = checkin_perform(session_id=session.pk, ticket="OPEN2222", by=staff, now=opens)
    assert reg.status == Status.CHECKED_IN and reg.checked_in_at == opens


def test_the_window_follows_the_setting(session, staff, settings):
    settings.CHECKIN_OPENS_MINUTES_BEFORE = 30
    factories.RegistrationFactory(session=session, ticket_code="HALF2222")
    hour_before = session.starts_at - datetime.timedelta(hours=1)
    refused("too_early", session_id=session.pk, ticket="HALF2222", by=staff, now=hour_before)


def test_after_the_end_is_refused_saying_when_it_ended(session, staff):
    factories.RegistrationFactory(session=session, ticket_code="LATE2222")
    error = refused(
        "ended", session_id=session.pk, ticket="LATE2222", by=staff, now=session.ends_at
    )
    assert error.message.startswith(f"This session ended at {hm(session.ends_at)} on ")


def test_override_needs_the_permission_and_a_reason(session, staff, supervisor):
    reg = factories.RegistrationFactory(session=session, ticket_code="OVER2222")
    early = session.starts_at - datetime.timedelta(days=1)
    ticket = {"session_id": session.pk, "ticket": "OVER2222", "now": early, "override": True}

    refused("override_forbidden", by=staff, reason="VIP guest", **ticket)
    refused("reason_required", by=supervisor, reason="  ", **ticket)
    reg.refresh_from_db()
    assert reg.status == Status.CONFIRMED

    checkin_perform(by=supervisor, reason="Minister's visit a day early", **ticket)

    reg.refresh_from_db()
    assert reg.status == Status.CHECKED_IN and reg.checked_in_by == supervisor
    change = RegistrationChange.objects.get(registration=reg)
    assert change.changed_by == supervisor
    assert "too_early" in change.note and "Minister's visit a day early" in change.note


def test_the_same_scan_twice_counts_once_and_succeeds_twice(session, staff):
    reg = factories.RegistrationFactory(session=session, ticket_code="NONCE222", party_size=2)
    now = session.starts_at
    scan = {"session_id": session.pk, "ticket": "NONCE222", "by": staff, "nonce": "scan-0001"}

    first = checkin_perform(now=now, **scan)
    again = checkin_perform(now=now + datetime.timedelta(seconds=3), **scan)

    assert first.pk == again.pk == reg.pk
    assert again.checked_in_at == now
    assert notes(reg) == [""]
    other = refused(
        "already_checked_in",
        now=now + datetime.timedelta(minutes=1),
        **{**scan, "nonce": "scan-0002"},
    )
    assert other.message == f"Already checked in at {hm(now)} by door."


# ---- Door screen (real HTTP) ----------------------------------------------------------------


def ticket_url(session) -> str:
    with translation.override("en"):
        return reverse("events:checkin_ticket", kwargs={"session_id": session.pk})


def session_url(session) -> str:
    with translation.override("en"):
        return reverse("events:checkin_session", kwargs={"session_id": session.pk})


def test_door_refuses_an_early_ticket_and_offers_no_override_to_plain_staff(client, session, staff):
    factories.RegistrationFactory(session=session, ticket_code="DOOR2222")
    client.force_login(staff)

    answer = client.post(
        ticket_url(session), {"ticket": "DOOR2222"}, headers={"Accept": "application/json"}
    )
    assert answer.status_code == 409
    assert answer.json()["code"] == "too_early" and not answer.json()["can_override"]
    assert "Check-in for this session opens at" in answer.json()["message"]

    response = client.post(ticket_url(session), {"ticket": "DOOR2222"}, follow=True)
    page = response.content.decode()
    assert "Check-in for this session opens at" in page
    assert 'name="override"' not in page


def test_permitted_staff_override_an_early_ticket_without_javascript(client, session, supervisor):
    reg = factories.RegistrationFactory(session=session, ticket_code="SUPE2222")
    client.force_login(supervisor)

    response = client.post(ticket_url(session), {"ticket": "SUPE2222", "nonce": "page-nonce-1"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "Check-in for this session opens at" in page
    form = page[
        page.index("data-override-form") : page.index("</form>", page.index("data-override-form"))
    ]
    assert 'name="ticket" value="SUPE2222"' in form
    assert 'name="override" value="1"' in form
    assert 'name="reason"' in form and "required" in form
    nonce = re.search(r'name="nonce" value="([^"]+)"', form).group(1)
    reg.refresh_from_db()
    assert reg.status == Status.CONFIRMED

    # The form sent without a reason is refused and offered again.
    again = client.post(
        ticket_url(session), {"ticket": "SUPE2222", "override": "1", "nonce": nonce}
    )
    assert again.status_code == 409 and "Give a reason" in again.content.decode()

    done = client.post(
        ticket_url(session),
        {"ticket": "SUPE2222", "override": "1", "reason": "Speaker setting up", "nonce": nonce},
    )
    assert done.status_code == 302 and done.url == session_url(session)
    reg.refresh_from_db()
    assert reg.status == Status.CHECKED_IN
    assert "Speaker setting up" in RegistrationChange.objects.get(registration=reg).note


def test_a_retried_request_with_the_same_nonce_answers_success_again(client, session, staff):
    open_session = session
    open_session.starts_at = timezone.now() + datetime.timedelta(minutes=30)
    open_session.ends_at = open_session.starts_at + datetime.timedelta(hours=2)
    open_session.save()
    reg = factories.RegistrationFactory(session=open_session, ticket_code="RTRY2222", party_size=3)
    client.force_login(staff)
    post = {"ticket": "RTRY2222", "nonce": "f0e1d2c3b4a5"}
    json = {"Accept": "application/json"}

    first = client.post(ticket_url(open_session), post, headers=json)
    retry = client.post(ticket_url(open_session), post, headers=json)
    other = client.post(ticket_url(open_session), {**post, "nonce": "a9b8c7d6e5f4"}, headers=json)

    assert first.status_code == retry.status_code == 200
    assert first.json()["code"] == retry.json()["code"] == "checked_in"
    assert first.json()["message"] == retry.json()["message"]
    assert retry.json()["counts"]["arrived"] == 3
    assert other.status_code == 409 and other.json()["code"] == "already_checked_in"
    assert RegistrationChange.objects.filter(registration=reg).count() == 1


def test_a_refused_early_check_in_is_not_counted_in_the_figures(client, session, staff):
    factories.RegistrationFactory(session=session, ticket_code="STAT2222", party_size=2)
    client.force_login(staff)
    client.post(ticket_url(session), {"ticket": "STAT2222"})

    stats_refresh()

    row = SessionStat.objects.get(session_id=session.pk)
    assert row.registered == 2 and row.checked_in == 0


def test_walk_ins_are_recorded_only_while_the_door_is_open(session, staff, client):
    """A walk-in counts as an arrival in the figures: not days before, not after the end."""
    from events.services.checkin import walk_in_record

    opens = session.starts_at - datetime.timedelta(minutes=120)
    for now, code in (
        (opens - datetime.timedelta(minutes=1), "too_early"),
        (session.ends_at, "ended"),
    ):
        with pytest.raises(RegistrationError) as refused:
            walk_in_record(session_id=session.pk, party_size=1, by=staff, now=now)
        assert refused.value.code == code
    assert not Registration.objects.filter(session=session).exists()

    # Through the door screen, today, five hours before the start: refused with the time.
    client.force_login(staff)
    with translation.override("en"):
        url = reverse("events:checkin_walk_in", kwargs={"session_id": session.pk})
    response = client.post(url, {"party_size": "1", "name": "", "phone": ""})
    assert response.status_code in (200, 400)
    assert "Check-in for this session opens at" in response.content.decode()
    assert not Registration.objects.filter(session=session).exists()

    walk_in = walk_in_record(session_id=session.pk, party_size=1, by=staff, now=opens)
    assert walk_in.status == Status.CHECKED_IN
