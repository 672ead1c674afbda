"""Open-day ticket tokens beyond the QR token, the ticket page's QR drawing, and masking of
names.

The QR token printed on the ticket is ``portal.tickets`` (lab visits print the same kind).
The **manage token** in the link a registrant uses to view, change or cancel without an
account (salt ``events.ticket.manage``) expires ``REGISTRATION_MANAGE_LINK_MAX_AGE``
seconds after it was made. It signs the registration's ticket code with the site's
``SECRET_KEY``: it cannot be forged, nor edited to point at another registration, and a QR
token cannot stand in for it because the salts differ.
"""

from __future__ import annotations

import contextlib
import hashlib

from django.conf import settings
from django.core import signing
from django.core.cache import cache

from portal.tickets import TokenInvalid, qr_svg, qr_token_make

MANAGE_SALT = "events.ticket.manage"
QR_CACHE_SECONDS = 7 * 86400


def manage_token_make(ticket_code: str) -> str:
    return signing.TimestampSigner(salt=MANAGE_SALT).sign(ticket_code)


def manage_token_read(token: str) -> str:
    """The ticket code in a manage-link token; raises ``TokenInvalid`` (``expired`` set when
    the signature is good but too old)."""
    signer = signing.TimestampSigner(salt=MANAGE_SALT)
    try:
        return signer.unsign(token or "", max_age=settings.REGISTRATION_MANAGE_LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise TokenInvalid(expired=True) from None
    except signing.BadSignature:
        raise TokenInvalid() from None


def ticket_qr_svg(data: str, *, title: str = "") -> str:
    """``qr_svg``, kept in the shared cache: a ticket's QR token never changes, and drawing
    the code costs several milliseconds. The worker draws it ahead of the first visit
    (``ticket_qr_prepare``); the ticket page draws it if needed."""
    key = "events:ticket-qr:" + hashlib.sha256(f"{title}\0{data}".encode()).hexdigest()
    try:
        svg = cache.get(key)
    except Exception:  # noqa: BLE001 - fail open: draw it
        svg = None
    if svg is None:
        svg = qr_svg(data, title=title)
        with contextlib.suppress(Exception):
            cache.set(key, svg, QR_CACHE_SECONDS)
    return svg


def ticket_qr_prepare(*, ticket_code: str, language: str) -> None:
    """Draw the ticket page's QR code into the cache, titled in ``language`` as the page
    titles it, so the registrant's first visit to the ticket page finds it there."""
    from django.utils import translation
    from django.utils.translation import gettext

    with translation.override(language):
        ticket_qr_svg(qr_token_make(ticket_code), title=gettext("Ticket QR code"))


def name_mask(name: str) -> str:
    """``张三丰`` → ``张**``; ``Li Wei`` → ``L*****``."""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)
