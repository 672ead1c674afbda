"""Mark lab-visit no-shows from cron when Celery beat is not running:
``manage.py mark_lab_visit_no_shows``."""

from django.core.management.base import BaseCommand

from labvisits.services import lab_visits_mark_no_show


class Command(BaseCommand):
    help = (
        "Mark as no-shows the approved lab visits nobody checked in when their slot ended "
        "more than LAB_VISIT_NO_SHOW_GRACE_MINUTES ago. Safe to run repeatedly."
    )

    def handle(self, *args, **options) -> None:
        marked = lab_visits_mark_no_show()
        self.stdout.write(f"Marked {marked} lab visit(s) as no-shows.")
