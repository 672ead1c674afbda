"""Reads for the needs board and a need's page: who may see what, and the counts.

Who sees what of a need:
- everyone: an open need before its deadline (title, field, district, deadline,
  description), without the enterprise's name or contact;
- the enterprise's approved members: all of their needs, the offers and the contact;
- regulator staff (``needs.view_need``): everything;
- a responder (an institution through its contacts, or an expert): the needs it made an
  offer on, and the enterprise's name and contact once its offer was accepted.
Everyone else gets a 404 from the views for a need that is not on the board.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enterprises.models import Membership
from experts.models import Expert, InstitutionPage
from labvisits.models import InstitutionContact
from needs.models import Need, Offer

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# The shown state of an open need past its deadline (not stored: computed from the date).
EXPIRED = "expired"
STATE_LABELS = {**dict(Need.State.choices), EXPIRED: _("Expired")}


def need_state(*, need: Need, today: datetime.date | None = None) -> str:
    """``open``, ``matched``, ``closed`` or ``expired`` (open and past its deadline)."""
    today = today or timezone.localdate()
    if need.state == Need.State.OPEN and need.deadline < today:
        return EXPIRED
    return need.state


def need_state_label(*, state: str) -> str:
    return str(STATE_LABELS[state])


def need_is_open(*, need: Need, today: datetime.date | None = None) -> bool:
    """Whether the need still takes offers (open, deadline not passed)."""
    return need_state(need=need, today=today) == Need.State.OPEN


def need_board(
    *, field: str = "", district: str = "", today: datetime.date | None = None
) -> QuerySet[Need]:
    """Open needs whose deadline has not passed, soonest deadline first."""
    today = today or timezone.localdate()
    needs = Need.objects.filter(state=Need.State.OPEN, deadline__gte=today)
    if field:
        needs = needs.filter(field=field)
    if district:
        needs = needs.filter(district=district)
    return needs.annotate(offer_count=Count("offers")).order_by("deadline", "pk")


# --- Who acts for whom -----------------------------------------------------------------


@dataclass(frozen=True)
class Responder:
    """Whom an offer is made for: an institution (default-language page) or an expert."""

    institution: InstitutionPage | None = None
    expert: Expert | None = None

    @property
    def key(self) -> str:
        if self.institution is not None:
            return f"institution:{self.institution.pk}"
        assert self.expert is not None
        return f"expert:{self.expert.pk}"

    @property
    def name(self) -> str:
        if self.institution is not None:
            return self.institution.title
        assert self.expert is not None
        return self.expert.display_name


def responders_for_user(*, user: User) -> list[Responder]:
    """The institutions ``user`` is a contact of, then the expert profile linked to the
    account: those the user may make offers for."""
    if not user.is_authenticated:
        return []
    responders = [
        Responder(institution=contact.institution)
        for contact in InstitutionContact.objects.filter(user=user)
        .select_related("institution")
        .order_by("institution__title", "pk")
    ]
    expert = Expert.objects.filter(user=user).first()
    if expert is not None:
        responders.append(Responder(expert=expert))
    return responders


def user_is_responder(*, user: User) -> bool:
    return bool(responders_for_user(user=user))


def _responder_offers(user: User) -> Q:
    """Offers the user may see as a responder: their institutions' and their own expert's."""
    institution_ids = InstitutionContact.objects.filter(user=user).values("institution_id")
    return Q(institution_id__in=institution_ids) | Q(expert__user=user)


def offer_users(*, offer: Offer) -> list[User]:
    """The people who act for an offer's responder (the contacts, or the expert)."""
    if offer.institution_id:
        return [
            contact.user
            for contact in InstitutionContact.objects.filter(
                institution_id=offer.institution_id
            ).select_related("user")
        ]
    expert = offer.expert
    return [expert.user] if expert is not None and expert.user is not None else []


def enterprise_users(*, need: Need) -> list[User]:
    """The approved members (owner included) of the enterprise that posted ``need``."""
    return [
        membership.user
        for membership in Membership.objects.filter(
            enterprise_id=need.enterprise_id, status=Membership.Status.APPROVED
        )
        .select_related("user")
        .order_by("pk")
    ]


def user_is_need_member(*, user: User, need: Need) -> bool:
    return (
        user.is_authenticated
        and Membership.objects.filter(
            user=user, enterprise_id=need.enterprise_id, status=Membership.Status.APPROVED
        ).exists()
    )


def user_is_staff_viewer(*, user: User) -> bool:
    return user.is_authenticated and user.has_perm("needs.view_need")


def user_offer(*, user: User, need: Need) -> Offer | None:
    """The offer made on ``need`` for one of the user's responders, if any."""
    if not user.is_authenticated:
        return None
    return (
        Offer.objects.filter(need=need)
        .filter(_responder_offers(user))
        .select_related("institution", "expert")
        .first()
    )


@dataclass(frozen=True)
class NeedView:
    """What the viewer may see of a need."""

    need: Need
    state: str
    is_member: bool
    is_staff: bool
    own_offer: Offer | None

    @property
    def shows_enterprise(self) -> bool:
        """The enterprise's name and contact: its members, staff, the accepted responder."""
        accepted = self.own_offer is not None and self.own_offer.state == Offer.State.ACCEPTED
        return self.is_member or self.is_staff or accepted

    @property
    def shows_offers(self) -> bool:
        return self.is_member or self.is_staff


def need_view(*, user: User, pk: int, today: datetime.date | None = None) -> NeedView | None:
    """The need ``pk`` as ``user`` may see it, or None (a 404) when they may not."""
    need = Need.objects.select_related("enterprise").filter(pk=pk).first()
    if need is None:
        return None
    state = need_state(need=need, today=today)
    is_member = user_is_need_member(user=user, need=need)
    is_staff = user_is_staff_viewer(user=user)
    own_offer = user_offer(user=user, need=need)
    if state != Need.State.OPEN and not (is_member or is_staff or own_offer):
        return None
    return NeedView(
        need=need, state=state, is_member=is_member, is_staff=is_staff, own_offer=own_offer
    )


def need_offers(*, need: Need) -> list[Offer]:
    return list(need.offers.select_related("institution", "expert").order_by("created_at", "pk"))


def needs_for_enterprise(*, enterprise_id: int) -> QuerySet[Need]:
    return (
        Need.objects.filter(enterprise_id=enterprise_id)
        .annotate(offer_count=Count("offers"))
        .order_by("-created_at", "-pk")
    )


def offers_for_user(*, user: User) -> QuerySet[Offer]:
    """The offers made for the user's institutions and expert profile, newest first."""
    if not user.is_authenticated:
        return Offer.objects.none()
    return (
        Offer.objects.filter(_responder_offers(user))
        .select_related("need", "institution", "expert")
        .order_by("-created_at", "-pk")
    )


# --- Statistics --------------------------------------------------------------------------


def need_counts(
    *,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    today: datetime.date | None = None,
) -> dict:
    """Needs posted (created from ``since`` to ``until``, both optional), and of those the
    matched, open (taking offers) and expired ones: ``{"total": {...}, "by_field":
    {code: {...}}, "by_district": {code: {...}}}``, each ``{...}`` with the keys
    ``posted``, ``matched``, ``open``, ``expired`` (fields and districts without a need
    are left out)."""
    today = today or timezone.localdate()
    needs = Need.objects.all()
    if since is not None:
        needs = needs.filter(created_at__date__gte=since)
    if until is not None:
        needs = needs.filter(created_at__date__lte=until)
    aggregates = {
        "posted": Count("pk"),
        "matched": Count("pk", filter=Q(state=Need.State.MATCHED)),
        "open": Count("pk", filter=Q(state=Need.State.OPEN, deadline__gte=today)),
        "expired": Count("pk", filter=Q(state=Need.State.OPEN, deadline__lt=today)),
    }
    total = needs.aggregate(**aggregates)
    keys = tuple(aggregates)

    def grouped(column: str) -> dict[str, dict[str, int]]:
        rows = needs.order_by().values(column).annotate(**aggregates)
        return {row[column]: {key: row[key] for key in keys} for row in rows}

    by_field = grouped("field")
    by_district = grouped("district")
    return {"total": total, "by_field": by_field, "by_district": by_district}
