"""Personal data: the retention purge, a user's own data export, and account deletion.

Anonymising, not deleting: registrations, consultations and lab visits stay (their state,
party or group size, times and check-ins feed the statistics, and consultations and
visits are the enterprises' records), but what identifies a person is overwritten. What
each app keeps and overwrites is told in its own ``privacy.py``.

This module holds the orchestration; each app that keeps personal data registers a
``PersonalData`` handler from its ``AppConfig.ready()`` (``personal_data_register``):
what the export shows of a user, how the user's rows are erased when the account is
deleted, what the retention purge overwrites or deletes, and whether the user still has
bookings to come. Handlers run in the order of their ``order`` number (the ``ORDER_*``
constants below), which fixes the order of the export's parts and of the purge's counts.

Each purge step selects rows that still carry personal data, so running the purge again
changes nothing, and works in batches of ``BATCH_SIZE`` rows, one short transaction each.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.audit import PRIVACY_EXPORT, audit_log
from portal.errors import DomainError

BATCH_SIZE = 500

# Written in place of a person's name. Language-neutral on purpose: it is stored once and
# read by staff of either language.
ANONYMISED_NAME = "***"

# The order of the registered handlers: the export's parts, the purge's counts and the
# erasure steps follow it.
ORDER_ENTERPRISE_MEMBERSHIPS = 10
ORDER_REGISTRATIONS = 20
ORDER_CONSULTATIONS = 30
ORDER_LAB_VISITS = 40
ORDER_NEEDS = 42
ORDER_RATINGS = 45
ORDER_EXPERTS = 50
ORDER_NOTIFICATIONS = 60
ORDER_REMINDERS = 70
ORDER_WEBHOOKS = 75


@dataclass(frozen=True)
class PersonalData:
    """What one app does with the personal data it keeps.

    ``name`` is the key of the export's part and of the purge's count. Every callable is
    optional: ``export(user)`` returns the part's rows (each export part is counted in the
    audit entry); ``erase(user)`` anonymises or removes the user's rows inside the account
    deletion's transaction; ``purge(cutoff)`` anonymises or deletes what was kept past the
    retention time and returns the rows changed; ``has_open_bookings(user, now)`` says
    whether the user still has something to come, which refuses the account deletion.
    """

    name: str
    order: int
    export: Callable[[AbstractBaseUser], list[dict]] | None = None
    erase: Callable[[AbstractBaseUser], None] | None = None
    purge: Callable[[datetime.datetime], int] | None = None
    has_open_bookings: Callable[[AbstractBaseUser, datetime.datetime], bool] | None = None


@dataclass(frozen=True)
class AccountDetail:
    """One value of the export's ``account`` part kept by another app (the language)."""

    name: str
    value: Callable[[AbstractBaseUser], object]


_handlers: dict[str, PersonalData] = {}
_account_details: dict[str, AccountDetail] = {}


def personal_data_register(handler: PersonalData) -> None:
    """Register ``handler`` (from an ``AppConfig.ready()``); registering a name again
    replaces the earlier handler."""
    _handlers[handler.name] = handler


def account_detail_register(detail: AccountDetail) -> None:
    """Add a value to the export's ``account`` part, after the user's names."""
    _account_details[detail.name] = detail


def personal_data_handlers() -> list[PersonalData]:
    """The registered handlers in their order."""
    return sorted(_handlers.values(), key=lambda h: (h.order, h.name))


class PrivacyError(DomainError):
    """A refused request about personal data; ``code`` is machine-readable."""


# --- Retention ---------------------------------------------------------------------------


def update_in_batches(queryset: models.QuerySet, values: dict) -> int:
    """Apply ``values`` to every row of ``queryset`` (which must stop matching a row once
    updated), ``BATCH_SIZE`` rows per transaction. Returns the rows changed."""
    model = queryset.model
    total = 0
    while True:
        pks = list(queryset.order_by("pk").values_list("pk", flat=True)[:BATCH_SIZE])
        if not pks:
            return total
        with transaction.atomic():
            total += model.objects.filter(pk__in=pks).update(**values)


def delete_in_batches(queryset: models.QuerySet) -> int:
    """Delete every row of ``queryset``, ``BATCH_SIZE`` rows per transaction. Returns the
    rows deleted."""
    model = queryset.model
    total = 0
    while True:
        pks = list(queryset.order_by("pk").values_list("pk", flat=True)[:BATCH_SIZE])
        if not pks:
            return total
        with transaction.atomic():
            model.objects.filter(pk__in=pks).delete()
        total += len(pks)


def personal_data_purge(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Anonymise personal data kept longer than ``PERSONAL_DATA_RETENTION_DAYS`` after the
    campaign or appointment ended, and delete old reminder rows. Idempotent; statistics
    computed from these rows do not change. Returns the rows changed per kind."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.PERSONAL_DATA_RETENTION_DAYS)
    return {h.name: h.purge(cutoff) for h in personal_data_handlers() if h.purge is not None}


# --- A user's own data -------------------------------------------------------------------


def iso(value: datetime.datetime | datetime.date | None) -> str | None:
    """``value`` in ISO 8601 for the export, or None."""
    return value.isoformat() if value is not None else None


def personal_data_export(*, user: AbstractBaseUser) -> dict:
    """Everything the portal keeps about ``user``, as JSON-ready values. Phone numbers are
    shown as stored: they are the user's own. Each export is written to the audit log
    (``portal.privacy_export``, with the number of rows of each kind)."""
    email_addresses = []
    if apps.is_installed("allauth.account"):
        from allauth.account.models import EmailAddress

        email_addresses = [
            {"email": e.email, "verified": e.verified, "primary": e.primary}
            for e in EmailAddress.objects.filter(user=user).order_by("pk")
        ]
    account = {
        "username": user.get_username(),
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
    }
    for detail in _account_details.values():
        account[detail.name] = detail.value(user)
    account.update(
        {
            "date_joined": iso(user.date_joined),
            "last_login": iso(user.last_login),
            "email_addresses": email_addresses,
        }
    )
    export = {"generated_at": iso(timezone.now()), "account": account}
    counted = []
    for handler in personal_data_handlers():
        if handler.export is not None:
            export[handler.name] = handler.export(user)
            counted.append(handler.name)
    audit_log(
        instance=user,
        action=PRIVACY_EXPORT,
        by=user,
        data={"user_id": user.pk, **{kind: len(export[kind]) for kind in counted}},
    )
    return export


# --- Deleting an account -----------------------------------------------------------------


def _has_open_bookings(user: AbstractBaseUser, now: datetime.datetime) -> bool:
    return any(
        h.has_open_bookings(user, now)
        for h in personal_data_handlers()
        if h.has_open_bookings is not None
    )


def _account_scrub(user: AbstractBaseUser) -> None:
    """Keep the row (bookings point at it with PROTECT) but nothing that identifies the
    person, and make it impossible to sign in with."""
    user.username = f"deleted-{user.pk}"
    user.email = ""
    user.first_name = ""
    user.last_name = ""
    user.is_active = False
    # Also invalidates the sessions of every other device (the session hash changes).
    user.set_unusable_password()
    user.save()


def account_delete(*, user: AbstractBaseUser, password: str) -> bool:
    """Delete the signed-in ``user``'s account after checking their password.

    Their registrations, consultation requests and lab visit requests are anonymised
    (not deleted: statistics and the enterprises' records stay), their memberships and
    institution-contact roles end, their notifications and preferences are deleted. The
    user row is deleted when nothing protects it; consultations and lab visits point at
    their requester with ``PROTECT``, so then the row stays, scrubbed and deactivated.
    Returns True if the row was deleted.

    Error codes: ``wrong_password``; ``staff`` (accounts that may use the admin are
    closed by an administrator: they sign page revisions and audit trails);
    ``open_bookings`` (registrations, consultations or lab visits still to come must be
    cancelled first).
    """
    if not user.check_password(password):
        raise PrivacyError(_("The password is not correct."), code="wrong_password")
    if user.is_staff or user.is_superuser or user.has_perm("wagtailadmin.access_admin"):
        raise PrivacyError(
            _("Staff accounts are closed by an administrator of the portal."), code="staff"
        )
    now = timezone.now()
    with transaction.atomic():
        # Locked so that a repeated request (a double click, two tabs) runs once at a time.
        user = get_user_model().objects.select_for_update().get(pk=user.pk)
        if _has_open_bookings(user, now):
            raise PrivacyError(
                _(
                    "You still have registrations, consultations or lab visits to come. "
                    "Cancel them first, then delete your account."
                ),
                code="open_bookings",
            )
        # Each app's rows, in the handlers' order (the steps touch separate tables).
        for handler in personal_data_handlers():
            if handler.erase is not None:
                handler.erase(user)
        if apps.is_installed("allauth.account"):
            from allauth.account.models import EmailAddress

            EmailAddress.objects.filter(user=user).delete()
        try:
            # Protected rows are found before anything is deleted; the savepoint is for
            # safety only.
            with transaction.atomic():
                user.delete()
            return True
        except ProtectedError:
            _account_scrub(user)
            return False
