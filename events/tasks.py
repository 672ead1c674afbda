"""Celery tasks of the open day: thin wrappers that take ids and call a service."""

from __future__ import annotations

from celery import shared_task

from events.services.checkin import registrations_mark_no_show


@shared_task(ignore_result=True)
def registrations_mark_no_show_task() -> int:
    """Mark as no-shows the confirmed registrations of sessions that ended a while ago."""
    return registrations_mark_no_show()
