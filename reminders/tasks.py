"""Celery tasks of reminders: thin wrappers taking ids.

``reminder_send_batch_task`` (what the sweep queues) and ``reminder_send_task`` (one row)
run on the "mail" queue and never retry themselves: retries are planned in the database
(``Reminder.retry_at``) and picked up by the sweep, so a retry survives a broker restart
and can never run twice.
"""

from __future__ import annotations

from celery import shared_task

from reminders.services import reminder_send, reminders_send_batch, reminders_send_due


@shared_task(ignore_result=True)
def reminders_send_due_task() -> int:
    """Beat, every minute: hand due reminders and notices to the mail queue."""
    return reminders_send_due()


@shared_task(bind=True, ignore_result=True)
def reminder_send_task(self, *, reminder_id: int) -> str:
    """Claim and send one reminder (a no-op when another worker has it or it is done)."""
    return reminder_send(reminder_id=reminder_id)


@shared_task(bind=True, ignore_result=True)
def reminder_send_batch_task(self, *, reminder_ids: list[int]) -> dict[str, int]:
    """Claim and send each of the given reminders (skipping those another worker has or
    that are done), over one e-mail and one text-message connection."""
    return reminders_send_batch(reminder_ids=reminder_ids)
