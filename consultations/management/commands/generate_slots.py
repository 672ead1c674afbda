"""Generate expert slots from cron when Celery beat is not running: ``manage.py generate_slots``."""

from django.core.management.base import BaseCommand

from consultations.services.availability import slots_generate_all


class Command(BaseCommand):
    help = (
        "Create the bookable slots of every active expert from their availability up to "
        "the slot horizon, and remove free slots no rule gives any more. Safe to run repeatedly."
    )

    def handle(self, *args, **options):
        created = slots_generate_all()
        self.stdout.write(f"Created {created} slot(s).")
