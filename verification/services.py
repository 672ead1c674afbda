"""Proving a phone number with a one-time code sent by text message.

``phone_code_send`` writes a code (its keyed hash only) and the text that carries it (an
outbox row, ``reminders.services.text_write``) in one transaction; ``phone_code_check``
accepts the right code once, within ``PHONE_CODE_MINUTES``, counting wrong guesses in the
database (``MAX_ATTEMPTS`` per code, a check constraint). A number proven once counts as
verified for ``PHONE_VERIFICATION_DAYS``: on the account that proved it
(``phone_verified_on_account``), and in the browser that proved it (a signed cookie,
``verification.browser``).

Error codes (``VerificationError.code``):

- ``rate_limited``: too many codes for this number or from this client address;
- ``no_code``: no code was asked for this number, or the latest one expired or was used;
- ``wrong_code``: not the code sent (``attempts_left`` says how many tries remain);
- ``attempts_exhausted``: too many wrong guesses; a new code is needed.
"""

from __future__ import annotations

import datetime
import logging
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.errors import DomainError
from portal.ratelimit import rate_limit_hit
from reminders.services import text_write
from verification.models import MAX_ATTEMPTS, PhoneCode

logger = logging.getLogger(__name__)

CODE_DIGITS = 6


class VerificationError(DomainError):
    """A code could not be sent or was not accepted; ``message`` tells the person why."""

    def __init__(self, message: str, *, code: str, attempts_left: int | None = None) -> None:
        super().__init__(message, code=code)
        self.attempts_left = attempts_left


def _code_hash(phone: str, code: str) -> str:
    # Keyed with SECRET_KEY: a copy of the table alone does not give the million codes away.
    return salted_hmac("verification.phone_code", f"{phone}:{code}", algorithm="sha256").hexdigest()


def phone_code_send(
    *, phone: str, language: str, client: str, user=None, now: datetime.datetime | None = None
) -> PhoneCode:
    """Send a new code to ``phone`` (normalised, ``+86...``) in ``language``; the person's
    client address ``client`` and account ``user`` (or None) count toward the limits.

    Limits (``portal.ratelimit``, in the shared cache): ``PHONE_CODE_RATE_INTERVAL`` and
    ``PHONE_CODE_RATE_PHONE`` per number, ``PHONE_CODE_RATE_IP`` per client address. A
    refused request sends nothing and raises ``VerificationError("rate_limited")``.
    """
    limits = (
        ("phone-code-interval", phone, settings.PHONE_CODE_RATE_INTERVAL),
        ("phone-code-phone", phone, settings.PHONE_CODE_RATE_PHONE),
        ("phone-code-ip", client, settings.PHONE_CODE_RATE_IP),
    )
    # Every limit counts every request (a list first: no short cut).
    hits = [rate_limit_hit(scope=scope, key=key, rate=rate) for scope, key, rate in limits]
    if any(hits):
        raise VerificationError(
            _(
                "Too many codes were asked for in a short time. Please wait a minute (or up "
                "to an hour after several codes) and try again."
            ),
            code="rate_limited",
        )
    now = now or timezone.now()
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    minutes = settings.PHONE_CODE_MINUTES
    expires_at = now + datetime.timedelta(minutes=minutes)
    with transaction.atomic():
        row = PhoneCode.objects.create(
            phone=phone,
            code_hash=_code_hash(phone, code),
            expires_at=expires_at,
            user=user if user is not None and user.is_authenticated else None,
        )
        text_write(
            phone=phone,
            template="verify_code",
            params={"code": code, "minutes": str(minutes)},
            language=language,
            expires_at=expires_at,
        )
    logger.info("Verification code %s written to the outbox", row.pk)
    return row


def phone_code_check(
    *, phone: str, code: str, user=None, now: datetime.datetime | None = None
) -> PhoneCode:
    """Accept ``code`` for ``phone``: the latest code sent to the number, unexpired and not
    used. Returns the verified ``PhoneCode`` (with the account, if ``user`` is signed in);
    raises ``VerificationError`` otherwise. Each wrong guess is counted in the database
    before the answer, so parallel guesses cannot exceed ``MAX_ATTEMPTS``."""
    now = now or timezone.now()
    code = "".join((code or "").split())
    latest = PhoneCode.objects.filter(phone=phone).order_by("-created_at", "-pk").first()
    if latest is None or latest.verified_at is not None or latest.expires_at <= now:
        raise VerificationError(
            _("There is no valid code for this number. Press “Send code” to get a new one."),
            code="no_code",
        )
    # Claim one attempt first: the update counts it only while attempts remain.
    claimed = PhoneCode.objects.filter(pk=latest.pk, attempts__lt=MAX_ATTEMPTS).update(
        attempts=F("attempts") + 1
    )
    if not claimed:
        raise VerificationError(
            _("Too many wrong codes. Press “Send code” to get a new one."),
            code="attempts_exhausted",
        )
    if not constant_time_compare(latest.code_hash, _code_hash(phone, code)):
        left = MAX_ATTEMPTS - latest.attempts - 1
        if left <= 0:
            raise VerificationError(
                _("Too many wrong codes. Press “Send code” to get a new one."),
                code="attempts_exhausted",
                attempts_left=0,
            )
        raise VerificationError(
            ngettext(
                "This is not the code we sent. %(count)d try left.",
                "This is not the code we sent. %(count)d tries left.",
                left,
            )
            % {"count": left},
            code="wrong_code",
            attempts_left=left,
        )
    # The right code: spent at once (a second use finds it verified), the guess not counted.
    used = PhoneCode.objects.filter(pk=latest.pk, verified_at__isnull=True).update(
        verified_at=now,
        attempts=F("attempts") - 1,
        user=user if user is not None and user.is_authenticated else latest.user,
    )
    if not used:
        raise VerificationError(
            _("There is no valid code for this number. Press “Send code” to get a new one."),
            code="no_code",
        )
    latest.refresh_from_db()
    return latest


def phone_verified_on_account(*, user, phone: str, now: datetime.datetime | None = None) -> bool:
    """Whether the signed-in ``user`` proved ``phone`` within ``PHONE_VERIFICATION_DAYS``."""
    if user is None or not user.is_authenticated:
        return False
    now = now or timezone.now()
    since = now - datetime.timedelta(days=settings.PHONE_VERIFICATION_DAYS)
    return PhoneCode.objects.filter(user=user, phone=phone, verified_at__gte=since).exists()
