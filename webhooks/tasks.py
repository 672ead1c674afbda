"""Celery tasks of webhooks: thin wrappers taking ids.

``deliveries_send_task`` runs on the "mail" queue (every outgoing message) and never
retries itself: retries are planned in the database (``Delivery.next_attempt_at``) and
picked up by the sweep, so a retry survives a broker restart and can never run twice.
"""

from __future__ import annotations

from celery import shared_task

from webhooks.services import deliveries_send, deliveries_send_due


@shared_task(ignore_result=True)
def deliveries_send_due_task() -> int:
    """Beat, every minute: hand due webhook deliveries to the worker queue."""
    return deliveries_send_due()


@shared_task(bind=True, ignore_result=True)
def deliveries_send_task(self, *, delivery_ids: list[int]) -> dict[str, int]:
    """Claim and send each of the given deliveries (skipping those another worker has or
    that are done)."""
    return deliveries_send(delivery_ids=delivery_ids)
