"""Mark no-shows from cron when Celery beat is not running: ``manage.py mark_no_shows``."""

from django.core.management.base import BaseCommand

from events.services.checkin import registrations_mark_no_show


class Command(BaseCommand):
    help = (
        "Mark as no-shows the registrations still confirmed when their session ended more "
        "than the grace period ago. Safe to run repeatedly."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--grace-minutes",
            type=int,
            default=30,
            help="Minutes after a session's end before its absentees count as no-shows.",
        )

    def handle(self, *args, grace_minutes: int, **options):
        marked = registrations_mark_no_show(grace_minutes=grace_minutes)
        self.stdout.write(f"Marked {marked} registration(s) as no-shows.")
