"""Handing work to Celery without letting a broker outage break the request.

The database is the source of truth: a task message only says "look at this now". When the
broker cannot take one (down, restarting, refusing), the caller's change is already
committed; the message is logged as not sent, by task name only, and whatever the task
would have done is picked up later from the rows (the sweeps) or shown to the person who
asked (``on_refused``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction
from kombu.exceptions import OperationalError as KombuOperationalError

logger = logging.getLogger(__name__)

# What the broker client raises when it cannot take a message.
BROKER_ERRORS = (KombuOperationalError, OSError)


def task_queue(task, /, **kwargs) -> bool:
    """Send ``task`` with ``kwargs``; False, with a warning, when the broker refused it."""
    try:
        task.delay(**kwargs)
    except BROKER_ERRORS:
        logger.warning("The broker did not take %s; it is picked up later", task.name)
        return False
    return True


def task_queue_on_commit(
    task, /, *, on_refused: Callable[[], None] | None = None, **kwargs
) -> None:
    """``task_queue`` once the current transaction commits (at once outside one); calls
    ``on_refused`` when the broker refused the message."""

    def send() -> None:
        if not task_queue(task, **kwargs) and on_refused is not None:
            on_refused()

    transaction.on_commit(send)
