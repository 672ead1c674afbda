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

from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from wagtail.models import Locale

from enterprises.models import Membership
from experts.models import InstitutionPage, Lab
from labvisits.models import HOLDING_STATES, InstitutionContact, Instrument, LabVisit, VisitSlot
from portal.choices import area_filter

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
    return LabVisit.objects.select_related(
        "slot__lab__institution", "slot__instrument", "enterprise", "requested_by"
    )


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
                queryset=slots_with_places()
                # Machine time on shared instruments is offered on the instrument pages.
                .filter(starts_at__gt=now, instrument__isnull=True)
                .order_by("starts_at", "pk"),
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
        .select_related("lab__institution", "instrument")
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


# --- Shared instruments (machine time) ---------------------------------------------------


def instrument_list(
    *, field: str = "", institution_id: int | None = None, query: str = ""
) -> QuerySet[Instrument]:
    """Shared instruments of live institutions, shown in the catalogue: active ones, in
    ``field`` and at ``institution_id`` (a default-language page) when given, whose name,
    model or capability (either language) contains ``query``. Institution, lab and photo
    come with them."""
    qs = Instrument.objects.filter(active=True, institution__live=True).select_related(
        "institution", "lab", "photo"
    )
    if field:
        qs = qs.filter(field=field)
    if institution_id:
        qs = qs.filter(institution_id=institution_id)
    query = query.strip()
    if query:
        qs = qs.filter(
            Q(name__icontains=query)
            | Q(name_en__icontains=query)
            | Q(model_name__icontains=query)
            | Q(capability__icontains=query)
            | Q(capability_en__icontains=query)
        )
    return qs.order_by("institution__title", "name", "pk")


def instrument_institutions() -> list[InstitutionPage]:
    """The (default-language) institutions sharing at least one instrument, by title."""
    return list(
        InstitutionPage.objects.live().filter(instruments__active=True).distinct().order_by("title")
    )


def instrument_free_slots(
    *, instrument: Instrument, now: datetime.datetime | None = None
) -> list[VisitSlot]:
    """The instrument's machine-time slots that have not started and have a place left,
    soonest first, each with ``places_left``. None unless its lab accepts visits."""
    now = now or timezone.now()
    lab = instrument.lab
    if lab is None or not lab.accepts_visits:
        return []
    slots = list(
        slots_with_places()
        .filter(instrument=instrument, lab_id=lab.pk, starts_at__gt=now)
        .order_by("starts_at", "pk")
    )
    free: list[VisitSlot] = []
    for slot in slots:
        left = max(slot.capacity - slot.places_taken, 0)
        if left:
            slot.places_left = left  # type: ignore[attr-defined]
            free.append(slot)
    return free


def institution_instruments_context(page: InstitutionPage) -> dict:
    """The institution page's shared instruments, whatever the page's language (a section
    of ``experts.registry``)."""
    return {
        "instruments": list(
            Instrument.objects.filter(
                active=True,
                institution__translation_key=page.translation_key,
                institution__locale_id=Locale.get_default().pk,
            )
            .select_related("lab")
            .order_by("name", "pk")
        )
    }


class MachineTimeRow(TypedDict):
    institution_id: int
    field: str
    requests: int
    approved: int
    attended: int


def machine_time_counts(
    *,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    area: str = "",
) -> list[MachineTimeRow]:
    """Machine-time requests per institution and testing field: ``requests`` (every
    request), ``approved`` (approved, including later no-shows) and ``attended`` (checked
    in), by the slot's local start date within the given days, of institutions in ``area``
    (a district or a functional zone, as the lab-visit figures) when given. Lab visits
    (slots without an instrument) are not counted. One query."""
    qs = LabVisit.objects.filter(
        slot__instrument__isnull=False,
        **area_filter(area, prefix="slot__instrument__institution__"),
    )
    if date_from:
        qs = qs.filter(slot__starts_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(slot__starts_at__date__lte=date_to)
    State = LabVisit.State
    rows = (
        qs.order_by()
        .values(
            institution_id=F("slot__instrument__institution_id"),
            field=F("slot__instrument__field"),
        )
        .annotate(
            requests=Count("pk"),
            approved=Count("pk", filter=Q(state__in=(State.APPROVED, State.NO_SHOW))),
            attended=Count("pk", filter=Q(checked_in_at__isnull=False)),
        )
        .order_by("institution_id", "field")
    )
    return [MachineTimeRow(**row) for row in rows]
