"""Domain errors of the lab-visit services. Views turn them into form errors or messages;
tests assert on ``code``."""

from __future__ import annotations


class LabVisitError(Exception):
    """A lab-visit rule refused the request. ``code`` is machine-readable."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.message = message
        self.code = code
