"""Work a web worker does once when it starts, before it takes its first visitor.

Django and Celery do much of their set-up lazily, on the first request that needs it: the
URL configuration and every view module, each template's compilation, the translation
catalogues, the e-mail validator's large regular expressions, Celery's configuration and
its broker transport, the database and cache connections. In the opening minute of a
popular session every freshly started worker would pay for all of that while hundreds of
people wait. gunicorn calls ``warm_up`` from its ``post_worker_init`` hook
(``portal/gunicorn_production.py``, ``portal/gunicorn_run.py``).

Nothing here may stop a worker from starting: a database or broker that is down only
leaves that part cold, and the first request pays for it as before.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

from django.apps import apps
from django.conf import settings

logger = logging.getLogger(__name__)


def _urls() -> None:
    from django.urls import get_resolver

    # Resolving every pattern imports every view module.
    get_resolver().url_patterns  # noqa: B018


def _templates() -> int:
    """Compiles the templates of the portal's own apps into the cached loader; returns how
    many. Wagtail's admin templates are left to the admin's first use."""
    from django.template import TemplateSyntaxError, engines

    engine = engines["django"]
    base = Path(settings.BASE_DIR).resolve()
    installed = Path(sys.prefix).resolve()  # the virtual environment may sit inside BASE_DIR
    folders = [Path(folder).resolve() for folder in engine.engine.dirs]
    folders += [Path(config.path).resolve() / "templates" for config in apps.get_app_configs()]
    count = 0
    for folder in folders:
        if not folder.is_relative_to(base) or folder.is_relative_to(installed):
            continue
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.suffix not in {".html", ".txt", ".ics", ".xml"}:
                continue
            try:
                engine.get_template(path.relative_to(folder).as_posix())
            except TemplateSyntaxError:
                continue  # it fails on the page that uses it, as it would without warm-up
            count += 1
    return count


def _translations() -> None:
    from django.utils import translation

    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Home")


def _validators() -> None:
    from django.core.validators import EmailValidator, URLValidator

    EmailValidator()("warm-up@example.com")
    URLValidator()("https://example.com/")


def _celery() -> None:
    from portal.celery_app import app

    app.loader.import_default_modules()
    app.finalize(auto=True)
    # The transport class is imported now; the connection itself opens on first use.
    with app.connection_for_write() as connection:
        connection.transport  # noqa: B018


def _connections() -> None:
    from django.core.cache import cache
    from django.db import connection

    connection.ensure_connection()
    cache.get("portal:warm-up")


STEPS = (
    ("urls", _urls),
    ("templates", _templates),
    ("translations", _translations),
    ("validators", _validators),
    ("celery", _celery),
    ("connections", _connections),
)


def warm_up() -> dict[str, str]:
    """Runs every step; returns each step's outcome ("ok", a count, or the error's class
    name), which is also logged. A failing step never raises."""
    outcome: dict[str, str] = {}
    started = time.perf_counter()
    for name, step in STEPS:
        try:
            result = step()
        except Exception as error:  # noqa: BLE001 - a cold part is not a reason to stop
            outcome[name] = type(error).__name__
            logger.warning("warm-up step %s failed: %s", name, type(error).__name__)
        else:
            outcome[name] = "ok" if result is None else str(result)
    logger.info(
        "worker warmed up in %.0f ms: %s",
        1000 * (time.perf_counter() - started),
        ", ".join(f"{k}={v}" for k, v in outcome.items()),
    )
    return outcome
