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
from django.contrib.auth import get_user_model
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ValidationError
from django.db.models import Q
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


def login_account_key(identifier: str) -> str:
    """The key failed sign-ins are counted under: one per account, whichever of its names
    (user name or e-mail address, any case) was typed, so guesses cannot be spread over
    them; the typed text itself for a name no account has."""
    typed = identifier.strip().lower()
    account = (
        get_user_model()
        ._default_manager.filter(Q(username__iexact=typed) | Q(email__iexact=typed))
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    return f"user:{account}" if account is not None else f"name:{typed}"


def _login_limits(request: HttpRequest | None, identifier: str) -> list[tuple[str, str, str]]:
    ip = client_ip(request) if request is not None else ""
    return [
        ("login-account", login_account_key(identifier), settings.LOGIN_RATE_ACCOUNT),
        ("login-ip", ip, settings.LOGIN_RATE_IP),
    ]


def login_refused(request: HttpRequest | None, identifier: str) -> bool:
    """Whether a sign-in as ``identifier`` from this client is refused for now: the account
    or the client address had too many recent failures, counted across the site's and the
    CMS admin's sign-in forms and every web worker (the shared cache)."""
    return any(
        rate_limit_reached(scope=scope, key=key, rate=rate)
        for scope, key, rate in _login_limits(request, identifier)
    )


def login_failure_count(request: HttpRequest | None, identifier: str) -> None:
    """Count a failed sign-in against the account and the client address."""
    for scope, key, rate in _login_limits(request, identifier):
        rate_limit_hit(scope=scope, key=key, rate=rate)


LOGIN_REFUSED_MESSAGE = _(
    "Too many failed sign-in attempts. Please wait a few minutes before trying again."
)


class AdminLoginForm(LoginForm):
    """The Wagtail admin's sign-in form (``WAGTAILADMIN_USER_LOGIN_FORM``), refusing an
    account or client address with too many recent failed sign-ins (``login_refused``;
    the site's sign-in form counts into the same limits, ``enterprises.adapter``). A
    refused attempt does not check the password, so guessing gets no answer during the
    cool-off, even with the right one.
    """

    rate_limited_message = LOGIN_REFUSED_MESSAGE

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        password = self.cleaned_data.get("password")
        if not username.strip() or not password:
            return super().clean()
        if login_refused(self.request, username):
            raise ValidationError(self.rate_limited_message, code="rate_limited")
        try:
            return super().clean()
        except ValidationError:
            login_failure_count(self.request, username)
            raise
