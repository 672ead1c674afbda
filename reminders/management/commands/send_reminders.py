"""Send due reminders from cron when Celery beat is not running: ``manage.py send_reminders``."""

from django.core.management.base import BaseCommand

from reminders.services import reminders_send_due


class Command(BaseCommand):
    help = (
        "Hand every due reminder and session notice to the mail queue (and release claims "
        "of workers that died). Safe to run repeatedly and alongside Celery beat."
    )

    def handle(self, *args, **options):
        count = reminders_send_due()
        self.stdout.write(f"Queued {count} reminder(s) for sending.")
