"""Ask experts to complete past consultations, for cron instead of Celery beat:
``manage.py request_consultation_completion``."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from consultations.services.booking import consultations_request_completion


class Command(BaseCommand):
    help = (
        "Ask the expert of each confirmed consultation whose time has passed to complete it "
        "or record a no-show. Each consultation is asked once; safe to run repeatedly."
    )

    def handle(self, *args, **options) -> None:
        count = consultations_request_completion()
        self.stdout.write(f"Asked for completion of {count} consultation(s).")
