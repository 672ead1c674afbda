"""Reads for the content pages."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet
from django.db.models.functions import ExtractYear
from django.utils.translation import get_language
from taggit.models import Tag
from wagtail.models import Page

from cms.models import (
    ConsumerWarningIndexPage,
    ConsumerWarningPage,
    HomePage,
    NewsIndexPage,
    NewsPage,
)
from cms.registry import home_sections
from portal.pagecache import pagecache_generation

logger = logging.getLogger(__name__)
T = TypeVar("T")
_MISSING = object()


def news_list(
    *, index: NewsIndexPage, tag: str | None = None, year: int | None = None
) -> tuple[QuerySet[NewsPage], list[int], list[Tag]]:
    """Live articles under ``index`` (newest first), the years and tags to filter by."""
    base = NewsPage.objects.child_of(index).live()
    articles = base.select_related("cover_image").order_by("-date", "-pk")
    if tag:
        articles = articles.filter(tags__name=tag)
    if year:
        articles = articles.filter(date__year=year)
    years = sorted(
        set(base.annotate(y=ExtractYear("date")).values_list("y", flat=True)), reverse=True
    )
    tags = list(
        Tag.objects.filter(cms_newspagetag_items__content_object__in=base)
        .distinct()
        .order_by("name")
    )
    return articles.distinct(), years, tags


def news_latest(*, locale, limit: int = 3) -> list[NewsPage]:
    return list(
        NewsPage.objects.live()
        .filter(locale=locale)
        .select_related("cover_image")
        .order_by("-date", "-pk")[:limit]
    )


def consumer_warning_list(
    *, index: ConsumerWarningIndexPage, category: str | None = None, risk: str | None = None
) -> QuerySet[ConsumerWarningPage]:
    """Live warnings under ``index``, newest first, of ``category`` and ``risk`` if given."""
    warnings = ConsumerWarningPage.objects.child_of(index).live().order_by("-date", "-pk")
    if category:
        warnings = warnings.filter(product_category=category)
    if risk:
        warnings = warnings.filter(risk_level=risk)
    return warnings


def consumer_warnings_in_locale(
    *, warnings: Iterable[ConsumerWarningPage], locale_id: int
) -> list[ConsumerWarningPage]:
    """The live versions in ``locale_id`` of ``warnings`` (pages of any language), newest
    first. A page translated from another keeps pointing at the original's warnings, so
    each is swapped for its translation, and left out when it has none."""
    keys = [warning.translation_key for warning in warnings]
    if not keys:
        return []
    return list(
        ConsumerWarningPage.objects.live()
        .filter(locale_id=locale_id, translation_key__in=keys)
        .order_by("-date", "-pk")
    )


def home_page_context(*, page: HomePage) -> dict:
    """Everything the home page shows, in the page's language: the sections the apps
    registered (``cms.registry.home_section_register``: the campaign, the experts), then
    the news."""
    context: dict = {}
    for section in home_sections():
        context.update(section(page))
    # The campaign's and the expert roster's tiles lead the "Services" tiles (the template
    # shows them when those sections found the pages); an editor's quick link to the same
    # page would show the same service twice (the demo's links do), so it is left out.
    featured = [context.get("campaign"), context.get("roster_page")]
    context.update(
        service_links=home_service_links(page=page, featured=[p for p in featured if p]),
        news_index=NewsIndexPage.objects.live().filter(locale=page.locale).first(),
        latest_news=news_latest(locale=page.locale),
    )
    return context


def home_service_links(*, page: HomePage, featured: list[Page]) -> list:
    """The home page's quick links (stream children) except those leading to a page of
    ``featured`` (in any language, or by its path)."""
    keys = {p.translation_key for p in featured}
    paths = {p.url for p in featured}
    links = []
    for block in page.quick_links:
        target = block.value.get("page")
        if target is not None and target.translation_key in keys:
            continue
        if target is None and (block.value.get("url") or "").strip() in paths:
            continue
        links.append(block)
    return links


def shared_fragment(key: str, compute: Callable[[], T]) -> T:
    """``compute()``, kept in the shared cache for the page cache's lifetime.

    For values every visitor sees alike (never anything that depends on the signed-in user,
    the CSRF token or messages). The key carries the page cache generation, so publishing
    purges them with the pages (``portal.pagecache.pagecache_purge``). Without a page cache
    (``PAGE_CACHE_SECONDS`` 0 purges nothing) or without a reachable cache, it computes.
    """
    timeout = settings.PAGE_CACHE_SECONDS
    if timeout <= 0:
        return compute()
    key = f"fragment:{key}:{pagecache_generation()}"
    try:
        value = cache.get(key, _MISSING)
    except Exception as exc:  # noqa: BLE001 - fail open, as the page cache does
        logger.warning("fragment cache: lookup failed: %s", type(exc).__name__)
        return compute()
    if value is _MISSING:
        value = compute()
        try:
            cache.set(key, value, timeout)
        except Exception as exc:  # noqa: BLE001
            logger.warning("fragment cache: store failed: %s", type(exc).__name__)
    return value


def privacy_notice_url(*, site_settings) -> str:
    """Address of the privacy notice in the active language ("" when none is chosen).

    Every form and page footer shows it; finding the page's translation and its URL costs
    several queries, so the answer is shared through the cache until the next publish.
    """
    page_id = getattr(site_settings, "privacy_page_id", None) if site_settings else None
    if page_id is None:
        return ""

    def compute() -> str:
        page = site_settings.privacy_page.specific.localized
        return page.url if page.live else ""

    return shared_fragment(f"privacy-url:{page_id}:{get_language()}", compute)
