"""Ticket tokens, QR codes and masking of personal data.

Two signed tokens identify a registration without exposing its database id:

- the **QR token** printed on the ticket (salt ``events.ticket.qr``, no expiry: it is only
  useful at the door, to check-in staff, for the ticket's own session);
- the **manage token** in the link a registrant uses to view, change or cancel without an
  account (salt ``events.ticket.manage``, expires ``REGISTRATION_MANAGE_LINK_MAX_AGE``
  seconds after it was made).

Both sign the registration's ticket code with the site's ``SECRET_KEY``: a token cannot be
forged, nor edited to point at another registration, and one kind cannot stand in for the
other because the salts differ.
"""

from __future__ import annotations

import contextlib
import hashlib
import io

import segno
from django.conf import settings
from django.core import signing
from django.core.cache import cache

# Re-exported: views and exports import it from here.
from portal.phones import phone_mask  # noqa: F401

QR_SALT = "events.ticket.qr"
MANAGE_SALT = "events.ticket.manage"
QR_CACHE_SECONDS = 7 * 86400


class TokenInvalid(Exception):
    """A token was tampered with, made for another purpose, or has expired (``expired``)."""

    def __init__(self, *, expired: bool = False):
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def qr_token_make(ticket_code: str) -> str:
    return signing.Signer(salt=QR_SALT).sign(ticket_code)


def qr_token_read(token: str) -> str:
    """The ticket code in a QR token; raises ``TokenInvalid``."""
    try:
        return signing.Signer(salt=QR_SALT).unsign((token or "").strip())
    except signing.BadSignature:
        raise TokenInvalid() from None


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


def qr_svg(data: str, *, title: str = "") -> str:
    """An inline SVG QR code (no XML declaration) with a title for screen readers."""
    buffer = io.BytesIO()
    segno.make(data, error="m").save(
        buffer,
        kind="svg",
        scale=6,
        border=2,
        xmldecl=False,
        svgns=True,
        title=title or None,
        svgclass="qr-code",
        lineclass=None,
    )
    return buffer.getvalue().decode()


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


def qr_png(data: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(data, error="m").save(buffer, kind="png", scale=8, border=2)
    return buffer.getvalue()


def name_mask(name: str) -> str:
    """``张三丰`` → ``张**``; ``Li Wei`` → ``L*****``."""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)
