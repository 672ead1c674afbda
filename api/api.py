"""The REST API under ``/api/v1/`` (django-ninja), public and read-only except the staff
routes, with its OpenAPI document (``openapi.json``) and interactive page (``docs``).

The language of the content is chosen by ``?lang=``, else ``Accept-Language``
(``portal.language``, which also adds ``Vary: Accept-Language``). Every answer goes through
``PortalApi.create_response``: a public 200 may be kept by clients and proxies for
``API_CACHE_SECONDS``; anything else is not stored. Public answers carry no per-user
content: the API reads no session and no cookie, so a shared cache may keep them.
Requests are counted per client address (``API_RATE_IP``) with the portal's rate-limit
counters; over the limit the answer is 429.

The staff routes (``/api/v1/staff/``, ``api.staff``) need a staff API token
(``Authorization: Bearer``, ``api.auth``); their answers are ``private, no-store``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from ninja import NinjaAPI
from ninja.errors import Throttled
from ninja.openapi.docs import Swagger
from ninja.throttling import BaseThrottle

from api.errors import error_handlers_install, throttled_response
from portal.ratelimit import client_ip, parse_rate, rate_limit_hit


class ClientAddressThrottle(BaseThrottle):
    """``API_RATE_IP`` requests per client address and window (``portal.ratelimit``)."""

    def allow_request(self, request: HttpRequest) -> bool:
        return not rate_limit_hit(scope="api-ip", key=client_ip(request), rate=settings.API_RATE_IP)

    def wait(self) -> float | None:
        return float(parse_rate(settings.API_RATE_IP)[1])


def _docs_limited(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The OpenAPI document and the interactive page count against ``API_RATE_IP`` like
    the operations (ninja runs no throttle for them)."""

    @wraps(view)
    def limited(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if ClientAddressThrottle().allow_request(request):
            return view(request, *args, **kwargs)
        return throttled_response(request, Throttled(wait=ClientAddressThrottle().wait()), api=api)

    return limited


class PortalApi(NinjaAPI):
    def create_response(
        self,
        request: HttpRequest,
        data: Any,
        *,
        status: int | None = None,
        temporal_response: HttpResponse | None = None,
    ) -> HttpResponse:
        response = super().create_response(
            request, data, status=status, temporal_response=temporal_response
        )
        if getattr(request, "auth", None) is not None:
            # A staff route's answer, for its caller only: no cache may keep it.
            patch_cache_control(response, private=True, no_store=True)
        elif response.status_code == 200:
            patch_cache_control(response, public=True, max_age=settings.API_CACHE_SECONDS)
        else:
            patch_cache_control(response, no_store=True)
        return response


api = PortalApi(
    title="Testing & Inspection Public Service Portal API",
    version="1",
    description=(
        "Public, read-only data of the open day and the expert services: campaigns, "
        "activities and their sessions, institutions and labs, the expert roster and the "
        "open day in numbers. Staff routes (tag `staff`) need a personal API token created "
        "in the admin (`Authorization: Bearer ptk_...`), limited to its scopes and its "
        "user's current permissions; their answers are never cached. Lists are paginated "
        "with cursors (follow `next`); choose the language with `?lang=zh-hans|en` or "
        "`Accept-Language`; every error has the body "
        '`{"error": {"code": ..., "message": ...}}`.'
    ),
    urls_namespace="api_v1",
    # The browser shows no validator badge (it would load an image from swagger.io, which
    # the Content-Security-Policy forbids).
    docs=Swagger(settings={"validatorUrl": None}),
    throttle=[ClientAddressThrottle()],
    docs_decorator=_docs_limited,
)
error_handlers_install(api)
