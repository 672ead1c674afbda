"""Delete old report workbooks from cron: ``manage.py purge_reports``."""

from django.core.management.base import BaseCommand

from stats.reports import report_jobs_purge


class Command(BaseCommand):
    help = (
        "Delete report workbooks older than REPORT_RETENTION_DAYS and mark as failed the "
        "jobs still unfinished after REPORT_JOB_TIMEOUT_MINUTES. Safe to run repeatedly."
    )

    def handle(self, *args, **options):
        deleted = report_jobs_purge()
        self.stdout.write(f"Deleted {deleted} old report(s).")
