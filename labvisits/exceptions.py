"""Domain errors of the lab-visit services. Views turn them into form errors or messages;
tests assert on ``code``."""

from __future__ import annotations

from portal.errors import DomainError


class LabVisitError(DomainError):
    """A lab-visit rule refused the request. ``code`` is machine-readable."""
