"""Domain errors of the open-day services. Views turn them into form errors; tests assert
on ``code``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from portal.errors import DomainError

if TYPE_CHECKING:
    from events.models import Registration


class RegistrationError(DomainError):
    """A registration rule refused the request. ``code`` is machine-readable."""

    def __init__(self, message: str, *, code: str, registration: Registration | None = None):
        super().__init__(message, code=code)
        # For code "duplicate": the phone's existing registration, to show its ticket.
        self.registration = registration


class SessionError(DomainError):
    """A rule about a whole session (cancelling it) refused the request. ``code`` is
    machine-readable: ``not_found``, ``already_cancelled``, ``ended``, ``reason_required``."""
