"""Celery tasks of the portal as a whole (personal data retention)."""

from __future__ import annotations

from celery import shared_task


@shared_task(ignore_result=True)
def personal_data_purge_task() -> dict[str, int]:
    """Anonymise personal data past its retention time (beat, daily)."""
    from portal.privacy import personal_data_purge

    return personal_data_purge()
