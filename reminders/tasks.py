"""Celery tasks of reminders: thin wrappers taking ids.

``reminder_send_batch_task`` (what the sweep queues) and ``reminder_send_task`` (one row)
run on the "mail" queue and never retry themselves: retries are planned in the database
(``Reminder.retry_at``) and picked up by the sweep, so a retry survives a broker restart
and can never run twice.
"""

from __future__ import annotations

from celery import shared_task

from reminders.services import (
    broadcast_plan_batch,
    registration_followups_run,
    reminder_send,
    reminders_send_batch,
    reminders_send_due,
)


@shared_task(ignore_result=True)
def reminders_send_due_task() -> int:
    """Beat, every minute: hand due reminders and notices to the mail queue."""
    return reminders_send_due()


@shared_task(ignore_result=True)
def registration_followups_task() -> int:
    """Woken after registrations commit: plan their reminders and ticket e-mails."""
    return registration_followups_run()


@shared_task(bind=True, ignore_result=True)
def reminder_send_task(self, *, reminder_id: int) -> str:
    """Claim and send one reminder (a no-op when another worker has it or it is done)."""
    return reminder_send(reminder_id=reminder_id)


@shared_task(bind=True, ignore_result=True)
def reminder_send_batch_task(self, *, reminder_ids: list[int]) -> dict[str, int]:
    """Claim and send each of the given reminders (skipping those another worker has or
    that are done), over one e-mail and one text-message connection."""
    return reminders_send_batch(reminder_ids=reminder_ids)


@shared_task(bind=True, ignore_result=True)
def broadcast_plan_task(self, *, broadcast_id: int) -> None:
    """Plan one batch of a session notice, then queue the next batch while more remain."""
    if broadcast_plan_batch(broadcast_id=broadcast_id):
        broadcast_plan_task.delay(broadcast_id=broadcast_id)
