"""Escalate consultation requests nobody acted on, for cron instead of Celery beat."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from consultations.services.booking import consultations_escalate


class Command(BaseCommand):
    help = "Tell the regulators about consultation requests nobody acted on."

    def handle(self, *args, **options) -> None:
        count = consultations_escalate()
        self.stdout.write(f"Escalated {count} consultation(s).")
