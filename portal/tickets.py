"""Ticket codes, the QR token that carries one, and QR drawings.

Open-day registrations and lab visits both hand out an 8-character **ticket code**
(``ticket_code_new``; consultations use one for their reference) and print it, signed, as
the **QR token** ``CODE:signature`` (salt ``events.ticket.qr``, no expiry: it is only useful
at the door, to check-in staff, for the ticket's own session or slot). The signature uses
the site's ``SECRET_KEY``: a token cannot be forged, nor edited to point at another ticket.
The salt keeps the name it was given when only open-day tickets had one, so every ticket
already printed still scans.
"""

from __future__ import annotations

import io
import re
import secrets

import segno
from django.core import signing
from django.utils.translation import gettext as _

from portal.errors import DomainError

TICKET_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at the door
# Typed codes: letters and digits only once spaces and dashes are gone.
TICKET_CODE = re.compile(r"^[A-Z0-9]{4,12}$")
QR_SALT = "events.ticket.qr"


class TokenInvalid(Exception):
    """A token was tampered with, made for another purpose, or has expired (``expired``).

    Not a ``DomainError``: it carries no message for the person, the caller chooses one
    (a forged QR code at the door, an expired link on the ticket page)."""

    def __init__(self, *, expired: bool = False):
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


class TicketUnreadable(DomainError):
    """The presented ticket is a forged QR token or text that cannot be a ticket code.
    Code ``unknown_ticket``."""

    def __init__(self, message: str):
        super().__init__(message, code="unknown_ticket")


def ticket_code_new() -> str:
    """8 characters from an alphabet without look-alikes (0/O, 1/I): 32^8 codes."""
    return "".join(secrets.choice(TICKET_ALPHABET) for _ in range(8))


def qr_token_make(ticket_code: str) -> str:
    return signing.Signer(salt=QR_SALT).sign(ticket_code)


def qr_token_read(token: str) -> str:
    """The ticket code in a QR token; raises ``TokenInvalid``."""
    try:
        return signing.Signer(salt=QR_SALT).unsign((token or "").strip())
    except signing.BadSignature:
        raise TokenInvalid() from None


def ticket_code_read(ticket: str) -> str:
    """The ticket code in a scanned QR token (``CODE:signature``) or a typed code, as every
    door reads its tickets.

    Typed codes are forgiving: ``" k7m2-p9qx "`` reads as ``K7M2P9QX``. Raises
    ``TicketUnreadable`` (``unknown_ticket``) for a forged token or text that cannot be a
    code; whether a ticket has the code is the caller's question.
    """
    ticket = (ticket or "").strip()
    if ":" in ticket:
        try:
            return qr_token_read(ticket)
        except TokenInvalid:
            raise TicketUnreadable(
                _("This QR code is not a valid ticket of this portal.")
            ) from None
    code = re.sub(r"[\s\-]", "", ticket).upper()
    if not TICKET_CODE.match(code):
        raise TicketUnreadable(_("No ticket has this code."))
    return code


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


def qr_png(data: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(data, error="m").save(buffer, kind="png", scale=8, border=2)
    return buffer.getvalue()
