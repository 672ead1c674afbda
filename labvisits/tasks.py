"""Celery tasks of lab visits: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task

from labvisits.services import lab_visits_mark_no_show


@shared_task(ignore_result=True)
def lab_visits_mark_no_show_task() -> int:
    """Mark as no-shows the approved visits nobody checked in (beat: every 15 minutes)."""
    return lab_visits_mark_no_show()
