"""Domain errors of the consultation services. Views turn them into form errors or messages;
tests assert on ``code``."""

from __future__ import annotations


class ConsultationError(Exception):
    """A booking rule refused the request. ``code`` is machine-readable, e.g.
    ``slot_taken``, ``overlap``, ``invalid_transition``, ``forbidden``."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code
