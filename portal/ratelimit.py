"""Fixed-window attempt counters in the default cache, and the Wagtail admin's sign-in form
that uses them against password guessing.

django-ratelimit refuses the per-process memory cache of the embedded default and does
not support Django's built-in Redis cache, so the few lines it would save are kept here.
A window's counter is created and counted atomically (one MULTI on Redis; ``add`` and
``incr`` on the memory cache), so concurrent requests never lose a count. In production
``CACHE_URL`` points at Redis and every web worker shares the counters.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.auth import LoginForm


def parse_rate(rate: str) -> tuple[int, int]:
    """``"20/600"`` → (20 attempts, per 600 seconds)."""
    count, _, seconds = rate.partition("/")
    return int(count), int(seconds or 60)


def client_ip(request: HttpRequest) -> str:
    """The client address, trusting ``NUM_PROXIES`` entries of X-Forwarded-For."""
    proxies = settings.NUM_PROXIES
    if proxies:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [p for p in forwarded if p]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def _cache_key(*, scope: str, key: str, window: int) -> str:
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{scope}:{key}".encode()).hexdigest()[:32]
    bucket = int(time.time() // window)
    return f"rl:{scope}:{digest}:{bucket}"


def _count(cache_key: str, timeout: int) -> int:
    """Adds one to the counter at ``cache_key`` (created with ``timeout``); its new value.

    On Redis this is one round trip, MULTI/SET NX EX/INCR/EXEC: the counter is created
    with its expiry and counted in one atomic step, so it can never be left without one.
    Django's cache API would take three (``add``, then ``incr``'s EXISTS and INCR), and
    every submitted registration form passes here.
    """
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        key = backend.make_and_validate_key(cache_key)
        pipe = backend._cache.get_client(key, write=True).pipeline(transaction=True)
        pipe.set(key, 0, ex=timeout, nx=True)
        pipe.incr(key)
        return pipe.execute()[1]
    if backend.add(cache_key, 1, timeout=timeout):
        return 1
    try:
        return backend.incr(cache_key)
    except ValueError:  # the counter expired between add and incr
        backend.add(cache_key, 1, timeout=timeout)
        return 1


def rate_limit_hit(*, scope: str, key: str, rate: str) -> bool:
    """Count one attempt for ``key`` in ``scope``; True once the rate is exceeded.

    Keys are hashed, so phone numbers never reach the cache in clear text.
    """
    limit, window = parse_rate(rate)
    if limit <= 0:
        return False
    return _count(_cache_key(scope=scope, key=key, window=window), window + 5) > limit


def rate_limit_reached(*, scope: str, key: str, rate: str) -> bool:
    """True if ``key`` already used up its attempts in this window (counts nothing).

    With ``rate_limit_hit`` called only for failures, this refuses the attempt after the
    allowed number of failures until the window ends: a cool-off, not a lock-out.
    """
    limit, window = parse_rate(rate)
    if limit <= 0:
        return False
    return (cache.get(_cache_key(scope=scope, key=key, window=window)) or 0) >= limit


BOOKING_RATE_LIMITED_MESSAGE = _(
    "Too many requests in a short time. Please wait a while and try again, or call the "
    "service desk."
)


def booking_rate_limited(request: HttpRequest, *, scope: str, ip_rate: str, user_rate: str) -> bool:
    """Count one booking request per client address and per signed-in user; True once
    either is over its rate. The view then refuses the request before creating anything."""
    by_ip = rate_limit_hit(scope=f"{scope}-ip", key=client_ip(request), rate=ip_rate)
    by_user = rate_limit_hit(scope=f"{scope}-user", key=str(request.user.pk), rate=user_rate)
    return by_ip or by_user


class AdminLoginForm(LoginForm):
    """The Wagtail admin's sign-in form (``WAGTAILADMIN_USER_LOGIN_FORM``), refusing a
    user name or client address with too many recent failed attempts.

    allauth limits its own sign-in form (``ACCOUNT_RATE_LIMITS``); /cms-admin/login/ is
    Django's authentication form and needs this. A refused attempt does not check the
    password, so guessing gets no answer during the cool-off, even with the right one.
    """

    rate_limited_message = _(
        "Too many failed sign-in attempts. Please wait a few minutes before trying again."
    )

    def clean(self):
        username = (self.cleaned_data.get("username") or "").strip().lower()
        password = self.cleaned_data.get("password")
        if not username or not password:
            return super().clean()
        ip = client_ip(self.request) if self.request is not None else ""
        limits = [
            ("admin-login-user", username, settings.ADMIN_LOGIN_RATE_USER),
            ("admin-login-ip", ip, settings.ADMIN_LOGIN_RATE_IP),
        ]
        if any(rate_limit_reached(scope=s, key=k, rate=r) for s, k, r in limits):
            raise ValidationError(self.rate_limited_message, code="rate_limited")
        try:
            return super().clean()
        except ValidationError:
            for scope, key, rate in limits:
                rate_limit_hit(scope=scope, key=key, rate=rate)
            raise
