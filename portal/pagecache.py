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
  places left shown on an activity page are at most that old. A view may ask for less
  (:func:`mark_cacheable` with ``seconds``): the registration form, which shows the places
  left, lives ``REGISTRATION_PAGE_CACHE_SECONDS`` (3). The registration service decides on
  the live figures.
- **Forms without a per-visitor page.** A form's CSRF token differs for every visitor. A
  view that opts in renders :func:`csrf_slot` in place of ``{% csrf_token %}``'s value; the
  page is stored with that placeholder, and every answer (stored, served from the cache or
  not cacheable at all) gets the visitor's own token put in its place, the CSRF cookie set
  when the visitor has none. The form works with or without JavaScript.
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
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.utils.cache import patch_vary_headers

logger = logging.getLogger(__name__)

GENERATION_KEY = "pagecache:generation"
# Stands for the visitor's CSRF token in a stored page (see csrf_slot).
CSRF_SLOT = "csrf-slot-5d0c1b7e"
_CSRF_SLOT_BYTES = CSRF_SLOT.encode()
# Cookies that do not change what a public page shows: the CSRF cookie (a page using the
# token is never stored, see above) and the language cookie (the language is in the path),
# plus those apps declare with ``neutral_cookie_add``.
NEUTRAL_COOKIES = {settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME}


def neutral_cookie_add(name: str) -> None:
    """Declare (in an ``AppConfig.ready``) a cookie that changes nothing a stored public page
    shows, so its visitors are still served from the page cache."""
    NEUTRAL_COOKIES.add(name)


# Headers added by the middleware outside this one are not stored: they are added again to
# every hit. These are the response's own headers worth keeping.
STORED_HEADERS = ("Content-Type", "Content-Language", "Vary", "X-Frame-Options", "Cache-Control")


def mark_cacheable(request: HttpRequest, *, seconds: int | None = None) -> None:
    """Let the page cache store this request's response (if the other rules allow it), for
    ``seconds`` when given and shorter than ``PAGE_CACHE_SECONDS``."""
    request.page_cacheable = True
    if seconds is not None:
        request.page_cache_seconds = seconds


def csrf_slot(request: HttpRequest) -> str:
    """The value to render for the form's ``csrfmiddlewaretoken`` instead of a token: the
    middleware puts the visitor's own token there in every answer to this request."""
    request.page_csrf_slot = True
    return CSRF_SLOT


def is_anonymous_visitor(request: HttpRequest) -> bool:
    """Whether the request carries no cookie but the neutral ones: no session, no sign-in,
    no flash message. A page built for it is the same for every such visitor."""
    return set(request.COOKIES) <= NEUTRAL_COOKIES


def _csrf_fill(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Put the visitor's CSRF token in place of ``CSRF_SLOT`` and set the CSRF cookie if
    the visitor has none (or a malformed one), as ``{% csrf_token %}`` would have."""
    if response.streaming or _CSRF_SLOT_BYTES not in response.content:
        return response
    middleware = CsrfViewMiddleware(lambda request: response)
    if "CSRF_COOKIE" not in request.META:  # a cache hit: CsrfViewMiddleware has not run
        middleware.process_request(request)
    # A valid cookie the visitor sent (or one already set on this response) stays as it is.
    keep_cookie = "CSRF_COOKIE" in request.META and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    token = get_token(request)
    response.content = response.content.replace(_CSRF_SLOT_BYTES, token.encode())
    if keep_cookie:
        request.META["CSRF_COOKIE_NEEDS_UPDATE"] = False
    middleware.process_response(request, response)
    patch_vary_headers(response, ("Cookie",))
    return response


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


def pagecache_fragment_get(key: str):
    """A value stored by :func:`pagecache_fragment_set`, or None when it is missing, from
    before the last purge or the cache cannot be reached (one round trip)."""
    try:
        found = cache.get_many([GENERATION_KEY, key])
    except Exception as exc:  # noqa: BLE001 - fail open
        logger.warning("page cache: fragment lookup failed: %s", type(exc).__name__)
        return None
    entry = found.get(key)
    if entry is None or entry[0] != found.get(GENERATION_KEY, 0):
        return None
    return entry[1]


def pagecache_fragment_set(key: str, value, *, generation: int) -> None:
    """Store a part of a public page, purged with the pages: ``generation`` is
    :func:`pagecache_generation` read before the value was built."""
    try:
        cache.set(key, (generation, value), settings.PAGE_CACHE_SECONDS)
    except Exception as exc:  # noqa: BLE001 - fail open
        logger.warning("page cache: fragment store failed: %s", type(exc).__name__)


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
        and is_anonymous_visitor(request)
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
        response = self._serve(request)
        if getattr(request, "page_csrf_slot", False):
            response = _csrf_fill(request, response)
        return response

    def _serve(self, request: HttpRequest) -> HttpResponse:
        if settings.PAGE_CACHE_SECONDS <= 0 or not _eligible(request):
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
            _, status, headers, content, has_csrf_slot = entry
            response = HttpResponse(content, status=status)
            for name, value in headers:
                response[name] = value
            response["X-Cache"] = "hit"
            request.page_csrf_slot = has_csrf_slot
            return response

        response = self.get_response(request)
        if _storable(request, response):
            timeout = min(
                settings.PAGE_CACHE_SECONDS,
                getattr(request, "page_cache_seconds", settings.PAGE_CACHE_SECONDS),
            )
            headers = [(name, response[name]) for name in STORED_HEADERS if name in response]
            has_csrf_slot = getattr(request, "page_csrf_slot", False)
            entry = (generation, response.status_code, headers, response.content, has_csrf_slot)
            try:
                cache.set(key, entry, timeout)
            except Exception as exc:  # noqa: BLE001 - fail open
                logger.warning("page cache: store failed: %s", type(exc).__name__)
            response["X-Cache"] = "miss"
        return response
