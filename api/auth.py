"""Authentication and rate limits of the staff routes (``/api/v1/staff/``).

``StaffAuth(scope)`` is each staff operation's ``auth``: it reads ``Authorization: Bearer
<token>``, checks the token (``api.services.api_token_authenticate``) and the scope with the
user's current web permission (``api_token_require``), and puts a ``StaffCaller`` on
``request.auth``. It first counts the request against the client address
(``API_RATE_IP``, the public routes' counter), so guessing tokens is rate limited too: ninja
runs an operation's throttles only after its authentication has passed. ``TokenThrottle``
then counts the request against the token (``API_RATE_TOKEN``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import Throttled
from ninja.security import HttpBearer
from ninja.throttling import BaseThrottle

from api.models import ApiToken, Scope
from api.services import Reach, api_token_authenticate, api_token_require
from portal.ratelimit import client_ip, parse_rate, rate_limit_hit

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@dataclass(frozen=True)
class StaffCaller:
    """Who called a staff route, and what the route's scope lets them reach."""

    token: ApiToken
    user: User
    scope: str
    reach: Reach


class StaffAuth(HttpBearer):
    """A staff API token holding ``scope``, of a user who may still use it."""

    def __init__(self, scope: Scope) -> None:
        super().__init__()
        self.scope = scope

    def __call__(self, request: HttpRequest) -> StaffCaller | None:
        if rate_limit_hit(scope="api-ip", key=client_ip(request), rate=settings.API_RATE_IP):
            raise Throttled(wait=parse_rate(settings.API_RATE_IP)[1])
        # Read here rather than by HttpBearer.__call__, which logs a header of another
        # scheme in DEBUG: a token sent as "Token ptk_..." would land in the log.
        scheme, _, secret = request.headers.get(self.header, "").partition(" ")
        if scheme.lower() != self.openapi_scheme or not secret.strip():
            return None
        return self.authenticate(request, secret)

    def authenticate(self, request: HttpRequest, token: str) -> StaffCaller:
        found = api_token_authenticate(secret=token.strip())
        reach = api_token_require(token=found, scope=self.scope)
        return StaffCaller(token=found, user=found.user, scope=self.scope, reach=reach)


class TokenThrottle(BaseThrottle):
    """``API_RATE_TOKEN`` requests per staff token and window (``portal.ratelimit``)."""

    def allow_request(self, request: HttpRequest) -> bool:
        caller = getattr(request, "auth", None)
        if not isinstance(caller, StaffCaller):
            return True  # refused by StaffAuth already
        return not rate_limit_hit(
            scope="api-token", key=str(caller.token.pk), rate=settings.API_RATE_TOKEN
        )

    def wait(self) -> float | None:
        return float(parse_rate(settings.API_RATE_TOKEN)[1])
