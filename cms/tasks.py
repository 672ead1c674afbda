from celery import shared_task
from django.core.management import call_command


@shared_task(ignore_result=True)
def publish_scheduled_task() -> None:
    """Wagtail's scheduled publishing: publish/unpublish what has reached its time."""
    call_command("publish_scheduled")
