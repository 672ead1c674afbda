"""Planning, cancelling, moving and sending reminders."""

from __future__ import annotations

import datetime
import io
import logging

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.utils import timezone

from events.models import Registration, SessionState
from reminders.models import Reminder
from reminders.services import (
    Outcome,
    reminder_retry,
    reminder_send,
    reminders_cancel,
    reminders_plan,
    reminders_replan,
    reminders_send_due,
)
from tests import factories
from tests.reminders.conftest import hours_ahead, make_session

R = Reminder
PHONE = "+8613812345678"


class RefusingEmailBackend(BaseEmailBackend):
    """An SMTP server that refuses every message, quoting the recipient as real ones do."""

    def send_messages(self, messages):
        raise ConnectionRefusedError(f"550 mailbox unavailable: {messages[0].to[0]}")


def due_now(queryset) -> None:
    """Move rows' due time into the past (as if the clock had reached it)."""
    queryset.update(due_at=timezone.now() - datetime.timedelta(minutes=1))


def sweep(django_capture_on_commit_callbacks) -> int:
    with django_capture_on_commit_callbacks(execute=True):
        return reminders_send_due()


# --- Planning --------------------------------------------------------------------------------


def test_registration_plans_email_and_sms_per_offset(registration, settings):
    settings.REMINDER_OFFSETS = {**settings.REMINDER_OFFSETS, "registration": (1440, 120)}
    assert reminders_plan(registration=registration) == 4
    starts_at = registration.session.starts_at
    rows = set(
        Reminder.objects.filter(registration=registration).values_list(
            "offset_minutes", "audience", "channel", "due_at", "state"
        )
    )
    assert rows == {
        (
            offset,
            R.Audience.REGISTRANT,
            channel,
            starts_at - datetime.timedelta(minutes=offset),
            R.State.PENDING,
        )
        for offset in (1440, 120)
        for channel in (R.Channel.EMAIL, R.Channel.SMS)
    }
    # Planning again creates nothing.
    assert reminders_plan(registration=registration) == 0
    assert Reminder.objects.count() == 4


def test_registration_without_email_gets_sms_only(session):
    registration = factories.RegistrationFactory(session=session, email="")
    assert reminders_plan(registration=registration) == 2
    assert set(Reminder.objects.values_list("channel", flat=True)) == {R.Channel.SMS}


def test_no_rows_for_offsets_already_past(site_tree):
    session = make_session(site_tree, starts_in_hours=5)
    registration = factories.RegistrationFactory(session=session)
    assert reminders_plan(registration=registration) == 2
    assert set(Reminder.objects.values_list("offset_minutes", flat=True)) == {120}


@pytest.mark.parametrize("status", ["waitlisted", "cancelled"])
def test_no_reminders_without_a_confirmed_place(session, status):
    registration = factories.RegistrationFactory(session=session, status=status)
    assert reminders_plan(registration=registration) == 0
    assert not Reminder.objects.exists()


def test_consultation_reminds_requester_and_expert(consultation):
    assert reminders_plan(consultation=consultation) == 6
    pairs = set(Reminder.objects.values_list("audience", "channel", "offset_minutes"))
    assert pairs == {
        (audience, channel, offset)
        for offset in (1440, 120)
        for audience, channel in (
            (R.Audience.REQUESTER, R.Channel.EMAIL),
            (R.Audience.REQUESTER, R.Channel.SMS),
            (R.Audience.EXPERT, R.Channel.EMAIL),
        )
    }
    assert reminders_plan(consultation=consultation) == 0


def test_requested_consultation_has_no_reminders(consultation):
    consultation.state = "requested"
    consultation.save()
    assert reminders_plan(consultation=consultation) == 0


def test_lab_visit_reminds_the_requester(lab_visit):
    assert reminders_plan(lab_visit=lab_visit) == 4
    assert set(Reminder.objects.values_list("audience", flat=True)) == {R.Audience.REQUESTER}
    for row in Reminder.objects.all():
        assert row.due_at == lab_visit.slot.starts_at - datetime.timedelta(
            minutes=row.offset_minutes
        )


# --- Cancelling and moving ------------------------------------------------------------------


def test_no_reminder_after_cancellation(
    registration, django_capture_on_commit_callbacks, mailoutbox, _sms_outbox
):
    reminders_plan(registration=registration)
    registration.status = Registration.Status.CANCELLED
    registration.save()
    assert reminders_cancel(registration=registration) == 4
    assert set(Reminder.objects.values_list("state", flat=True)) == {R.State.CANCELLED}
    due_now(Reminder.objects.all())
    assert sweep(django_capture_on_commit_callbacks) == 0
    assert mailoutbox == [] and _sms_outbox == []


def test_cancelled_registration_with_a_queued_reminder_is_skipped(
    registration, mailoutbox, _sms_outbox
):
    """The task was already in the broker when the registration was cancelled."""
    reminders_plan(registration=registration)
    due_now(Reminder.objects.all())
    Registration.objects.filter(pk=registration.pk).update(status=Registration.Status.CANCELLED)
    for row in Reminder.objects.all():
        assert reminder_send(reminder_id=row.pk) == Outcome.SKIPPED
    assert set(Reminder.objects.values_list("state", flat=True)) == {R.State.SKIPPED}
    assert mailoutbox == [] and _sms_outbox == []


def test_cancelled_session_sends_no_reminder(registration, mailoutbox):
    reminders_plan(registration=registration)
    due_now(Reminder.objects.all())
    session = registration.session
    SessionState.objects.update_or_create(
        session=session,
        defaults={
            "notified_starts_at": session.starts_at,
            "notified_ends_at": session.ends_at,
            "cancelled_at": timezone.now(),
        },
    )
    row = Reminder.objects.filter(channel=R.Channel.EMAIL).first()
    assert reminder_send(reminder_id=row.pk) == Outcome.SKIPPED
    assert mailoutbox == []


def test_replan_moves_reminders_with_the_session(registration):
    reminders_plan(registration=registration)
    sent = Reminder.objects.get(offset_minutes=1440, channel=R.Channel.EMAIL)
    Reminder.objects.filter(pk=sent.pk).update(state=R.State.SENT, sent_at=timezone.now())
    session = registration.session
    session.starts_at = hours_ahead(96)
    session.ends_at = session.starts_at + datetime.timedelta(hours=2)
    session.save()
    registration.refresh_from_db()
    assert reminders_replan(registration=registration) == 4
    for row in Reminder.objects.all():
        assert row.state == R.State.PENDING
        assert row.starts_at == session.starts_at
        assert row.due_at == session.starts_at - datetime.timedelta(minutes=row.offset_minutes)
    assert Reminder.objects.get(pk=sent.pk).sent_at is None


def test_replan_earlier_skips_reminders_now_past_and_keeps_the_rest(registration):
    reminders_plan(registration=registration)
    session = registration.session
    session.starts_at = hours_ahead(5)
    session.ends_at = session.starts_at + datetime.timedelta(hours=2)
    session.save()
    registration.refresh_from_db()
    reminders_replan(registration=registration)
    states = dict(Reminder.objects.values_list("offset_minutes", "state").distinct())
    assert states == {1440: R.State.SKIPPED, 120: R.State.PENDING}


# --- Sending ----------------------------------------------------------------------------------


def test_sweep_sends_each_due_reminder_once(
    registration, django_capture_on_commit_callbacks, mailoutbox, _sms_outbox
):
    reminders_plan(registration=registration)
    due_now(Reminder.objects.filter(offset_minutes=1440))
    assert sweep(django_capture_on_commit_callbacks) == 2
    (message,) = mailoutbox
    assert message.to == ["reg@example.com"]
    assert message.subject.startswith("Reminder: Lab open day")
    html = message.alternatives[0][0]
    assert '<html lang="en">' in html
    assert message.extra_headers["Message-ID"].startswith("<reminder-")
    (ics,) = [a for a in message.attachments if isinstance(a, tuple) and a[0] == "open-day.ics"]
    content = ics[1].decode() if isinstance(ics[1], bytes) else ics[1]
    assert registration.ticket_code in content
    (text,) = _sms_outbox
    assert text.recipients == [PHONE]
    assert "Lab open day" in text.body and registration.ticket_code in text.body
    assert registration.name not in text.body
    # Another sweep, and the 2-hour reminders that are not due yet: nothing more.
    assert sweep(django_capture_on_commit_callbacks) == 0
    assert len(mailoutbox) == 1 and len(_sms_outbox) == 1
    states = dict(Reminder.objects.values_list("offset_minutes", "state").distinct())
    assert states == {1440: R.State.SENT, 120: R.State.PENDING}
    assert all(r.sent_at for r in Reminder.objects.filter(state=R.State.SENT))


def test_reminder_in_chinese_for_a_chinese_registrant(
    session, django_capture_on_commit_callbacks, mailoutbox
):
    registration = factories.RegistrationFactory(session=session, language="zh-hans")
    reminders_plan(registration=registration)
    due_now(Reminder.objects.all())
    sweep(django_capture_on_commit_callbacks)
    message = mailoutbox[0]
    assert "实验室参观日" in message.subject
    assert '<html lang="zh-Hans">' in message.alternatives[0][0]


def test_send_twice_sends_once(registration, mailoutbox):
    reminders_plan(registration=registration)
    due_now(Reminder.objects.all())
    row = Reminder.objects.filter(channel=R.Channel.EMAIL).first()
    assert reminder_send(reminder_id=row.pk) == Outcome.SENT
    assert reminder_send(reminder_id=row.pk) == Outcome.BUSY
    assert len(mailoutbox) == 1


def test_a_reminder_not_yet_due_is_not_sent_even_if_asked(registration, mailoutbox):
    reminders_plan(registration=registration)
    row = Reminder.objects.filter(channel=R.Channel.EMAIL).first()
    assert reminder_send(reminder_id=row.pk) == Outcome.BUSY
    assert mailoutbox == []


def test_consultation_reminder_in_each_party_language_with_inbox_entry(
    consultation, django_capture_on_commit_callbacks, mailoutbox, _sms_outbox
):
    from inbox.models import Notification
    from inbox.services import user_language_set

    user_language_set(user=consultation.requested_by, language="en")
    reminders_plan(consultation=consultation)
    due_now(Reminder.objects.filter(offset_minutes=120))
    assert sweep(django_capture_on_commit_callbacks) == 3
    by_recipient = {m.to[0]: m for m in mailoutbox}
    assert set(by_recipient) == {consultation.requested_by.email, "expertuser@example.com"}
    requester_mail = by_recipient[consultation.requested_by.email]
    assert consultation.reference in requester_mail.subject
    assert any(a[0] == "consultation.ics" for a in requester_mail.attachments)
    (text,) = _sms_outbox
    assert text.recipients == ["+8613900001111"]
    # One in-site notification per person; none of them e-mailed a second time.
    assert Notification.objects.filter(user=consultation.requested_by).count() == 1
    assert Notification.objects.filter(user__username="expertuser").count() == 1
    assert len(mailoutbox) == 2
    # Each greeted by name (the contact person, the expert), never by their login.
    expert = consultation.expert
    assert requester_mail.body.startswith(f"Hello {consultation.contact_name},")
    assert by_recipient["expertuser@example.com"].body.startswith(f"尊敬的{expert.name}：")
    assert "expertuser" not in by_recipient["expertuser@example.com"].body.split("\n")[0]


def test_lab_visit_reminder(lab_visit, django_capture_on_commit_callbacks, mailoutbox, _sms_outbox):
    reminders_plan(lab_visit=lab_visit)
    due_now(Reminder.objects.filter(offset_minutes=1440))
    sweep(django_capture_on_commit_callbacks)
    (message,) = mailoutbox
    assert message.to == [lab_visit.requested_by.email]
    assert lab_visit.ticket_code in message.body
    assert any(a[0] == "lab-visit.ics" for a in message.attachments)
    assert _sms_outbox[0].recipients == ["+8613700002222"]
    # Greeted as the contact person the enterprise named (王经理), not by the login.
    assert message.body.startswith(f"尊敬的{lab_visit.contact_name}：")
    assert lab_visit.requested_by.username not in message.body


def test_send_reminders_command(registration, mailoutbox, django_capture_on_commit_callbacks):
    reminders_plan(registration=registration)
    due_now(Reminder.objects.filter(offset_minutes=1440))
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders", stdout=out)
    assert "Queued 2 reminder(s)" in out.getvalue()
    # Celery runs eagerly in tests: the queued tasks sent the reminders.
    assert len(mailoutbox) == 1


# --- Failures -------------------------------------------------------------------------------


def test_failure_is_retried_with_backoff_then_failed(registration, settings, caplog):
    settings.EMAIL_DELIVERY_BACKEND = "tests.reminders.test_services.RefusingEmailBackend"
    settings.REMINDER_MAX_ATTEMPTS = 3
    settings.REMINDER_RETRY_BACKOFF = 60
    reminders_plan(registration=registration)
    row = Reminder.objects.get(offset_minutes=1440, channel=R.Channel.EMAIL)
    due_now(Reminder.objects.filter(pk=row.pk))
    caplog.set_level(logging.DEBUG)

    before = timezone.now()
    assert reminder_send(reminder_id=row.pk) == Outcome.RETRY
    row.refresh_from_db()
    assert row.state == R.State.PENDING and row.attempts == 1
    assert before + datetime.timedelta(seconds=59) <= row.retry_at
    assert row.retry_at <= timezone.now() + datetime.timedelta(seconds=61)
    assert row.last_error.startswith("ConnectionRefusedError: 550 mailbox unavailable")
    assert "reg@example.com" not in row.last_error
    # Not before retry_at: the sweep leaves it alone.
    assert reminders_send_due() == 0
    row.refresh_from_db()
    assert row.queued_at is None

    Reminder.objects.filter(pk=row.pk).update(retry_at=timezone.now())
    assert reminder_send(reminder_id=row.pk) == Outcome.RETRY
    row.refresh_from_db()
    # Second failure: twice the delay.
    assert row.retry_at >= timezone.now() + datetime.timedelta(seconds=115)

    Reminder.objects.filter(pk=row.pk).update(retry_at=timezone.now())
    assert reminder_send(reminder_id=row.pk) == Outcome.FAILED
    row.refresh_from_db()
    assert row.state == R.State.FAILED and row.attempts == 3
    assert "reg@example.com" not in caplog.text
    assert PHONE not in caplog.text

    # Staff retry it once the mail server works again.
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    staff = factories.UserFactory()
    row = reminder_retry(reminder_id=row.pk, by=staff)
    assert row.state == R.State.PENDING and row.attempts == 0
    assert reminder_send(reminder_id=row.pk) == Outcome.SENT


def test_stale_claim_is_released_and_sent_by_the_next_sweep(
    registration, settings, django_capture_on_commit_callbacks, mailoutbox
):
    reminders_plan(registration=registration)
    due_now(Reminder.objects.filter(offset_minutes=1440))
    row = Reminder.objects.get(offset_minutes=1440, channel=R.Channel.EMAIL)
    # A worker claimed it and died.
    long_ago = timezone.now() - datetime.timedelta(seconds=settings.REMINDER_CLAIM_TIMEOUT + 5)
    Reminder.objects.filter(pk=row.pk).update(
        state=R.State.SENDING, claimed_at=long_ago, attempts=1, queued_at=long_ago
    )
    recent = Reminder.objects.get(offset_minutes=1440, channel=R.Channel.SMS)
    Reminder.objects.filter(pk=recent.pk).update(
        state=R.State.SENDING, claimed_at=timezone.now(), attempts=1
    )
    assert sweep(django_capture_on_commit_callbacks) == 1
    row.refresh_from_db()
    assert row.state == R.State.SENT and row.attempts == 2
    assert len(mailoutbox) == 1
    # A claim younger than the timeout belongs to a live worker: left alone.
    assert Reminder.objects.get(pk=recent.pk).state == R.State.SENDING


def test_phone_never_logged_nor_in_masked_backend_output(
    registration, settings, tmp_path, caplog, capsys
):
    from sms import Message

    caplog.set_level(logging.DEBUG)
    reminders_plan(registration=registration)
    due_now(Reminder.objects.filter(channel=R.Channel.SMS))
    row = Reminder.objects.filter(channel=R.Channel.SMS).first()
    settings.SMS_BACKEND = "reminders.sms.MaskedFileBackend"
    settings.SMS_FILE_PATH = str(tmp_path)
    assert reminder_send(reminder_id=row.pk) == Outcome.SENT
    (written,) = tmp_path.iterdir()
    content = written.read_text()
    assert "to: +86138****5678" in content
    assert PHONE not in content
    settings.SMS_BACKEND = "reminders.sms.MaskedConsoleBackend"
    Message("hello", recipients=[PHONE]).send()
    printed = capsys.readouterr().out
    assert "+86138****5678" in printed and PHONE not in printed
    assert PHONE not in caplog.text
