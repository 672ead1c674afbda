"""Fixed-window attempt counters in the default cache.

django-ratelimit refuses the per-process memory cache of the embedded default and does
not support Django's built-in Redis cache, so the few lines it would save are kept here.
``cache.add`` creates a window's counter atomically and ``cache.incr`` is atomic on Redis
(INCR) and on the memory cache, so concurrent requests never lose a count. In production
``CACHE_URL`` points at Redis and every web worker shares the counters.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


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


def rate_limit_hit(*, scope: str, key: str, rate: str) -> bool:
    """Count one attempt for ``key`` in ``scope``; True once the rate is exceeded.

    Keys are hashed, so phone numbers never reach the cache in clear text.
    """
    limit, window = parse_rate(rate)
    if limit <= 0:
        return False
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{scope}:{key}".encode()).hexdigest()[:32]
    bucket = int(time.time() // window)
    cache_key = f"rl:{scope}:{digest}:{bucket}"
    if cache.add(cache_key, 1, timeout=window + 5):
        return limit < 1
    try:
        return cache.incr(cache_key) > limit
    except ValueError:  # the counter expired between add and incr
        cache.add(cache_key, 1, timeout=window + 5)
        return False
