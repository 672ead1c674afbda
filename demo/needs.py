"""The demo's needs board: the needs of ``demo.content_needs`` with their offers, one of
them accepted. Rows are found again by (enterprise, title) and (need, responder), so a
re-run changes nothing; the deadlines are set when a need is first created."""

from __future__ import annotations

import datetime

from django.utils import timezone
from stdnum.cn import uscc

from demo import content_needs as content
from demo import content_people as people
from demo.pages import Tally
from enterprises.models import Enterprise
from experts.models import Expert, InstitutionPage
from needs.models import Need, Offer


def _enterprise(spec: dict, *, tally: Tally) -> Enterprise:
    values = dict(spec)
    base = values.pop("credit_code_base")
    enterprise, created = Enterprise.objects.get_or_create(
        credit_code=base + uscc.calc_check_digit(base), defaults=values
    )
    tally.record("enterprise", "created" if created else "unchanged")
    return enterprise


def needs_seed(
    *,
    today: datetime.date,
    tally: Tally,
    institution: InstitutionPage | None,
    users: dict,
) -> None:
    """Create the demo needs and offers that are missing."""
    enterprises = {
        key: _enterprise(spec, tally=tally) for key, spec in content.NEED_ENTERPRISES.items()
    }
    enterprises["demo"] = _enterprise(people.DEMO_ENTERPRISE, tally=tally)
    expert = Expert.objects.filter(slug=people.EXPERT_ACCOUNT_SLUG).first()
    now = timezone.now()
    for spec in content.NEEDS:
        enterprise = enterprises[spec["enterprise"]]
        need = Need.objects.filter(enterprise=enterprise, title=spec["title"]).first()
        if need is None:
            need = Need.objects.create(
                enterprise=enterprise,
                posted_by=users.get("enterprise") if spec["enterprise"] == "demo" else None,
                title=spec["title"],
                field=spec["field"],
                district=spec["district"],
                description=spec["description"],
                deadline=today + datetime.timedelta(days=spec["days"]),
                budget_note=spec["budget_note"],
                contact_name=enterprise.contact_name,
                contact_phone=enterprise.contact_phone,
            )
            tally.record("need", "created")
        else:
            tally.record("need", "unchanged")
        for offer_spec in spec["offers"]:
            responder = (
                {"institution": institution}
                if offer_spec["responder"] == "institution"
                else {"expert": expert}
            )
            if None in responder.values():
                continue
            offer, created = Offer.objects.get_or_create(
                need=need,
                **responder,
                defaults={
                    "submitted_by": users.get(offer_spec["responder"]),
                    "message": offer_spec["message"],
                    "approach": offer_spec["approach"],
                    "fee_note": offer_spec["fee_note"],
                    "earliest_start": today + datetime.timedelta(days=offer_spec["start_days"]),
                },
            )
            tally.record("need offer", "created" if created else "unchanged")
        accepted = next((o for o in spec["offers"] if o["accepted"]), None)
        if accepted is not None and need.state == Need.State.OPEN:
            _accept(need, accepted["responder"], now)


def _accept(need: Need, responder: str, now: datetime.datetime) -> None:
    """The enterprise's choice, as ``needs.services.offer_accept`` records it (without the
    notices: nobody is waiting for the demo's)."""
    offers = list(need.offers.all())
    chosen = next(
        (o for o in offers if (o.institution_id if responder == "institution" else o.expert_id)),
        None,
    )
    if chosen is None:
        return
    for offer in offers:
        offer.state = Offer.State.ACCEPTED if offer == chosen else Offer.State.NOT_CHOSEN
        offer.decided_at = now
        offer.save(update_fields=["state", "decided_at", "updated_at"])
    need.state, need.matched_at = Need.State.MATCHED, now
    need.save(update_fields=["state", "matched_at", "updated_at"])
