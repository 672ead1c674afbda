"""Personal data of expert consultations (``portal.privacy``).

Consultations stay (they are the enterprises' records and feed the statistics); their
contact name and phone are overwritten. The problem description, topic, summary,
recommendations and attachments are the enterprise's business data and stay (its rating is
a ``ratings.Rating``: ``ratings.privacy``).
"""

from __future__ import annotations

import datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Q

from consultations.models import ACTIVE_STATES, Consultation
from portal.privacy import (
    ANONYMISED_NAME,
    ORDER_CONSULTATIONS,
    PersonalData,
    iso,
    personal_data_register,
    update_in_batches,
)

CONSULTATION_ANONYMOUS = {"contact_name": ANONYMISED_NAME, "contact_phone": ""}
CONSULTATION_HAS_PERSONAL_DATA = ~Q(contact_name=ANONYMISED_NAME) | ~Q(contact_phone="")

# Consultations without a time (declined or cancelled before one was chosen) count from
# their last change, once they can no longer change.
CONSULTATION_FINISHED_STATES = (
    Consultation.State.DECLINED,
    Consultation.State.CANCELLED,
    Consultation.State.COMPLETED,
    Consultation.State.NO_SHOW,
)


def consultations_anonymise_ended(*, cutoff: datetime.datetime) -> int:
    """Anonymise the contact of consultations whose appointment ended before ``cutoff``
    (or, without an appointment, that finished and last changed before it)."""
    ended = Q(ends_at__lt=cutoff) | Q(
        ends_at__isnull=True, updated_at__lt=cutoff, state__in=CONSULTATION_FINISHED_STATES
    )
    queryset = Consultation.objects.filter(ended).filter(CONSULTATION_HAS_PERSONAL_DATA)
    return update_in_batches(queryset, CONSULTATION_ANONYMOUS)


def consultations_export(user: AbstractBaseUser) -> list[dict]:
    consultations = (
        Consultation.objects.filter(requested_by=user)
        .select_related("enterprise")
        .order_by("created_at", "pk")
    )
    return [
        {
            "reference": c.reference,
            "enterprise": c.enterprise.name,
            "service": c.service,
            "topic": c.topic,
            "description": c.description,
            "state": c.state,
            "starts_at": iso(c.starts_at),
            "ends_at": iso(c.ends_at),
            "contact_name": c.contact_name,
            "contact_phone": c.contact_phone,
            "requested_at": iso(c.created_at),
        }
        for c in consultations
    ]


def consultations_erase(user: AbstractBaseUser) -> None:
    Consultation.objects.filter(requested_by=user).update(**CONSULTATION_ANONYMOUS)


def consultations_open(user: AbstractBaseUser, now: datetime.datetime) -> bool:
    return (
        Consultation.objects.filter(requested_by=user, state__in=ACTIVE_STATES)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .exists()
    )


CONSULTATIONS = PersonalData(
    name="consultations",
    order=ORDER_CONSULTATIONS,
    export=consultations_export,
    erase=consultations_erase,
    purge=lambda cutoff: consultations_anonymise_ended(cutoff=cutoff),
    has_open_bookings=consultations_open,
)


def personal_data_handlers_register() -> None:
    """Called from ``AppConfig.ready()``."""
    personal_data_register(CONSULTATIONS)
