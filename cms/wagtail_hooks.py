"""Wagtail hooks of the site content."""

from __future__ import annotations

from wagtail import hooks

from portal.pagecache import mark_cacheable


@hooks.register("before_serve_page")
def allow_page_cache(page, request, serve_args, serve_kwargs):
    """A page without a view restriction is the same for every anonymous visitor: let the
    page cache store it (portal/pagecache.py decides whether this request may use it)."""
    if not page.get_view_restrictions().exists():
        mark_cacheable(request)
