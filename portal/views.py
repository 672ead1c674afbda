"""Operational endpoints."""

import logging

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

from portal.celery_app import app as celery_app

logger = logging.getLogger(__name__)


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down"
        logger.warning("health check: database unreachable: %s", type(exc).__name__)
        return "down"
    return "up"


def broker_status() -> str:
    conf = celery_app.conf
    try:
        # A new connection each time: a pooled one could hide a broker that went away.
        with Connection(
            conf.broker_url,
            transport_options=conf.broker_transport_options or {},
            connect_timeout=2,
        ) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
    except Exception as exc:  # kombu raises a variety of transport errors
        logger.warning("health check: broker unreachable: %s", type(exc).__name__)
        return "down"
    return "up"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 with the state of the database and the broker, 503 if either is down."""
    checks = {"database": database_status(), "broker": broker_status()}
    healthy = all(state == "up" for state in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503
    )
