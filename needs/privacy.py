"""Personal data of supply-demand matching (``portal.privacy``).

Needs stay (they are the enterprises' records and feed the statistics); the contact person
and phone a member gave are overwritten when the member's account is deleted, and for every
need once its deadline is older than the retention time. Offers carry no personal data
beyond the account that sent them (set to empty when the account goes).
"""

from __future__ import annotations

import datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Q

from needs.models import Need, Offer
from portal.privacy import (
    ANONYMISED_NAME,
    ORDER_NEEDS,
    PersonalData,
    iso,
    personal_data_register,
    update_in_batches,
)

NEED_ANONYMOUS = {"contact_name": ANONYMISED_NAME, "contact_phone": ""}
NEED_HAS_PERSONAL_DATA = ~Q(contact_name=ANONYMISED_NAME) | ~Q(contact_phone="")


def needs_anonymise_ended(*, cutoff: datetime.datetime) -> int:
    """Anonymise the contact of needs whose deadline lies before ``cutoff``."""
    queryset = Need.objects.filter(deadline__lt=cutoff.date()).filter(NEED_HAS_PERSONAL_DATA)
    return update_in_batches(queryset, NEED_ANONYMOUS)


def needs_export(user: AbstractBaseUser) -> list[dict]:
    needs = [
        {
            "kind": "need",
            "title": n.title,
            "enterprise": n.enterprise.name,
            "state": n.state,
            "deadline": iso(n.deadline),
            "description": n.description,
            "budget": n.budget_note,
            "contact_name": n.contact_name,
            "contact_phone": n.contact_phone,
            "posted_at": iso(n.created_at),
        }
        for n in Need.objects.filter(posted_by=user).select_related("enterprise").order_by("pk")
    ]
    offers = [
        {
            "kind": "offer",
            "need": o.need.title,
            "responder": o.responder_name,
            "state": o.state,
            "message": o.message,
            "approach": o.approach,
            "fee": o.fee_note,
            "earliest_start": iso(o.earliest_start),
            "sent_at": iso(o.created_at),
        }
        for o in Offer.objects.filter(submitted_by=user)
        .select_related("need", "institution", "expert")
        .order_by("pk")
    ]
    return needs + offers


def needs_erase(user: AbstractBaseUser) -> None:
    Need.objects.filter(posted_by=user).update(**NEED_ANONYMOUS)


NEEDS = PersonalData(
    name="needs",
    order=ORDER_NEEDS,
    export=needs_export,
    erase=needs_erase,
    purge=lambda cutoff: needs_anonymise_ended(cutoff=cutoff),
)


def personal_data_handlers_register() -> None:
    """Called from ``AppConfig.ready()``."""
    personal_data_register(NEEDS)
