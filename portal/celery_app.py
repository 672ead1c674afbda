"""The Celery application. Tasks live in each app's ``tasks.py``."""

import os

from celery import Celery
from celery.signals import beat_init, before_task_publish, setup_logging, worker_init

from portal.logs import log_format

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _ensure_broker_folders(sender: Celery, **kwargs) -> None:
    """The file-system broker needs its folders before the first message is written."""
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        if options.get(key):
            os.makedirs(options[key], exist_ok=True)


@worker_init.connect
@beat_init.connect
def _refuse_development_defaults(**kwargs) -> None:
    """With DEBUG off, a worker or beat does not start on the development cache or broker
    (``portal/checks.py``)."""
    import sys

    from django.core.management.base import SystemCheckError

    from portal.checks import production_defaults_refuse

    try:
        production_defaults_refuse()
    except SystemCheckError as error:
        # Celery logs an exception raised by a signal handler and goes on; this must stop.
        print(error, file=sys.stderr)
        raise SystemExit(1) from None


@beat_init.connect
def _beat_records_its_ticks(**kwargs) -> None:
    """The beat process records ``beat`` at start and when it sends tasks (throttled), for
    ``/healthz``. Connected here, in the beat process only, so tasks that workers or web
    requests send never count as a tick. (``worker --beat`` runs beat in a process of its
    own on Linux, so this holds there too.)"""
    from django.conf import settings

    from portal.heartbeat import BeatTicks

    ticks = BeatTicks(interval=settings.HEARTBEAT_SECONDS / 2)
    ticks()
    before_task_publish.connect(ticks, weak=False)


if log_format() == "json":

    @setup_logging.connect
    def _logging_from_django_settings(**kwargs) -> None:
        """With LOG_FORMAT=json the worker and beat log through Django's ``LOGGING`` (JSON
        lines) instead of Celery's own plain format. Celery configures no logging of its
        own when this signal has a receiver; plain text keeps Celery's format."""
        from logging.config import dictConfig

        from django.conf import settings

        dictConfig(settings.LOGGING)
