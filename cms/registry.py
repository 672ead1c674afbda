"""Extension points of the page foundation, filled by the apps above it from their
``AppConfig.ready()``: what the home page shows besides the news, and what the site
search finds besides pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cms.models import HomePage
    from cms.search import SearchHit

# name -> function(page) returning context entries for the home page.
_home_sections: dict[str, Callable[[HomePage], dict]] = {}
# name -> function(terms, locale, limit) returning search hits after the pages'.
_search_sources: dict[str, Callable[..., list[SearchHit]]] = {}


def home_section_register(name: str, context: Callable[[HomePage], dict]) -> None:
    """Add ``context(page)``'s entries to the home page's context; sections are asked in
    the order they were registered (the apps' order in ``INSTALLED_APPS``)."""
    _home_sections[name] = context


def home_sections() -> list[Callable[[HomePage], dict]]:
    return list(_home_sections.values())


def search_source_register(name: str, search: Callable[..., list[SearchHit]]) -> None:
    """Add ``search(terms=..., locale=..., limit=...)``'s hits to the site search, after
    the pages and in the order the sources were registered."""
    _search_sources[name] = search


def search_sources() -> list[Callable[..., list[SearchHit]]]:
    return list(_search_sources.values())
