"""The one base of every domain error: a rule refused a request.

Each app raises its own subclass (``RegistrationError``, ``ConsultationError``,
``LabVisitError``, ...); views turn it into a form error or a message, tests assert on
``code``. An app that only passes another layer's refusal on catches ``DomainError``, so it
needs no import of the app the refusal came from.
"""

from __future__ import annotations

from django.utils.translation import gettext as _


class DomainError(Exception):
    """A rule refused the request. ``message`` is for the person (translated); ``code`` is
    machine-readable, e.g. ``full``, ``slot_taken``, ``not_found``."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


class Busy(DomainError):
    """A row lock was not granted within ``LOCK_TIMEOUT_SECONDS`` (``portal.locking``):
    nothing was saved, and the same request a moment later will do. Code ``busy``."""

    def __init__(self, message: str | None = None):
        super().__init__(
            message
            or _(
                "Many people are doing this right now. Nothing has been saved or changed: "
                "please try again in a moment."
            ),
            code="busy",
        )
