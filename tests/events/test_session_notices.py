"""A session's time changes when its activity page is published, or the organiser cancels
it: every confirmed or waitlisted registrant gets one notice (with an updated calendar
file), reminders move or stop, and the fan-out runs in batches whose progress staff see."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from icalendar import Calendar

import events.tasks as event_tasks
from events.exceptions import RegistrationError, SessionError
from events.models import ActivityPage, Registration, Session, SessionState
from events.services.registration import registration_cancel, registration_create
from events.services.session import session_cancel, session_schedule_check
from reminders.models import Broadcast, Reminder
from reminders.services import reminders_send_due
from tests import factories

Status = Registration.Status


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.REMINDER_OFFSETS = {**settings.REMINDER_OFFSETS, "registration": (1440, 120)}
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def activity(site_tree):
    activity = factories.ActivityPageFactory(parent=site_tree.zh.campaign, title="计量实验室参观")
    factories.translate(activity, "en", title="Metrology lab tour")
    return activity


@pytest.fixture
def session(activity):
    starts = (timezone.now() + datetime.timedelta(days=3)).replace(
        minute=0, second=0, microsecond=0
    )
    return factories.SessionFactory(
        activity=activity,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        capacity=2,
    )


def register(session, n: int, *, waitlist: bool = False) -> Registration:
    return registration_create(
        session_id=session.pk,
        name=f"访客{n}",
        phone=f"1391234{n:04d}",
        email=f"visitor{n}@example.com",
        language="en",
        join_waitlist=waitlist,
    )


@pytest.fixture
def registrants(session, django_capture_on_commit_callbacks, mailoutbox):
    """Two confirmed, one waitlisted, one who cancelled; the confirmations already sent."""
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = [register(session, 1), register(session, 2)]
        waiting = register(session, 3, waitlist=True)
        gone = register(session, 4, waitlist=True)
        registration_cancel(registration_id=gone.pk)
    mailoutbox.clear()
    return {"confirmed": confirmed, "waiting": waiting, "gone": gone}


def move_session(session: Session, *, hours: int) -> Session:
    """Edit the session's time on its activity page and publish it, as an editor does."""
    page = ActivityPage.objects.get(pk=session.activity_id)
    sessions = list(page.sessions.all())
    for item in sessions:
        if item.pk == session.pk:
            item.starts_at += datetime.timedelta(hours=hours)
            item.ends_at += datetime.timedelta(hours=hours)
    page.sessions = sessions
    page.save_revision().publish()
    return Session.objects.get(pk=session.pk)


def deliver(django_capture_on_commit_callbacks) -> None:
    """Run the reminder sweep, as the beat schedule does every minute."""
    with django_capture_on_commit_callbacks(execute=True):
        reminders_send_due()


def calendar_of(message) -> Calendar:
    ics = [a for a in message.attachments if isinstance(a, tuple) and a[0] == "open-day.ics"]
    assert len(ics) == 1
    return Calendar.from_ical(ics[0][1])


def event_of(calendar: Calendar):
    return next(c for c in calendar.walk("VEVENT"))


def by_recipient(mailoutbox) -> dict[str, list]:
    result: dict[str, list] = {}
    for message in mailoutbox:
        result.setdefault(message.to[0], []).append(message)
    return result


# --- Time changes ------------------------------------------------------------------------


def test_publishing_a_new_time_notifies_every_registrant_once_with_an_updated_calendar(
    session, registrants, django_capture_on_commit_callbacks, mailoutbox
):
    old_sequence = {
        r.pk: r.changes.count() - 1 for r in [*registrants["confirmed"], registrants["waiting"]]
    }

    with django_capture_on_commit_callbacks(execute=True):
        moved = move_session(session, hours=5)
    deliver(django_capture_on_commit_callbacks)

    broadcast = Broadcast.objects.get(session=session)
    assert broadcast.kind == "changed"
    assert broadcast.total == broadcast.planned == 3
    state = SessionState.objects.get(session=session)
    assert state.notified_starts_at == moved.starts_at
    mails = by_recipient(mailoutbox)
    assert sorted(mails) == ["visitor1@example.com", "visitor2@example.com", "visitor3@example.com"]
    for registration in [*registrants["confirmed"], registrants["waiting"]]:
        [message] = mails[registration.email]
        assert message.subject.startswith("The time of your session has changed")
        assert "The time of your session has changed" in message.body
        calendar = calendar_of(message)
        assert str(calendar["method"]) == "PUBLISH"
        event = event_of(calendar)
        assert event["dtstart"].dt == moved.starts_at
        assert event["sequence"] > old_sequence[registration.pk]
    # The notice does not change anyone's status.
    assert {r.status for r in Registration.objects.filter(session=session)} == {
        Status.CONFIRMED,
        Status.WAITLISTED,
        Status.CANCELLED,
    }


def test_pending_reminders_move_with_the_session(
    session, registrants, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        moved = move_session(session, hours=-24)

    for registration in registrants["confirmed"]:
        rows = Reminder.objects.filter(registration=registration, purpose="reminder")
        assert rows.count() == 4
        assert {r.starts_at for r in rows} == {moved.starts_at}
        assert {r.due_at for r in rows.filter(state="pending")} == {
            moved.starts_at - datetime.timedelta(minutes=1440),
            moved.starts_at - datetime.timedelta(minutes=120),
        }


def test_publishing_without_a_time_change_sends_nothing(
    session, registrants, django_capture_on_commit_callbacks, mailoutbox
):
    page = ActivityPage.objects.get(pk=session.activity_id)
    page.summary = "新的简介"
    with django_capture_on_commit_callbacks(execute=True):
        page.save_revision().publish()
    deliver(django_capture_on_commit_callbacks)

    assert not Broadcast.objects.exists()
    assert mailoutbox == []


def test_publishing_the_translation_checks_the_same_sessions(
    session, registrants, django_capture_on_commit_callbacks
):
    Session.objects.filter(pk=session.pk).update(
        starts_at=session.starts_at + datetime.timedelta(hours=1),
        ends_at=session.ends_at + datetime.timedelta(hours=1),
    )
    english = ActivityPage.objects.get(
        translation_key=session.activity.translation_key, locale__language_code="en"
    )
    with django_capture_on_commit_callbacks(execute=True):
        english.save_revision().publish()

    assert Broadcast.objects.filter(session=session, kind="changed").count() == 1


def test_new_session_gets_its_snapshot_at_the_first_check(activity):
    starts = timezone.now() + datetime.timedelta(days=4)
    new = Session.objects.create(
        activity=activity,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
        capacity=5,
    )
    assert not SessionState.objects.filter(session=new).exists()

    assert session_schedule_check(session_id=new.pk) is None

    state = SessionState.objects.get(session=new)
    assert (state.notified_starts_at, state.notified_ends_at) == (new.starts_at, new.ends_at)
    assert state.cancelled_at is None


# --- Cancellation --------------------------------------------------------------------------


def test_cancelling_a_session_cancels_and_notifies_every_registration(
    session, registrants, django_capture_on_commit_callbacks, mailoutbox, approver
):
    with django_capture_on_commit_callbacks(execute=True):
        broadcast = session_cancel(session_id=session.pk, by=approver, reason="Power cut")
    deliver(django_capture_on_commit_callbacks)

    broadcast.refresh_from_db()
    assert broadcast.kind == "cancelled"
    assert broadcast.planned == broadcast.total == 3
    assert set(Registration.objects.filter(session=session).values_list("status", flat=True)) == {
        Status.CANCELLED
    }
    mails = by_recipient(mailoutbox)
    assert sorted(mails) == ["visitor1@example.com", "visitor2@example.com", "visitor3@example.com"]
    for messages in mails.values():
        [message] = messages
        assert message.subject.startswith("Session cancelled by the organiser")
        assert "Power cut" in message.body
        calendar = calendar_of(message)
        assert str(calendar["method"]) == "CANCEL"
        assert str(event_of(calendar)["status"]) == "CANCELLED"
    # Nobody was promoted, and no reminder is left to send.
    assert not Reminder.objects.filter(purpose="reminder", state="pending").exists()
    state = SessionState.objects.get(session=session)
    assert state.cancelled_by == approver
    assert state.cancel_reason == "Power cut"


def test_cancelled_session_refuses_registrations_and_a_second_cancel(
    session, registrants, approver
):
    session_cancel(session_id=session.pk, by=approver, reason="Power cut")

    with pytest.raises(RegistrationError) as error:
        register(session, 9)
    assert error.value.code == "session_cancelled"
    with pytest.raises(SessionError) as again:
        session_cancel(session_id=session.pk, by=approver, reason="Again")
    assert again.value.code == "already_cancelled"
    assert Broadcast.objects.filter(session=session).count() == 1


def test_cancel_needs_a_reason(session, approver):
    with pytest.raises(SessionError) as error:
        session_cancel(session_id=session.pk, by=approver, reason="   ")
    assert error.value.code == "reason_required"
    assert not SessionState.objects.filter(session=session, cancelled_at__isnull=False).exists()


def test_cancelled_session_shows_cancelled_on_the_activity_page(
    client, session, registrants, approver
):
    session_cancel(session_id=session.pk, by=approver, reason="Power cut")
    english = ActivityPage.objects.get(
        translation_key=session.activity.translation_key, locale__language_code="en"
    )

    response = client.get(english.url)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Cancelled by the organiser" in html
    assert reverse("events:register", kwargs={"session_id": session.pk}) not in html
    assert "places left" not in html


def test_cancelled_session_registration_page_takes_no_registrations(
    client, session, registrants, approver
):
    session_cancel(session_id=session.pk, by=approver, reason="Power cut")
    with translation.override("en"):
        url = reverse("events:register", kwargs={"session_id": session.pk})

    response = client.get(url)

    assert response.status_code == 200
    assert "cancelled by the organiser" in response.content.decode()
    assert response.context.get("form") is None


# --- Staff -------------------------------------------------------------------------------------


def admin_url(name: str, *args) -> str:
    return reverse(f"open_day_registrations:{name}", args=args)


def test_approver_cancels_a_session_from_its_registrations_page(
    client, session, registrants, staff_approver, django_capture_on_commit_callbacks
):
    client.force_login(staff_approver)
    page = client.get(admin_url("session", session.pk))
    assert page.status_code == 200
    assert "Cancel this session" in page.content.decode()

    # First submission: the confirmation step, nothing cancelled yet.
    confirm = client.post(admin_url("session_cancel", session.pk), {"reason": "Power cut"})
    assert confirm.status_code == 200
    assert "Yes, cancel the session" in confirm.content.decode()
    assert not SessionState.objects.filter(session=session, cancelled_at__isnull=False).exists()

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            admin_url("session_cancel", session.pk), {"reason": "Power cut", "confirmed": "on"}
        )
    assert done.status_code == 302
    state = SessionState.objects.get(session=session)
    assert state.cancelled_at is not None
    assert state.cancel_reason == "Power cut"

    html = client.get(admin_url("session", session.pk)).content.decode()
    assert "This session has been cancelled." in html
    assert "Notices to registrants" in html
    assert "3 of 3" in html  # registrations planned
    assert "Cancel this session</h2>" not in html


def test_cancel_without_reason_stays_on_the_form(client, session, staff_approver):
    client.force_login(staff_approver)

    response = client.post(
        admin_url("session_cancel", session.pk), {"reason": "", "confirmed": "on"}
    )

    assert response.status_code == 200
    assert not SessionState.objects.filter(session=session, cancelled_at__isnull=False).exists()


def test_editor_may_not_cancel_a_session(client, session, registrants, staff_editor):
    client.force_login(staff_editor)

    page = client.get(admin_url("session", session.pk))
    response = client.post(
        admin_url("session_cancel", session.pk), {"reason": "Power cut", "confirmed": "on"}
    )

    assert page.status_code == 200
    assert "Cancel this session" not in page.content.decode()
    # Wagtail's admin answers a permission refusal with a redirect to its dashboard.
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")
    assert not SessionState.objects.filter(session=session, cancelled_at__isnull=False).exists()


# --- Batches -------------------------------------------------------------------------------------


def test_notice_runs_in_batches(
    settings, activity, approver, django_capture_on_commit_callbacks, mailoutbox, monkeypatch
):
    settings.NOTICE_BATCH_SIZE = 2
    starts = (timezone.now() + datetime.timedelta(days=3)).replace(
        minute=0, second=0, microsecond=0
    )
    session = factories.SessionFactory(activity=activity, starts_at=starts, capacity=10)
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(5):
            register(session, n)
    mailoutbox.clear()
    batches = []
    original = event_tasks.broadcast_plan_batch

    def counting(*, broadcast_id):
        more = original(broadcast_id=broadcast_id)
        batches.append(Broadcast.objects.get(pk=broadcast_id).planned)
        return more

    monkeypatch.setattr(event_tasks, "broadcast_plan_batch", counting)

    with django_capture_on_commit_callbacks(execute=True):
        broadcast = session_cancel(session_id=session.pk, by=approver, reason="Flood")
    deliver(django_capture_on_commit_callbacks)

    assert batches == [2, 4, 5]
    broadcast.refresh_from_db()
    assert broadcast.planned == broadcast.total == 5
    assert broadcast.state == Broadcast.State.DONE
    assert len(mailoutbox) == 5
    assert len({m.to[0] for m in mailoutbox}) == 5
