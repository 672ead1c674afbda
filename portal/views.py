"""Operational endpoints and the server-error page."""

import logging
import sys

from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.utils.translation import get_language
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

from portal.celery_app import app as celery_app
from portal.heartbeat import background_healthy, background_status_read

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
    """Whether this web node can serve: 503 only if the database is down.

    The broker, beat and the workers are reported (the broker ``up`` or ``down``; beat and
    each queue's worker by the age of their last heartbeat, ``ok``, ``stale`` or
    ``unknown``) but do not make it 503: every outgoing message is a database row first, so
    the site serves without them and catches up once they are back, and a load balancer
    must not take every web node out because the broker or a worker elsewhere stopped.
    Then ``status`` says ``degraded``, still with 200. ``?strict=1`` (for monitoring)
    answers 503 for that too."""
    checks = {"database": database_status(), "broker": broker_status()}
    background = background_status_read(database_up=checks["database"] == "up")
    serving = checks["database"] == "up"
    complete = serving and checks["broker"] == "up" and background_healthy(background)
    status = "ok" if complete else ("degraded" if serving else "unavailable")
    strict = request.GET.get("strict", "") not in ("", "0")
    healthy = complete if strict else serving
    return JsonResponse({"status": status, **checks, **background}, status=200 if healthy else 503)


# Seconds a client is asked to wait (Retry-After) when the database cannot be reached.
DATABASE_RETRY_AFTER = 30
# The 503 page says everything twice, in the visitor's language first.
PAGE_LANGUAGES = {"zh-hans": "zh-Hans", "en": "en"}


def _database_unavailable(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or an error it was raised from) says the database cannot be used
    right now: a refused or dropped connection, a server shutting down, a lock timeout."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OperationalError | InterfaceError):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def service_unavailable(request: HttpRequest) -> HttpResponse:
    """The "try again shortly" page, 503 with Retry-After.

    Rendered without a request context: context processors, the signed-in user, the
    session and the Wagtail settings all need the database that is missing."""
    current = (get_language() or "zh-hans").lower()
    codes = sorted(PAGE_LANGUAGES, key=lambda code: code != current)
    content = loader.get_template("503.html").render(
        {
            "languages": [(code, PAGE_LANGUAGES[code]) for code in codes],
            "page_lang": PAGE_LANGUAGES[codes[0]],
        }
    )
    response = HttpResponse(content, status=503)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER)
    # A proxy or browser must not keep serving the outage page once the database is back.
    add_never_cache_headers(response)
    return response


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    """``handler500``: 503 when the database is unreachable (the visitor can simply try
    again), Django's 500 page otherwise. Django calls it while the exception is being
    handled, so ``sys.exc_info()`` holds it."""
    if _database_unavailable(sys.exc_info()[1]):
        return service_unavailable(request)
    return defaults.server_error(request, template_name=template_name)
