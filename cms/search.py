"""Site search: pages of the visitor's language, then what the apps registered
(``cms.registry.search_source_register``: the published experts)."""

from __future__ import annotations

from dataclasses import dataclass

from wagtail.models import Locale, Page

from cms.registry import search_sources
from portal.search import prepare_query


@dataclass(frozen=True)
class SearchHit:
    title: str
    url: str
    summary: str
    kind: str


def site_search(*, query: str, limit: int = 100) -> list[SearchHit]:
    """Pages, then the registered sources' hits, matching every word of ``query`` (Chinese
    words included)."""
    terms = prepare_query(query)
    if not terms:
        return []
    locale = Locale.get_active()
    pages = (
        Page.objects.live()
        .public()
        .filter(locale=locale)
        .exclude(depth__lte=1)
        .specific()
        .search(terms, operator="and")[:limit]
    )
    hits = [
        SearchHit(
            title=p.title,
            url=p.url,
            summary=getattr(p, "meta_description", lambda: "")() or "",
            kind=str(p.specific_class._meta.verbose_name),
        )
        for p in pages
    ]
    for source in search_sources():
        hits.extend(source(terms=terms, locale=locale, limit=limit))
    return hits
