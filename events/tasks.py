"""Celery tasks of the open day: thin wrappers that take ids and call a service."""

from __future__ import annotations

from celery import shared_task

from events.services.checkin import registrations_mark_no_show
from events.services.notices import registration_followups_run
from events.services.session import broadcast_plan_batch


@shared_task(ignore_result=True)
def registrations_mark_no_show_task() -> int:
    """Mark as no-shows the confirmed registrations of sessions that ended a while ago."""
    return registrations_mark_no_show()


@shared_task(ignore_result=True)
def registration_followups_task() -> int:
    """Woken after registrations commit: plan their reminders and ticket e-mails."""
    return registration_followups_run()


@shared_task(bind=True, ignore_result=True)
def broadcast_plan_task(self, *, broadcast_id: int) -> None:
    """Plan one batch of a session notice, then queue the next batch while more remain."""
    if broadcast_plan_batch(broadcast_id=broadcast_id):
        broadcast_plan_task.delay(broadcast_id=broadcast_id)
