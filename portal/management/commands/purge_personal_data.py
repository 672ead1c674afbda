"""Anonymise personal data past its retention time from cron: ``manage.py purge_personal_data``."""

from django.core.management.base import BaseCommand

from portal.privacy import personal_data_purge


class Command(BaseCommand):
    help = (
        "Anonymise registrations, consultations and lab visits whose campaign or appointment "
        "ended more than PERSONAL_DATA_RETENTION_DAYS ago, and delete old reminder rows. "
        "Safe to run repeatedly."
    )

    def handle(self, *args, **options):
        counts = personal_data_purge()
        self.stdout.write(
            "Anonymised {registrations} registration(s), {consultations} consultation(s), "
            "{lab_visits} lab visit(s); deleted {reminders} reminder(s).".format(**counts)
        )
