"""Which phone numbers this browser proved recently: a signed cookie, no server session.

The cookie holds, for at most ``REMEMBERED`` numbers, a keyed digest of the number (never
the number itself) and when it was proved; it is signed, so it cannot be made up, and read
without a database query, so the opening minute of a popular session costs nothing more
for people who verified their number beforehand.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core import signing
from django.core.signing import BadSignature
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import salted_hmac

COOKIE = "phones"
SALT = "verification.browser"
REMEMBERED = 5


def _digest(phone: str) -> str:
    return salted_hmac("verification.browser.phone", phone).hexdigest()[:24]


def _max_age() -> int:
    return settings.PHONE_VERIFICATION_DAYS * 86400


def _entries(request: HttpRequest) -> dict[str, int]:
    try:
        value = request.get_signed_cookie(COOKIE, default="", salt=SALT, max_age=_max_age())
    except BadSignature:
        return {}
    entries = {}
    for item in value.split(","):
        digest, _sep, proved = item.partition(":")
        if digest and proved.isdigit():
            entries[digest] = int(proved)
    return entries


def phone_verified_in_browser(request: HttpRequest, phone: str) -> bool:
    """Whether this browser proved ``phone`` within ``PHONE_VERIFICATION_DAYS``."""
    proved = _entries(request).get(_digest(phone))
    return proved is not None and proved > time.time() - _max_age()


def cookie_signed(phones: dict[str, int]) -> str:
    """The cookie's value for ``phones`` (number → when proved, Unix seconds), signed as
    ``remember_verified`` signs it: what a browser holds after proving those numbers (the
    rush benchmark's visitors verified their numbers beforehand)."""
    value = ",".join(f"{_digest(phone)}:{proved}" for phone, proved in phones.items())
    return signing.get_cookie_signer(salt=COOKIE + SALT).sign(value)


def remember_verified(request: HttpRequest, response: HttpResponse, phone: str) -> None:
    """Remember on ``response`` that this browser proved ``phone`` now."""
    entries = _entries(request)
    entries.pop(_digest(phone), None)
    entries[_digest(phone)] = int(time.time())
    kept = list(entries.items())[-REMEMBERED:]
    response.set_signed_cookie(
        COOKIE,
        ",".join(f"{digest}:{proved}" for digest, proved in kept),
        salt=SALT,
        max_age=_max_age(),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
