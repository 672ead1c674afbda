"""Session notices: every registrant of a cancelled or moved session is told, in batches."""

from __future__ import annotations

import datetime

from django.core import mail

from events.models import Registration
from events.services.session import broadcast_start, session_cancel
from reminders.models import Broadcast, Reminder
from reminders.services import reminders_plan
from tests import factories


def test_cancelled_session_notifies_every_registrant_in_batches(
    session, settings, django_capture_on_commit_callbacks, _sms_outbox
):
    settings.NOTICE_BATCH_SIZE = 2
    staff = factories.UserFactory()
    confirmed = [factories.RegistrationFactory(session=session, language="en") for _ in range(3)]
    waiting = factories.RegistrationFactory(session=session, status="waitlisted")
    gone = factories.RegistrationFactory(session=session, status="cancelled")
    for registration in confirmed:
        reminders_plan(registration=registration)
    with django_capture_on_commit_callbacks(execute=True):
        session_cancel(session_id=session.pk, by=staff, reason="Lab under maintenance")
    broadcast = Broadcast.objects.get(session=session)
    assert broadcast.kind == Broadcast.Kind.CANCELLED
    assert (broadcast.total, broadcast.planned, broadcast.state) == (4, 4, Broadcast.State.DONE)
    assert broadcast.created_by == staff and broadcast.finished_at is not None
    notified = {r.email for r in [*confirmed, waiting]}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(notified)
    assert gone.email not in {m.to[0] for m in mail.outbox}
    assert all(m.extra_headers["Message-ID"].startswith("<reminder-") for m in mail.outbox)
    assert len(_sms_outbox) == 4
    assert all(
        "cancelled" in text.body
        for text in _sms_outbox
        if text.recipients[0] in {r.phone for r in confirmed}
    )
    # The registrations are cancelled and their reminders will never go out.
    assert set(
        Registration.objects.filter(pk__in=[r.pk for r in confirmed]).values_list(
            "status", flat=True
        )
    ) == {"cancelled"}
    assert not Reminder.objects.filter(
        purpose=Reminder.Purpose.REMINDER, state=Reminder.State.PENDING
    ).exists()
    assert set(Reminder.objects.filter(broadcast=broadcast).values_list("state", flat=True)) == {
        Reminder.State.SENT
    }


def test_changed_session_notice_moves_reminders(
    session, django_capture_on_commit_callbacks, _sms_outbox
):
    registration = factories.RegistrationFactory(session=session, language="en")
    reminders_plan(registration=registration)
    session.starts_at += datetime.timedelta(days=1)
    session.ends_at += datetime.timedelta(days=1)
    session.save()
    with django_capture_on_commit_callbacks(execute=True):
        broadcast_start(session=session, kind="changed")
    (message,) = mail.outbox
    assert message.to == [registration.email]
    (text,) = _sms_outbox
    assert "has changed" in text.body
    for row in Reminder.objects.filter(purpose=Reminder.Purpose.REMINDER):
        assert row.state == Reminder.State.PENDING
        assert row.due_at == session.starts_at - datetime.timedelta(minutes=row.offset_minutes)
    assert Broadcast.objects.get().state == Broadcast.State.DONE


def test_a_notice_the_broker_refused_is_planned_and_sent_by_the_sweep(
    session, settings, django_capture_on_commit_callbacks, caplog
):
    from unittest import mock

    from django.utils import timezone
    from kombu.exceptions import OperationalError

    from reminders.services import reminders_send_due

    settings.NOTICE_BATCH_SIZE = 2
    registrations = [factories.RegistrationFactory(session=session) for _ in range(3)]
    refused = mock.patch(
        "events.tasks.broadcast_plan_task.delay", side_effect=OperationalError("refused")
    )
    with refused, django_capture_on_commit_callbacks(execute=True):
        session_cancel(session_id=session.pk, by=factories.UserFactory(), reason="Maintenance")
    # The cancellation is committed; its notice waits, unplanned.
    broadcast = Broadcast.objects.get(session=session)
    assert (broadcast.state, broadcast.planned) == (Broadcast.State.PLANNING, 0)
    assert "The broker did not take events.tasks.broadcast_plan_task" in caplog.text
    assert mail.outbox == []

    # A sweep right away leaves it to a planning task that may still run...
    with django_capture_on_commit_callbacks(execute=True):
        reminders_send_due()
    assert Broadcast.objects.get(pk=broadcast.pk).planned == 0
    # ...one after a while plans it and sends every notice, once.
    later = timezone.now() + datetime.timedelta(minutes=3)
    with django_capture_on_commit_callbacks(execute=True):
        reminders_send_due(now=later)
    with django_capture_on_commit_callbacks(execute=True):
        reminders_send_due(now=later)
    broadcast.refresh_from_db()
    assert (broadcast.planned, broadcast.state) == (3, Broadcast.State.DONE)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r.email for r in registrations)
