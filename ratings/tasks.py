from __future__ import annotations

from celery import shared_task

from ratings.services import rating_asks_send


@shared_task(bind=True, max_retries=3, default_retry_delay=60)
def rating_asks_send_task(self) -> int:
    """Ask once for the rating of every service that ended recently."""
    return rating_asks_send()
