"""Supply-demand matching: post a need, make an offer, accept one, withdraw a need.

Locks: a service that changes a need or its offers locks the need's row first (then, in
ascending order, the offers): two members accepting different offers at once, an offer
arriving while the need is withdrawn, are taken one after the other. The database's
constraints (one offer per responder, one accepted offer per need) are the net under it.

Error codes (``NeedError.code``): ``not_member``, ``deadline_past``, ``not_open``,
``expired``, ``not_responder``, ``already_offered``, ``start_past``, ``not_pending``.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enterprises.models import Enterprise, Membership
from needs import notifications
from needs.exceptions import NeedError
from needs.models import Need, Offer
from needs.selectors import EXPIRED, Responder, need_state, responders_for_user
from portal.locking import lock_rows

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _require_member(*, user: User, enterprise_id: int) -> None:
    if not (
        user.is_authenticated
        and Membership.objects.filter(
            user=user, enterprise_id=enterprise_id, status=Membership.Status.APPROVED
        ).exists()
    ):
        raise NeedError(_("Only the enterprise's members can do this."), code="not_member")


def need_post(
    *,
    enterprise: Enterprise,
    user: User,
    title: str,
    field: str,
    district: str,
    description: str,
    deadline: datetime.date,
    contact_name: str,
    contact_phone: str,
    budget_note: str = "",
    today: datetime.date | None = None,
) -> Need:
    """Post a need for ``enterprise`` (``user`` must be an approved member: ``not_member``).
    The deadline must lie in the future (``deadline_past``)."""
    today = today or timezone.localdate()
    _require_member(user=user, enterprise_id=enterprise.pk)
    if deadline <= today:
        raise NeedError(_("Choose a deadline after today."), code="deadline_past")
    return Need.objects.create(
        enterprise=enterprise,
        posted_by=user,
        title=title.strip(),
        field=field,
        district=district,
        description=description.strip(),
        deadline=deadline,
        budget_note=budget_note.strip(),
        contact_name=contact_name.strip(),
        contact_phone=contact_phone,
    )


def _require_open(need: Need, today: datetime.date) -> None:
    state = need_state(need=need, today=today)
    if state == EXPIRED:
        raise NeedError(_("The deadline of this need has passed."), code="expired")
    if state != Need.State.OPEN:
        raise NeedError(_("This need no longer takes offers."), code="not_open")


def offer_make(
    *,
    need: Need,
    user: User,
    responder: Responder,
    message: str,
    approach: str,
    earliest_start: datetime.date,
    fee_note: str = "",
    today: datetime.date | None = None,
) -> Offer:
    """Make an offer on ``need`` for ``responder`` (an institution the user is a contact of,
    or the user's expert profile: ``not_responder``). Only open needs before their deadline
    (``not_open``, ``expired``); one offer per responder (``already_offered``); the start
    not in the past (``start_past``). The enterprise's members are notified."""
    today = today or timezone.localdate()
    if responder.key not in {r.key for r in responders_for_user(user=user)}:
        raise NeedError(_("You cannot make offers for them."), code="not_responder")
    if earliest_start < today:
        raise NeedError(_("The earliest start cannot be in the past."), code="start_past")
    already = NeedError(
        _("An offer was already made on this need for them."), code="already_offered"
    )
    with transaction.atomic():
        # The need's lock orders this offer against a withdrawal or an acceptance.
        locked = lock_rows(Need, [need.pk])
        if not locked:
            raise NeedError(_("This need no longer takes offers."), code="not_open")
        need = locked[0]
        _require_open(need, today)
        existing = Offer.objects.filter(need=need)
        if responder.institution is not None:
            existing = existing.filter(institution=responder.institution)
        else:
            existing = existing.filter(expert=responder.expert)
        if existing.exists():
            raise already
        try:
            # A savepoint: two contacts of one institution answering at once meet the
            # unique constraint, which is answered like the check above.
            with transaction.atomic():
                offer = Offer.objects.create(
                    need=need,
                    institution=responder.institution,
                    expert=responder.expert,
                    submitted_by=user,
                    message=message.strip(),
                    approach=approach.strip(),
                    fee_note=fee_note.strip(),
                    earliest_start=earliest_start,
                )
        except IntegrityError:
            raise already from None
        notifications.notify_offer_made(offer=offer)
    return offer


def offer_accept(*, offer: Offer, user: User, now: datetime.datetime | None = None) -> Offer:
    """Accept ``offer`` (a member of the need's enterprise: ``not_member``). The need must
    be open and not expired (``not_open``, ``expired``) and the offer waiting
    (``not_pending``). The need becomes matched; the other waiting offers are not chosen.
    Every responder is notified."""
    now = now or timezone.now()
    _require_member(user=user, enterprise_id=offer.need.enterprise_id)
    with transaction.atomic():
        need = lock_rows(Need, [offer.need_id])[0]
        _require_open(need, timezone.localdate(now))
        offers = lock_rows(
            Offer.objects.filter(need=need), need.offers.values_list("pk", flat=True)
        )
        chosen = next((o for o in offers if o.pk == offer.pk), None)
        if chosen is None or chosen.state != Offer.State.PENDING:
            raise NeedError(_("This offer can no longer be accepted."), code="not_pending")
        others = [o for o in offers if o.pk != chosen.pk and o.state == Offer.State.PENDING]
        for other in others:
            other.state, other.decided_at = Offer.State.NOT_CHOSEN, now
            other.save(update_fields=["state", "decided_at", "updated_at"])
        chosen.state, chosen.decided_at = Offer.State.ACCEPTED, now
        chosen.save(update_fields=["state", "decided_at", "updated_at"])
        need.state, need.matched_at = Need.State.MATCHED, now
        need.save(update_fields=["state", "matched_at", "updated_at"])
        chosen.need = need
        notifications.notify_offer_accepted(offer=chosen)
        for other in others:
            other.need = need
            notifications.notify_offer_not_chosen(offer=other, withdrawn=False)
    return chosen


def need_withdraw(*, need: Need, user: User, now: datetime.datetime | None = None) -> Need:
    """Withdraw an open need (also one past its deadline) for its enterprise (``not_member``;
    ``not_open`` once matched or withdrawn). Waiting offers are not chosen; their
    responders are notified."""
    now = now or timezone.now()
    _require_member(user=user, enterprise_id=need.enterprise_id)
    with transaction.atomic():
        need = lock_rows(Need, [need.pk])[0]
        if need.state != Need.State.OPEN:
            raise NeedError(_("Only an open need can be withdrawn."), code="not_open")
        need.state, need.closed_at = Need.State.CLOSED, now
        need.save(update_fields=["state", "closed_at", "updated_at"])
        pending = list(
            need.offers.filter(state=Offer.State.PENDING).select_related("expert", "institution")
        )
        for offer in pending:
            offer.state, offer.decided_at = Offer.State.NOT_CHOSEN, now
            offer.save(update_fields=["state", "decided_at", "updated_at"])
            offer.need = need
            notifications.notify_offer_not_chosen(offer=offer, withdrawn=True)
    return need
