"""Mainland China mobile numbers, as every app stores them: ``+86`` and 11 digits; and how
they are shown, masked or in full."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from portal.errors import DomainError

MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")

# Staff with this permission see phone numbers in full, on every app's staff pages and in
# every download; others see them masked. It is declared on the open-day registrations,
# where it began, and covers consultations, lab visits and enterprises alike.
FULL_PHONE_PERMISSION = "events.view_full_phone"


class InvalidPhone(DomainError, ValueError):
    """The input is no mainland mobile number; ``message`` says so to the person. Code
    ``invalid_phone``."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="invalid_phone")


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


def phone_mask(phone: str, *, keep_prefix: bool = False) -> str:
    """``+8613812341234`` → ``138****1234``: enough for staff, and for the person, to tell
    numbers apart.

    ``keep_prefix=True`` is the form of the text-message logs and provider errors:
    ``+86138****1234``, the country code kept so a reader tells a mobile from a landline or
    a foreign number. It masks any text, not only a mainland number: all but the last four
    characters of a short one, else the four before the last four.
    """
    if keep_prefix:
        phone = (phone or "").strip()
        if len(phone) <= 4:
            return "*" * len(phone)
        if len(phone) <= 8:
            return "*" * (len(phone) - 4) + phone[-4:]
        return f"{phone[:-8]}****{phone[-4:]}"
    digits = (phone or "").removeprefix("+86")
    if len(digits) < 7:
        return "****"
    return f"{digits[:3]}****{digits[-4:]}"


def can_see_full_phone(user) -> bool:
    return user.has_perm(FULL_PHONE_PERMISSION)


def phone_display(phone: str, *, user) -> str:
    """The phone as staff may see it: ``13812341234`` in full, else ``138****1234``."""
    if not phone:
        return ""
    if can_see_full_phone(user):
        return phone.removeprefix("+86")
    return phone_mask(phone)
