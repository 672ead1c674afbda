"""Personal data of lab visits and institution contacts (``portal.privacy``).

Lab visits stay (they are the enterprises' records and feed the statistics); their contact
name and phone and the visitors' names are overwritten. The purpose stays (business data);
the ticket code stays (unique, not personal, useless once the slot has passed). A deleted
account's institution-contact roles end.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Q

from labvisits.models import HOLDING_STATES, InstitutionContact, LabVisit
from portal.privacy import (
    ANONYMISED_NAME,
    ORDER_LAB_VISITS,
    PersonalData,
    iso,
    personal_data_register,
    update_in_batches,
)

LAB_VISIT_ANONYMOUS = {"contact_name": ANONYMISED_NAME, "contact_phone": "", "visitor_names": ""}
LAB_VISIT_HAS_PERSONAL_DATA = (
    ~Q(contact_name=ANONYMISED_NAME) | ~Q(contact_phone="") | ~Q(visitor_names="")
)


def lab_visits_anonymise_ended(*, cutoff: datetime.datetime) -> int:
    """Anonymise the contact and visitors of lab visits whose slot ended before ``cutoff``."""
    queryset = LabVisit.objects.filter(slot__ends_at__lt=cutoff).filter(LAB_VISIT_HAS_PERSONAL_DATA)
    return update_in_batches(queryset, LAB_VISIT_ANONYMOUS)


def lab_visits_export(user: AbstractBaseUser) -> list[dict]:
    lab_visits = (
        LabVisit.objects.filter(requested_by=user)
        .select_related("slot__lab", "enterprise")
        .order_by("slot__starts_at", "pk")
    )
    return [
        {
            "lab": v.slot.lab.name,
            "enterprise": v.enterprise.name,
            "starts_at": iso(v.slot.starts_at),
            "ends_at": iso(v.slot.ends_at),
            "state": v.state,
            "group_size": v.group_size,
            "purpose": v.purpose,
            "visitor_names": v.visitor_names,
            "contact_name": v.contact_name,
            "contact_phone": v.contact_phone,
            "ticket_code": v.ticket_code,
            "requested_at": iso(v.created_at),
        }
        for v in lab_visits
    ]


def lab_visits_erase(user: AbstractBaseUser) -> None:
    LabVisit.objects.filter(requested_by=user).update(**LAB_VISIT_ANONYMOUS)
    InstitutionContact.objects.filter(user=user).delete()


def lab_visits_open(user: AbstractBaseUser, now: datetime.datetime) -> bool:
    return LabVisit.objects.filter(
        requested_by=user, state__in=HOLDING_STATES, slot__ends_at__gt=now
    ).exists()


LAB_VISITS = PersonalData(
    name="lab_visits",
    order=ORDER_LAB_VISITS,
    export=lab_visits_export,
    erase=lab_visits_erase,
    purge=lambda cutoff: lab_visits_anonymise_ended(cutoff=cutoff),
    has_open_bookings=lab_visits_open,
)


def personal_data_handlers_register() -> None:
    """Called from ``AppConfig.ready()``."""
    personal_data_register(LAB_VISITS)
