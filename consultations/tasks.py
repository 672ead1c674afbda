"""Celery tasks of consultations: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task

from consultations.services.booking import (
    consultations_escalate,
    consultations_request_completion,
)


@shared_task(bind=True, max_retries=3, default_retry_delay=300)
def consultations_escalate_task(self) -> int:
    """Escalate requests nobody acted on (beat: hourly)."""
    return consultations_escalate()


@shared_task(ignore_result=True)
def consultations_request_completion_task() -> int:
    """Ask experts to complete consultations whose time has passed (beat: hourly)."""
    return consultations_request_completion()


@shared_task(ignore_result=True)
def slots_generate_all_task() -> int:
    """Generate every active expert's slots up to the horizon (beat: daily)."""
    from consultations.services.availability import slots_generate_all

    return slots_generate_all()
