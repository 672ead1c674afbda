"""Reads for the lab-visit pages: who may see what, slots with places left, dashboards.

Who is a party to a visit:
- the members (approved) of the enterprise that requested it;
- the contacts of the lab's institution (an ``InstitutionContact`` row linking the user to
  the institution page; the labs live on the default-language page, so contacts are matched
  by the page's ``translation_key`` and a link to a translation works too);
- regulator staff with ``labvisits.view_labvisit``.
Everyone else gets a 404 from the views, never a hint that the visit exists.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from wagtail.models import Locale

from enterprises.models import Membership
from experts.models import InstitutionPage, Lab
from labvisits.models import HOLDING_STATES, InstitutionContact, LabVisit, VisitSlot

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django_stubs_ext import WithAnnotations


class SlotPlaces(TypedDict):
    """The people counts ``slots_with_places`` annotates."""

    places_taken: int
    approved_people: int
    requested_people: int
    arrived_people: int


def slots_with_places() -> QuerySet[WithAnnotations[VisitSlot, SlotPlaces]]:
    """Visit slots annotated with ``places_taken`` (requested + approved people), the
    ``approved_people``, ``requested_people`` and ``arrived_people``."""

    def people(condition: Q):
        return Coalesce(Sum("visits__group_size", filter=condition), 0)

    return VisitSlot.objects.annotate(
        places_taken=people(Q(visits__state__in=HOLDING_STATES)),
        approved_people=people(Q(visits__state=LabVisit.State.APPROVED)),
        requested_people=people(Q(visits__state=LabVisit.State.REQUESTED)),
        arrived_people=people(
            Q(visits__state=LabVisit.State.APPROVED, visits__checked_in_at__isnull=False)
        ),
    )


def slot_places_taken(*, slot: VisitSlot) -> int:
    """People holding places in ``slot`` (requested or approved). Call under the slot lock
    when the answer decides a write."""
    return LabVisit.objects.filter(slot=slot, state__in=HOLDING_STATES).aggregate(
        n=Coalesce(Sum("group_size"), 0)
    )["n"]


def contact_institution_keys(*, user: User) -> set:
    """Translation keys of the institutions ``user`` is a contact of."""
    if not user.is_authenticated:
        return set()
    return set(
        InstitutionContact.objects.filter(user=user).values_list(
            "institution__translation_key", flat=True
        )
    )


def user_is_contact(*, user: User) -> bool:
    return user.is_authenticated and InstitutionContact.objects.filter(user=user).exists()


def user_is_contact_for_lab(*, user: User, lab: Lab) -> bool:
    """Whether ``user`` is a contact of the institution that owns ``lab``."""
    if not user.is_authenticated:
        return False
    return InstitutionContact.objects.filter(
        user=user, institution__translation_key=lab.institution.translation_key
    ).exists()


def contacts_for_lab(*, lab: Lab) -> list[User]:
    """The users who handle visits to ``lab``'s institution (active accounts only)."""
    return [
        c.user
        for c in InstitutionContact.objects.filter(
            institution__translation_key=lab.institution.translation_key, user__is_active=True
        )
        .select_related("user")
        .order_by("pk")
    ]


def user_is_enterprise_member(*, user: User, enterprise_id: int) -> bool:
    return (
        user.is_authenticated
        and Membership.objects.filter(
            user=user, enterprise_id=enterprise_id, status=Membership.Status.APPROVED
        ).exists()
    )


def labs_for_contact(*, user: User) -> QuerySet[Lab]:
    """The labs of the institutions ``user`` is a contact of (default-language rows)."""
    return Lab.objects.filter(
        institution__translation_key__in=contact_institution_keys(user=user),
        institution__locale_id=Locale.get_default().pk,
    ).order_by("institution__title", "sort_order", "pk")


def _visit_qs() -> QuerySet[LabVisit]:
    return LabVisit.objects.select_related("slot__lab__institution", "enterprise", "requested_by")


def visit_for_user(*, user: User, pk: int) -> LabVisit | None:
    """The visit if ``user`` is a party to it (see the module docstring), else None."""
    if not user.is_authenticated:
        return None
    visit = _visit_qs().filter(pk=pk).first()
    if visit is None:
        return None
    if visit_role(user=user, visit=visit) is None:
        return None
    return visit


def visit_role(*, user: User, visit: LabVisit) -> str | None:
    """``"enterprise"``, ``"contact"``, ``"staff"`` or None (not a party)."""
    if user_is_enterprise_member(user=user, enterprise_id=visit.enterprise_id):
        return "enterprise"
    if user_is_contact_for_lab(user=user, lab=visit.slot.lab):
        return "contact"
    if user.has_perm("labvisits.view_labvisit"):
        return "staff"
    return None


def visit_list_for_enterprise(*, enterprise_id: int) -> QuerySet[LabVisit]:
    return _visit_qs().filter(enterprise_id=enterprise_id).order_by("-slot__starts_at", "-pk")


def visit_list_for_contact(*, user: User) -> QuerySet[LabVisit]:
    return _visit_qs().filter(
        slot__lab__institution__translation_key__in=contact_institution_keys(user=user)
    )


def institution_titles(*, institutions: list[InstitutionPage]) -> dict[int, InstitutionPage]:
    """Each (default-language) institution's live page in the active language, falling back
    to the page itself: ``{default page id: page to show}``. One query."""
    keys = {i.translation_key for i in institutions}
    translated = {
        p.translation_key: p
        for p in InstitutionPage.objects.live().filter(
            translation_key__in=keys, locale=Locale.get_active()
        )
    }
    return {i.pk: translated.get(i.translation_key, i) for i in institutions}


@dataclass(frozen=True)
class LabOffer:
    """A lab accepting visits on the "request a visit" page, with its upcoming slots."""

    lab: Lab
    institution: InstitutionPage
    slots: list[VisitSlot]


def lab_offer_list(*, now: datetime.datetime | None = None) -> list[LabOffer]:
    """Labs of live institutions that accept visits, each with its slots that have not
    started (annotated with places), soonest first. Three queries."""
    now = now or timezone.now()
    labs = list(
        Lab.objects.filter(
            accepts_visits=True,
            institution__live=True,
            institution__locale_id=Locale.get_default().pk,
        )
        .select_related("institution")
        .prefetch_related(
            Prefetch(
                "visit_slots",
                queryset=slots_with_places().filter(starts_at__gt=now).order_by("starts_at", "pk"),
                to_attr="upcoming_slots",
            )
        )
        .order_by("institution__title", "sort_order", "pk")
    )
    pages = institution_titles(institutions=[lab.institution for lab in labs])
    for lab in labs:
        for slot in lab.upcoming_slots:
            slot.places_left = max(slot.capacity - slot.places_taken, 0)
    return [
        LabOffer(lab=lab, institution=pages[lab.institution_id], slots=lab.upcoming_slots)
        for lab in labs
    ]


def slot_list_for_checkin(
    *, user: User, now: datetime.datetime | None = None, past_days: int = 14
) -> tuple[
    list[WithAnnotations[VisitSlot, SlotPlaces]], list[WithAnnotations[VisitSlot, SlotPlaces]]
]:
    """Visit slots for the check-in picker: (today and later, soonest first; the last
    ``past_days`` days, latest first). Check-in staff see every lab's slots, a contact
    only those of their institutions. Slots without an approved visit are left out."""
    now = now or timezone.now()
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    qs = (
        slots_with_places()
        .filter(ends_at__gte=today - datetime.timedelta(days=past_days))
        .filter(approved_people__gt=0)
        .select_related("lab__institution")
        .order_by("starts_at", "pk")
    )
    if not user.has_perm("events.check_in"):
        qs = qs.filter(lab__institution__translation_key__in=contact_institution_keys(user=user))
    slots = list(qs)
    upcoming = [s for s in slots if s.ends_at >= today]
    earlier = [s for s in slots if s.ends_at < today]
    earlier.reverse()
    return upcoming, earlier


def visit_slot_counts(*, slot_id: int) -> dict[str, int] | None:
    """The door's counters of a visit slot, in people, from one query: ``arrived``
    (checked in), ``expected`` (approved, not arrived yet), ``approved``, ``requested``
    (waiting for a decision), ``places_left`` and ``capacity``. None if no such slot."""
    row = (
        slots_with_places()
        .filter(pk=slot_id)
        .values("capacity", "places_taken", "approved_people", "requested_people", "arrived_people")
        .first()
    )
    if row is None:
        return None
    return {
        "arrived": row["arrived_people"],
        "expected": row["approved_people"] - row["arrived_people"],
        "approved": row["approved_people"],
        "requested": row["requested_people"],
        "places_left": max(row["capacity"] - row["places_taken"], 0),
        "capacity": row["capacity"],
    }
