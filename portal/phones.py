"""Mainland China mobile numbers, as every app stores them: ``+86`` and 11 digits."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")


class InvalidPhone(ValueError):
    """The input is no mainland mobile number; ``message`` says so to the person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def phone_normalise(raw: str) -> str:
    """A mainland mobile number as ``+86`` and 11 digits; raises :class:`InvalidPhone`.

    Accepts spaces, dashes and a ``+86``/``0086``/``86`` prefix.
    """
    digits = re.sub(r"[\s\-()]", "", raw or "")
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
            break
    if not MAINLAND_MOBILE.match(digits):
        raise InvalidPhone(_("Enter a mainland China mobile number: 11 digits starting with 1."))
    return "+86" + digits


def phone_mask(phone: str) -> str:
    """``+8613812341234`` → ``138****1234``: enough for staff, and for the person, to tell
    numbers apart."""
    digits = (phone or "").removeprefix("+86")
    if len(digits) < 7:
        return "****"
    return f"{digits[:3]}****{digits[-4:]}"
