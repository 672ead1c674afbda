"""Exactly once under concurrency: several workers (threads, each with its own database
connection) race to send the same due reminders; each is sent once. Runs on SQLite and,
in CI's second run, on PostgreSQL."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from reminders.models import Reminder
from reminders.services import Outcome, reminder_send, reminders_plan, reminders_send_batch
from tests import factories
from tests.concurrency import run_at_once
from tests.reminders.conftest import make_session

WORKERS = 6


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_each_due_reminder_is_sent_once_by_racing_workers(
    transactional_site_tree, settings, _sms_outbox
):
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    session = make_session(transactional_site_tree)
    for n in range(4):
        registration = factories.RegistrationFactory(session=session, email=f"r{n}@example.com")
        reminders_plan(registration=registration)
    Reminder.objects.update(due_at=timezone.now() - datetime.timedelta(minutes=1))
    ids = list(Reminder.objects.values_list("pk", flat=True))
    assert len(ids) == 16

    def worker() -> list[str]:
        return [reminder_send(reminder_id=reminder_id) for reminder_id in ids]

    results, errors = run_at_once([worker] * WORKERS)
    assert errors == []
    outcomes = [outcome for result in results for outcome in result]
    assert outcomes.count(Outcome.SENT) == len(ids)
    assert outcomes.count(Outcome.BUSY) == len(ids) * (WORKERS - 1)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        f"r{n}@example.com" for n in range(4) for _ in range(2)
    )
    assert len(_sms_outbox) == 8
    assert set(Reminder.objects.values_list("state", flat=True)) == {Reminder.State.SENT}
    assert set(Reminder.objects.values_list("attempts", flat=True)) == {1}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_overlapping_batches_send_each_reminder_once(
    transactional_site_tree, settings, _sms_outbox
):
    """The same rows in several batches at once (a duplicated broker message, two sweeps
    that both handed them over): every row is claimed and sent by exactly one batch."""
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    session = make_session(transactional_site_tree)
    for n in range(4):
        registration = factories.RegistrationFactory(session=session, email=f"o{n}@example.com")
        reminders_plan(registration=registration)
    Reminder.objects.update(due_at=timezone.now() - datetime.timedelta(minutes=1))
    ids = list(Reminder.objects.order_by("pk").values_list("pk", flat=True))

    def worker(n: int):
        # Each batch walks the rows from a different starting point.
        return lambda: reminders_send_batch(reminder_ids=ids[n:] + ids[:n])

    results, errors = run_at_once([worker(n) for n in range(WORKERS)])
    assert errors == []
    assert sum(r.get(Outcome.SENT, 0) for r in results) == len(ids)
    assert sum(r.get(Outcome.BUSY, 0) for r in results) == len(ids) * (WORKERS - 1)
    assert len(mail.outbox) == 8 and len(_sms_outbox) == 8
    assert len({m.extra_headers["Message-ID"] for m in mail.outbox}) == 8
    assert set(Reminder.objects.values_list("state", "attempts")) == {(Reminder.State.SENT, 1)}
