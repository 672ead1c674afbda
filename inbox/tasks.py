"""Celery tasks of the notification inbox: thin wrappers that take ids."""

from __future__ import annotations

import smtplib

from celery import shared_task

from inbox.services import notification_email


@shared_task(
    bind=True,
    ignore_result=True,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=8,
)
def notification_email_task(self, *, notification_id: int) -> None:
    notification_email(notification_id=notification_id)
