"""System checks that keep the embedded defaults out of production.

The embedded defaults (SQLite, a per-process memory cache, the file-system broker) make
``make run`` work on a bare machine, and are wrong on a production server: with several
gunicorn workers or machines, each process would count rate limits, sign-in attempts and
page-cache purges on its own, and a worker on another machine would never see a message.
A production start on them must not go unnoticed, so:

- ``manage.py check --deploy`` reports them (errors for the cache and the broker,
  warnings for SQLite, files on the local disk and e-mail written to files);
- with ``DEBUG`` off, the web server (``portal/wsgi.py``) and the Celery worker refuse to
  start on them (``production_defaults_refuse``).

A deliberate single-machine start with ``DEBUG`` off (a demonstration, the embedded
scenario of the benchmark) names the checks it accepts in ``SILENCED_SYSTEM_CHECKS``
(``portal.E001,portal.E002,portal.W001,portal.W002,portal.W003``), as Django allows.
"""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.core.management.base import SystemCheckError

TAG = "production"


def _cache_is_per_process() -> bool:
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    return backend.endswith(("locmem.LocMemCache", "dummy.DummyCache"))


def _broker_is_file_system() -> bool:
    return str(settings.CELERY_BROKER_URL).startswith(("filesystem:", "memory:"))


def _database_is_sqlite() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")


@checks.register(TAG, deploy=True)
def production_defaults(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    messages: list[checks.CheckMessage] = []
    if _cache_is_per_process():
        messages.append(
            checks.Error(
                "The cache is per-process memory: every gunicorn worker and machine would "
                "count rate limits and sign-in attempts and purge cached pages on its own.",
                hint="Set CACHE_URL to Redis, e.g. redis://127.0.0.1:6379/1.",
                id="portal.E001",
            )
        )
    if _broker_is_file_system():
        messages.append(
            checks.Error(
                "The Celery broker is the file-system (or memory) transport: a worker on "
                "another machine, or in a container, never sees its messages.",
                hint="Set CELERY_BROKER_URL to Redis, e.g. redis://127.0.0.1:6379/0.",
                id="portal.E002",
            )
        )
    if _database_is_sqlite():
        messages.append(
            checks.Warning(
                "The database is SQLite: one writer at a time, on one machine's disk.",
                hint="Set DATABASE_URL to PostgreSQL, e.g. postgres://portal@db/portal.",
                id="portal.W001",
            )
        )
    if _files_on_local_disk():
        messages.append(
            checks.Warning(
                "Media, booking attachments and report workbooks are kept on this machine's "
                "disk: a second web node, or a reports worker on another host, does not see "
                "them.",
                hint="Set AWS_STORAGE_BUCKET_NAME and AWS_S3_ENDPOINT_URL (object storage), "
                "or mount one shared folder at MEDIA_ROOT and PRIVATE_ROOT on every node.",
                id="portal.W002",
            )
        )
    if _mail_not_delivered():
        messages.append(
            checks.Warning(
                "E-mails are written to files or the console, not delivered "
                f"(EMAIL_DELIVERY_BACKEND={settings.EMAIL_DELIVERY_BACKEND}).",
                hint="Set EMAIL_DELIVERY_BACKEND=django.core.mail.backends.smtp.EmailBackend "
                "and the EMAIL_HOST settings.",
                id="portal.W003",
            )
        )
    return messages


def _files_on_local_disk() -> bool:
    return any(
        settings.STORAGES.get(name, {}).get("BACKEND", "").endswith("FileSystemStorage")
        for name in ("default", "private")
    )


def _mail_not_delivered() -> bool:
    return settings.EMAIL_DELIVERY_BACKEND.rsplit(".", 2)[-2] in (
        "filebased",
        "console",
        "locmem",
        "dummy",
    )


def production_defaults_refuse() -> None:
    """With ``DEBUG`` off, raise ``SystemCheckError`` (the process does not start) when an
    error of ``production_defaults`` is not silenced; warnings are printed by ``check
    --deploy`` only. Called where a web or worker process starts."""
    if settings.DEBUG:
        return
    silenced = set(settings.SILENCED_SYSTEM_CHECKS)
    errors = [
        message
        for message in production_defaults()
        if message.is_serious() and message.id not in silenced
    ]
    if errors:
        lines = "\n".join(f"{message.id}: {message.msg} {message.hint}" for message in errors)
        raise SystemCheckError(
            "The portal does not start with DEBUG off on its development defaults:\n"
            f"{lines}\nSee the README, 'Production deployment'."
        )
