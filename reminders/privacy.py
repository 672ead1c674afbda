"""Reminder rows past the retention time (``portal.privacy``)."""

from __future__ import annotations

import datetime

from portal.privacy import (
    ORDER_REMINDERS,
    PersonalData,
    delete_in_batches,
    personal_data_register,
)
from reminders.models import Reminder

# Reminder rows nobody will act on again; pending or sending rows are left alone.
REMINDER_FINAL_STATES = (
    Reminder.State.SENT,
    Reminder.State.FAILED,
    Reminder.State.CANCELLED,
    Reminder.State.SKIPPED,
)


def reminders_delete_old(*, cutoff: datetime.datetime) -> int:
    """Delete finished reminder rows due before ``cutoff``. They hold no personal data
    (the address is read from the target when sending) but they are a log of who was
    written to about what; past the retention time nobody needs it."""
    return delete_in_batches(
        Reminder.objects.filter(state__in=REMINDER_FINAL_STATES, due_at__lt=cutoff)
    )


REMINDERS = PersonalData(
    name="reminders",
    order=ORDER_REMINDERS,
    purge=lambda cutoff: reminders_delete_old(cutoff=cutoff),
)


def personal_data_handlers_register() -> None:
    """Called from ``AppConfig.ready()``."""
    personal_data_register(REMINDERS)
