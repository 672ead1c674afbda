"""Domain errors of the lab-visit services. Views turn them into form errors or messages;
tests assert on ``code``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from portal.errors import DomainError

if TYPE_CHECKING:
    from labvisits.models import LabVisit


class LabVisitError(DomainError):
    """A lab-visit rule refused the request. ``code`` is machine-readable."""

    def __init__(self, message: str, *, code: str, visit: LabVisit | None = None):
        super().__init__(message, code=code)
        # At the door: the visit whose ticket was refused (a repeated scan shows its group).
        self.visit = visit
