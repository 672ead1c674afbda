"""Domain errors of the consultation services. Views turn them into form errors or messages;
tests assert on ``code``."""

from __future__ import annotations

from portal.errors import DomainError


class ConsultationError(DomainError):
    """A booking rule refused the request. ``code`` is machine-readable, e.g.
    ``slot_taken``, ``overlap``, ``invalid_transition``, ``forbidden``."""
