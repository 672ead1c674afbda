"""The signature of a delivery, as the receiver checks it (README, "Webhooks").

``X-Portal-Signature: sha256=<hex>``, the HMAC-SHA256, keyed with the endpoint's secret, of
``f"{timestamp}.{body}"``, where ``timestamp`` is ``X-Portal-Timestamp`` (Unix seconds) and
``body`` the exact bytes of the request body. The timestamp is signed too, so a receiver
that refuses timestamps older than ``REPLAY_WINDOW`` seconds cannot be sent an old
delivery again by someone who recorded it.
"""

from __future__ import annotations

import hashlib
import hmac

REPLAY_WINDOW = 300


def signature_make(*, secret: str, timestamp: int, body: bytes) -> str:
    """The value of ``X-Portal-Signature`` for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def signature_verify(
    *, secret: str, timestamp: str, signature: str, body: bytes, now: float
) -> bool:
    """What a receiver does: the timestamp is recent (within ``REPLAY_WINDOW`` seconds
    either way) and the signature matches, compared in constant time."""
    try:
        moment = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs(now - moment) > REPLAY_WINDOW:
        return False
    expected = signature_make(secret=secret, timestamp=moment, body=body)
    return hmac.compare_digest(expected, signature or "")
