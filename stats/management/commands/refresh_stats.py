"""Rebuild the statistics summary tables from cron: ``manage.py refresh_stats``."""

from django.core.management.base import BaseCommand

from stats.services import stats_refresh


class Command(BaseCommand):
    help = (
        "Rebuild the statistics summary tables (sessions, consultations, lab visits) from "
        "the registrations and bookings. Safe to run repeatedly."
    )

    def handle(self, *args, **options):
        refresh = stats_refresh()
        self.stdout.write(f"Rebuilt {refresh.rows} summary row(s) in {refresh.duration_ms} ms.")
