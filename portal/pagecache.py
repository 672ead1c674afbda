"""A shared cache of public pages for anonymous visitors, purged when editors publish.

A popular open day sends thousands of visitors to the same few pages at once. Rendering a
Wagtail page costs tens of milliseconds and several queries; serving it from the shared
cache (Redis in production, ``CACHE_URL``) costs one round trip. The rules:

- **Only what everyone may see.** A response is stored only for a ``GET`` without a query
  string, from a visitor who carries no cookie but the CSRF and language ones (so no
  session, no sign-in, no flash message), for a view that opted in (every page Wagtail
  serves without a view restriction, see ``cms/wagtail_hooks.py``; other views with
  :func:`cache_public_page`), answering 200 without setting a cookie (a page that used a
  CSRF token sets one, so a token is never stored) and without ``Cache-Control: private``
  or ``no-store``.
- **Never stale for long.** An entry lives ``PAGE_CACHE_SECONDS`` (30 by default), so the
  places left shown on an activity page are at most that old; the registration form itself
  is never cached and the registration service decides on the live figures.
- **Purged on change.** Every entry carries the cache *generation* it was rendered in;
  :func:`pagecache_purge` raises the generation, which makes every entry a miss at once.
  ``cms/signals.py`` calls it when a page or an expert is published, unpublished, moved or
  deleted, when site settings are saved and when a session is cancelled.
- **Fails open.** If the cache cannot be reached, pages are rendered as without it.

Hits and misses are marked with an ``X-Cache`` header, for operators and the benchmarks.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

GENERATION_KEY = "pagecache:generation"
# Cookies that do not change what a public page shows: the CSRF cookie (a page using the
# token is never stored, see above) and the language cookie (the language is in the path).
NEUTRAL_COOKIES = frozenset({settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME})
# Headers added by the middleware outside this one are not stored: they are added again to
# every hit. These are the response's own headers worth keeping.
STORED_HEADERS = ("Content-Type", "Content-Language", "Vary", "X-Frame-Options", "Cache-Control")


def mark_cacheable(request: HttpRequest) -> None:
    """Let the page cache store this request's response (if the other rules allow it)."""
    request.page_cacheable = True


def cache_public_page(view: Callable) -> Callable:
    """Decorator for a view whose page is the same for every anonymous visitor."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        mark_cacheable(request)
        return view(request, *args, **kwargs)

    return wrapped


def pagecache_purge() -> None:
    """Make every stored page a miss (after the current transaction commits)."""
    if settings.PAGE_CACHE_SECONDS <= 0:
        return
    transaction.on_commit(_bump_generation)


def pagecache_generation() -> int:
    """The current cache generation, for keys of cached fragments that a publish must purge
    (0 when the cache cannot be reached: the caller then just computes its value)."""
    try:
        return cache.get(GENERATION_KEY, 0)
    except Exception as exc:  # noqa: BLE001 - fail open
        logger.warning("page cache: generation lookup failed: %s", type(exc).__name__)
        return 0


def _bump_generation() -> None:
    try:
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:  # no generation yet (or it was evicted): any new value purges
            cache.set(GENERATION_KEY, 1, timeout=None)
    except Exception as exc:  # noqa: BLE001 - a cache outage must not break publishing
        logger.warning("page cache: purge failed: %s", type(exc).__name__)


def _eligible(request: HttpRequest) -> bool:
    return (
        request.method == "GET"
        and not request.META.get("QUERY_STRING")
        and set(request.COOKIES) <= NEUTRAL_COOKIES
    )


def _key(request: HttpRequest) -> str:
    url = f"{request.get_host()}{request.path}"
    return "pagecache:page:" + hashlib.sha256(url.encode()).hexdigest()


def _storable(request: HttpRequest, response: HttpResponse) -> bool:
    if not getattr(request, "page_cacheable", False):
        return False
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    cache_control = response.get("Cache-Control", "").lower()
    return not any(word in cache_control for word in ("private", "no-store", "no-cache"))


class PageCacheMiddleware:
    """Serve and store public pages; goes after WhiteNoise and before the session."""

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timeout = settings.PAGE_CACHE_SECONDS
        if timeout <= 0 or not _eligible(request):
            return self.get_response(request)
        key = _key(request)
        try:
            found = cache.get_many([GENERATION_KEY, key])
        except Exception as exc:  # noqa: BLE001 - fail open
            logger.warning("page cache: lookup failed: %s", type(exc).__name__)
            return self.get_response(request)
        generation = found.get(GENERATION_KEY, 0)
        entry = found.get(key)
        if entry is not None and entry[0] == generation:
            _, status, headers, content = entry
            response = HttpResponse(content, status=status)
            for name, value in headers:
                response[name] = value
            response["X-Cache"] = "hit"
            return response

        response = self.get_response(request)
        if _storable(request, response):
            headers = [(name, response[name]) for name in STORED_HEADERS if name in response]
            entry = (generation, response.status_code, headers, response.content)
            try:
                cache.set(key, entry, timeout)
            except Exception as exc:  # noqa: BLE001 - fail open
                logger.warning("page cache: store failed: %s", type(exc).__name__)
            response["X-Cache"] = "miss"
        return response
