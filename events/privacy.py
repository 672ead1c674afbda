"""Personal data of open-day registrations (``portal.privacy``).

Registrations are anonymised, not deleted (their state, party size and check-ins feed the
statistics): name → ``ANONYMISED_NAME``; phone, e-mail and organisation cleared; the
account link and the ticket code (a bearer credential of the QR ticket) removed. A cleared
phone is "" on purpose: the partial unique constraint ``registration_one_active_per_phone``
leaves phone="" out, so any number of anonymised rows of one session can coexist. Consent
time and notice version stay: they prove consent was given and say nothing about who gave
it.
"""

from __future__ import annotations

import datetime
import functools
import operator

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Q
from django.utils import timezone

from events.models import ActivityPage, OpenDayIndexPage, Registration
from portal.privacy import (
    ANONYMISED_NAME,
    ORDER_REGISTRATIONS,
    PersonalData,
    iso,
    personal_data_register,
    update_in_batches,
)

REGISTRATION_ANONYMOUS = {
    "name": ANONYMISED_NAME,
    "phone": "",
    "email": "",
    "organisation": "",
    "user": None,
    "ticket_code": None,
    "browser_key": "",
}
# Rows that still hold any of the fields above: the exact negation of the values, so a
# batch loop over it always ends.
REGISTRATION_HAS_PERSONAL_DATA = (
    ~Q(name=ANONYMISED_NAME)
    | ~Q(phone="")
    | ~Q(email="")
    | ~Q(organisation="")
    | Q(user__isnull=False)
    | Q(ticket_code__isnull=False)
    | ~Q(browser_key="")
)


def registrations_anonymise_ended(*, cutoff: datetime.datetime) -> int:
    """Anonymise the registrations of sessions of campaigns whose last day is before
    ``cutoff``'s local date. Returns the rows changed."""
    cutoff_date = timezone.localdate(cutoff)
    # Sessions belong to the default-language activity pages; campaigns are their parents
    # in the page tree (a campaign's translation has no sessions below it).
    paths = list(
        OpenDayIndexPage.objects.filter(end_date__lt=cutoff_date).values_list("path", flat=True)
    )
    if not paths:
        return 0
    below = functools.reduce(operator.or_, (Q(path__startswith=p) for p in paths))
    activities = ActivityPage.objects.filter(below).values("pk")
    queryset = Registration.objects.filter(session__activity__in=activities).filter(
        REGISTRATION_HAS_PERSONAL_DATA
    )
    return update_in_batches(queryset, REGISTRATION_ANONYMOUS)


def registrations_export(user: AbstractBaseUser) -> list[dict]:
    registrations = (
        Registration.objects.filter(user=user)
        .select_related("session__activity")
        .order_by("session__starts_at", "pk")
    )
    return [
        {
            "activity": r.session.activity.title,
            "session_starts_at": iso(r.session.starts_at),
            "session_ends_at": iso(r.session.ends_at),
            "status": r.status,
            "party_size": r.party_size,
            "name": r.name,
            "phone": r.phone,
            "email": r.email,
            "organisation": r.organisation,
            "ticket_code": r.ticket_code,
            "registered_at": iso(r.created_at),
            "consent_at": iso(r.consent_at),
            "consent_version": r.consent_version,
            "checked_in_at": iso(r.checked_in_at),
        }
        for r in registrations
    ]


def registrations_erase(user: AbstractBaseUser) -> None:
    Registration.objects.filter(user=user).update(**REGISTRATION_ANONYMOUS)


def registrations_open(user: AbstractBaseUser, now: datetime.datetime) -> bool:
    return Registration.objects.filter(
        user=user, status__in=Registration.ACTIVE_STATUSES, session__ends_at__gt=now
    ).exists()


REGISTRATIONS = PersonalData(
    name="registrations",
    order=ORDER_REGISTRATIONS,
    export=registrations_export,
    erase=registrations_erase,
    purge=lambda cutoff: registrations_anonymise_ended(cutoff=cutoff),
    has_open_bookings=registrations_open,
)


def personal_data_handlers_register() -> None:
    """Called from ``AppConfig.ready()``."""
    personal_data_register(REGISTRATIONS)
