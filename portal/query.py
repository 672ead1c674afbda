"""Text read straight from a query string."""

from __future__ import annotations

from django.http import HttpRequest


def query_text(request: HttpRequest, name: str, *, max_length: int) -> str:
    """The ``name`` query parameter as search or filter text: NUL characters (which
    PostgreSQL refuses in any text value) removed, surrounding space stripped, cut to
    ``max_length``. Forms reject NUL on their own; this is for parameters read without one."""
    return request.GET.get(name, "").replace("\x00", "").strip()[:max_length]
