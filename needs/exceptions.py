"""Domain errors of supply-demand matching. Views turn them into form errors or messages;
tests assert on ``code``."""

from __future__ import annotations

from portal.errors import DomainError


class NeedError(DomainError):
    """A matching rule refused the request. ``code`` is machine-readable."""
