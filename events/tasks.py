"""Celery tasks of the open day: thin wrappers that take ids and call a service."""

from __future__ import annotations

import smtplib

from celery import shared_task

from events.notifications import registration_notify
from events.services.checkin import registrations_mark_no_show


@shared_task(
    bind=True,
    ignore_result=True,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=8,
)
def registration_notify_task(self, *, registration_id: int, kind: str) -> None:
    """E-mail a registrant about their registration (ticket, waiting list, change, ...)."""
    registration_notify(registration_id=registration_id, kind=kind)


@shared_task(ignore_result=True)
def registrations_mark_no_show_task() -> int:
    """Mark as no-shows the confirmed registrations of sessions that ended a while ago."""
    return registrations_mark_no_show()
