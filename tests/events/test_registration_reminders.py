"""Registration services plan, cancel and move the registrant's reminders in their own
transaction: confirmed -> planned, cancelled -> cancelled, promoted -> planned, moved ->
moved to the new session's time."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from events.exceptions import RegistrationError
from events.models import Registration
from events.services.notices import registration_followups_run
from events.services.registration import registration_cancel, registration_create
from events.services.transfer import registration_move
from reminders.models import Reminder
from tests import factories

Status = Registration.Status
State = Reminder.State


@pytest.fixture(autouse=True)
def _offsets(settings):
    settings.REMINDER_OFFSETS = {**settings.REMINDER_OFFSETS, "registration": (1440, 120)}


@pytest.fixture
def activity(site_tree):
    return factories.ActivityPageFactory(parent=site_tree.zh.campaign, title="计量实验室参观")


def make_session(activity, *, days: int = 3, capacity: int = 4):
    starts = (timezone.now() + datetime.timedelta(days=days)).replace(
        minute=0, second=0, microsecond=0
    )
    return factories.SessionFactory(
        activity=activity, starts_at=starts, capacity=capacity, max_party_size=4
    )


def register(session, n: int, **kwargs) -> Registration:
    """Registers, then runs what the worker does after the commit (the follow-up)."""
    registration = registration_create(
        session_id=session.pk,
        name=f"访客{n}",
        phone=f"1391234{n:04d}",
        email=f"visitor{n}@example.com",
        **kwargs,
    )
    registration_followups_run()
    return registration


def reminders_of(registration) -> list[Reminder]:
    return list(
        Reminder.objects.filter(registration=registration, purpose=Reminder.Purpose.REMINDER)
    )


def test_confirmed_registration_gets_its_reminders_by_email_and_text(activity):
    session = make_session(activity)

    registration = register(session, 1)

    rows = reminders_of(registration)
    assert registration.status == Status.CONFIRMED
    assert sorted((r.offset_minutes, r.channel) for r in rows) == [
        (120, "email"),
        (120, "sms"),
        (1440, "email"),
        (1440, "sms"),
    ]
    assert {r.state for r in rows} == {State.PENDING}
    assert {r.due_at for r in rows} == {
        session.starts_at - datetime.timedelta(minutes=120),
        session.starts_at - datetime.timedelta(minutes=1440),
    }


def test_waitlisted_registration_gets_no_reminders(activity):
    session = make_session(activity, capacity=1)
    register(session, 1)

    waiting = register(session, 2, join_waitlist=True)

    assert waiting.status == Status.WAITLISTED
    assert reminders_of(waiting) == []


def test_refused_registration_plans_nothing(activity):
    session = make_session(activity, capacity=1)
    first = register(session, 1)

    with pytest.raises(RegistrationError) as error:
        register(session, 2)

    assert error.value.code == "full"
    # The first registration's only: four reminders and its ticket e-mail.
    assert Reminder.objects.filter(registration=first).count() == 5
    assert Reminder.objects.count() == 5


def test_cancelled_registration_cancels_its_pending_reminders(activity):
    session = make_session(activity)
    registration = register(session, 1)

    registration_cancel(registration_id=registration.pk)

    assert {r.state for r in reminders_of(registration)} == {State.CANCELLED}


def test_promoted_registration_gets_its_reminders(activity):
    session = make_session(activity, capacity=1)
    first = register(session, 1)
    waiting = register(session, 2, join_waitlist=True)

    promoted = registration_cancel(registration_id=first.pk)

    assert [r.pk for r in promoted] == [waiting.pk]
    rows = reminders_of(waiting)
    assert len(rows) == 4
    assert {r.state for r in rows} == {State.PENDING}
    assert {r.state for r in reminders_of(first)} == {State.CANCELLED}


def test_moved_registration_reminders_follow_it_to_the_new_time(activity):
    old_session = make_session(activity, days=3)
    new_session = make_session(activity, days=5)
    registration = register(old_session, 1)

    registration_move(registration_id=registration.pk, to_session_id=new_session.pk)

    rows = reminders_of(registration)
    assert len(rows) == 4
    assert {r.state for r in rows} == {State.PENDING}
    assert {r.starts_at for r in rows} == {new_session.starts_at}
    assert {r.due_at for r in rows} == {
        new_session.starts_at - datetime.timedelta(minutes=120),
        new_session.starts_at - datetime.timedelta(minutes=1440),
    }


def test_moved_waitlisted_registration_gets_reminders_in_the_new_session(activity):
    full = make_session(activity, days=3, capacity=1)
    other = make_session(activity, days=5)
    register(full, 1)
    waiting = register(full, 2, join_waitlist=True)
    assert reminders_of(waiting) == []

    registration_move(registration_id=waiting.pk, to_session_id=other.pk)

    rows = reminders_of(waiting)
    assert len(rows) == 4
    assert {r.starts_at for r in rows} == {other.starts_at}
