"""Celery tasks of the portal as a whole (personal data retention, heartbeats)."""

from __future__ import annotations

from celery import shared_task

from portal.heartbeat import heartbeat_record, worker_heartbeat_name


@shared_task(ignore_result=True)
def personal_data_purge_task() -> dict[str, int]:
    """Anonymise personal data past its retention time (beat, daily)."""
    from portal.privacy import personal_data_purge

    return personal_data_purge()


@shared_task(ignore_result=True)
def heartbeat_task(*, queue: str) -> None:
    """Sent by beat to each queue every ``HEARTBEAT_SECONDS``: the worker that runs it
    records that ``queue`` is served (``/healthz``)."""
    heartbeat_record(name=worker_heartbeat_name(queue))
