"""Send due webhook deliveries from cron when Celery beat is not running:
``manage.py send_webhooks``."""

from django.core.management.base import BaseCommand

from webhooks.services import deliveries_send_due


class Command(BaseCommand):
    help = (
        "Hand every due webhook delivery to the worker queue (and release claims of workers "
        "that died). Safe to run repeatedly and alongside Celery beat."
    )

    def handle(self, *args, **options):
        count = deliveries_send_due()
        self.stdout.write(f"Queued {count} webhook deliveries for sending.")
