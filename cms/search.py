"""Site search: pages of the visitor's language and published experts."""

from __future__ import annotations

from dataclasses import dataclass

from wagtail.models import Locale, Page
from wagtail.search.backends import get_search_backend

from portal.search import prepare_query


@dataclass(frozen=True)
class SearchHit:
    title: str
    url: str
    summary: str
    kind: str


def site_search(*, query: str, limit: int = 100) -> list[SearchHit]:
    """Pages and experts matching every word of ``query`` (Chinese words included)."""
    from experts.models import ExpertRosterPage
    from experts.selectors import expert_list

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
    roster = ExpertRosterPage.objects.live().filter(locale=locale).first()
    if roster is not None:
        # Expert's manager is not a searchable queryset: ask the search backend directly.
        experts = get_search_backend().search(terms, expert_list(), operator="and")[:limit]
        hits.extend(
            SearchHit(
                title=f"{e.display_name} · {e.display_title}",
                url=roster.expert_url(e),
                summary=e.display_organisation,
                kind=str(e._meta.verbose_name),
            )
            for e in experts
        )
    return hits
