"""Fill the portal with a complete demo site in Chinese and English.

    python manage.py seed_demo              # create or bring up to date (safe to re-run)
    python manage.py seed_demo --if-empty   # do nothing when a home page already exists

Every demo account uses the password printed at the end.
"""

from __future__ import annotations

import contextlib
import io
import logging

from django.core.management import call_command
from django.core.management.base import BaseCommand

from cms.models import HomePage
from demo.builder import seed_demo
from stats.services import stats_refresh

# Loggers that report every page edit and background task at INFO level.
NOISY_LOGGERS = ["wagtail", "django_tasks", "modelsearch"]


@contextlib.contextmanager
def _quiet(enabled: bool):
    loggers = [logging.getLogger(name) for name in NOISY_LOGGERS] if enabled else []
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


class Command(BaseCommand):
    help = "Create or update the demo content, experts and accounts (safe to re-run)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the site already has a home page.",
        )
        parser.add_argument(
            "--skip-index",
            action="store_true",
            help="Do not rebuild the search index afterwards.",
        )

    def handle(self, *args, **options) -> None:
        if options["if_empty"] and HomePage.objects.exists():
            self.stdout.write("A home page exists already; nothing to do (--if-empty).")
            return

        verbose = options["verbosity"] > 1
        with _quiet(not verbose):
            result = seed_demo(stdout=self.stdout if verbose else None)
            if not options["skip_index"]:
                call_command("update_index", stdout=io.StringIO(), stderr=io.StringIO())
            # The statistics dashboard and the public figures show the demo data at once,
            # not only after the first periodic refresh.
            stats_refresh()

        self.stdout.write(self.style.SUCCESS("Demo site is ready."))
        self.stdout.write(
            f"Open-day campaign: {result.campaign_start:%Y-%m-%d} to {result.campaign_end:%Y-%m-%d}"
        )
        self.stdout.write("")
        self.stdout.write("What this run did:")
        tally = result.tally
        width = max((len(k) for k in tally.kinds()), default=10)
        self.stdout.write(f"  {'kind':<{width}}  created  updated  unchanged")
        for kind in tally.kinds():
            self.stdout.write(
                f"  {kind:<{width}}  {tally.created.get(kind, 0):>7}  "
                f"{tally.updated.get(kind, 0):>7}  {tally.unchanged.get(kind, 0):>9}"
            )
        self.stdout.write("")
        self.stdout.write("What the site now holds:")
        width = max(len(k) for k in result.counts)
        for name, count in result.counts.items():
            self.stdout.write(f"  {name:<{width}}  {count:>5}")
        self.stdout.write("")
        self.stdout.write(
            "Demo accounts (for demonstration only; change or delete them in production):"
        )
        rows = [("username", "password", "role", "log in at"), *result.accounts]
        widths = [max(len(str(r[i])) for r in rows) for i in range(4)]
        for row in rows:
            self.stdout.write(
                "  " + "  ".join(f"{v:<{w}}" for v, w in zip(row, widths, strict=True))
            )
        self.stdout.write(
            "  The public user can also sign in with the e-mail address visitor@example.com."
        )
