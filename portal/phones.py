"""Mainland China mobile numbers, as every app stores them: ``+86`` and 11 digits; and how
they are shown, masked or in full."""

from __future__ import annotations

import re
import unicodedata

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


def phone_compact(raw: str) -> str:
    """``raw`` as a Chinese input method may type it, in ASCII and without separators:
    full-width digits and plus sign (``＋８６ １３７…``) made ASCII by NFKC, then every
    space (the ideographic space too), hyphen, dash and bracket dropped."""
    text = unicodedata.normalize("NFKC", raw or "")
    return re.sub(r"[\s\-\u2010-\u2015\u2212()]", "", text)


def phone_normalise(raw: str) -> str:
    """A mainland mobile number as ``+86`` and 11 digits; raises :class:`InvalidPhone`.

    Accepts full-width digits, spaces, dashes and a ``+86``/``0086``/``86`` prefix
    (:func:`phone_compact`).
    """
    digits = phone_compact(raw)
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
            break
    if not MAINLAND_MOBILE.match(digits):
        raise InvalidPhone(_("Enter a mainland China mobile number: 11 digits starting with 1."))
    return "+86" + digits


def _mobile_digits(phone: str) -> str | None:
    """The 11 digits of a stored mainland mobile (``+86`` and 11 digits), else None."""
    digits = (phone or "").removeprefix("+86")
    return digits if MAINLAND_MOBILE.match(digits) else None


def phone_grouped(phone: str) -> str:
    """A stored number as people read it: ``+8613812345678`` → ``138 1234 5678``; a fixed
    line ``023-63861234`` → ``023-6386 1234``; any other text unchanged."""
    digits = _mobile_digits(phone)
    if digits:
        return f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    area, dash, local = (phone or "").partition("-")
    if dash and (area + local).isascii() and (area + local).isdigit() and len(local) in (7, 8):
        return f"{area}-{local[:-4]} {local[-4:]}"
    return phone or ""


def phone_mask(phone: str, *, keep_prefix: bool = False, grouped: bool = True) -> str:
    """``+8613812341234`` → ``138 **** 1234``: enough for staff, and for the person, to tell
    numbers apart. ``grouped=False`` gives the compact ``138****1234`` of the downloads.

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
    if grouped:
        return f"{digits[:3]} **** {digits[-4:]}"
    return f"{digits[:3]}****{digits[-4:]}"


def can_see_full_phone(user) -> bool:
    return user.has_perm(FULL_PHONE_PERMISSION)


def phone_display(phone: str, *, user, grouped: bool = True) -> str:
    """The phone as ``user`` may see it: in full (``138 1234 5678``) with
    :data:`FULL_PHONE_PERMISSION`, else masked (``138 **** 1234``).

    ``grouped=False`` is for spreadsheet downloads, which keep the compact form a program
    reads back: ``13812341234`` (or ``138****1234``), so a column sorts, matches another
    list and pastes into a dialler or a text-message tool without spaces to strip.
    """
    if not phone:
        return ""
    if can_see_full_phone(user):
        return phone_grouped(phone) if grouped else phone.removeprefix("+86")
    return phone_mask(phone, grouped=grouped)
