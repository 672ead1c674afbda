"""Webhook deliveries past the retention time (``portal.privacy``)."""

from __future__ import annotations

import datetime

from portal.privacy import (
    ORDER_WEBHOOKS,
    PersonalData,
    delete_in_batches,
    personal_data_register,
)
from webhooks.models import Delivery


def deliveries_delete_old(*, cutoff: datetime.datetime) -> int:
    """Delete delivered and failed deliveries written before ``cutoff``. Their payloads
    name no one in full (masked names and numbers at most, ``webhooks.payloads``), but they
    are a log of who registered, booked or arrived when; past the retention time nobody
    needs it. Pending rows are left to be sent."""
    return delete_in_batches(
        Delivery.objects.filter(
            state__in=(Delivery.State.DELIVERED, Delivery.State.FAILED), created_at__lt=cutoff
        )
    )


WEBHOOK_DELIVERIES = PersonalData(
    name="webhook_deliveries",
    order=ORDER_WEBHOOKS,
    purge=lambda cutoff: deliveries_delete_old(cutoff=cutoff),
)


def personal_data_handlers_register() -> None:
    """Called from ``AppConfig.ready()``."""
    personal_data_register(WEBHOOK_DELIVERIES)
