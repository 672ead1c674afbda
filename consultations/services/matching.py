"""Finding the right expert for an enterprise's need.

Only experts offering the requested service are listed (a slot links to a booking of
that service, so any other expert could not take it). They are ranked by points, chosen
so each criterion outweighs all the later ones together:

- the field of expertise chosen matches: 1000
- a field the need's domain terms point to matches (brake disc noise: automotive): 400
- the expert serves the enterprise's district: 150
- domain terms of the need (and product) found in the expert's title or biography, in
  either language: 20 each, at most 60
- the soonest free slot: up to 50, fewer the later it is within the slot horizon

The need is read for domain terms only (``consultations.vocabulary``): product
categories, test items, the services' words and standard numbers, never the words every
text shares (帮助, 分析, 原因), which would match every expert and explain nothing.

Ties are broken by the soonest free slot, then the roster order, then the id, so the
same request always gives the same list.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from consultations.models import Slot
from consultations.selectors import expert_next_free_slots
from consultations.services.availability import horizon_days
from consultations.vocabulary import Term, need_fields, need_terms
from experts.models import Expert
from experts.selectors import expert_list
from portal.choices import District, Field, Service

FIELD_POINTS = 1000
NEED_FIELD_POINTS = 400
DISTRICT_POINTS = 150
WORD_POINTS = 20
WORD_POINTS_MAX = 60
SOONEST_POINTS = 50


@dataclass
class Match:
    expert: Expert
    score: int
    reasons: list[str] = field(default_factory=list)
    next_slots: list[Slot] = field(default_factory=list)


def _haystack(expert: Expert) -> str:
    return " ".join([expert.title, expert.title_en, expert.bio, expert.bio_en]).casefold()


def _need_reason(code: str, terms: list[Term], separator: str) -> str:
    words = [term.label for term in terms if code in term.fields]
    return _("your need concerns %(field)s: %(terms)s") % {
        "field": Field(code).label,
        "terms": separator.join(words[:6]),
    }


def _soonest_points(first: Slot | None, now: datetime.datetime) -> int:
    if first is None:
        return 0
    days = (first.starts_at - now).total_seconds() / 86400
    horizon = max(horizon_days(), 1)
    return max(0, round(SOONEST_POINTS * (1 - days / horizon)))


def experts_match(
    *, service: str, field: str = "", district: str = "", text: str = ""
) -> list[Match]:
    """Experts offering ``service`` ranked for the need; each with the reasons, in the
    active language, and its next free slots for that service (an empty list: none in
    the coming weeks, which the page shows as a status, not as a reason)."""
    if service not in Service.values:
        return []
    field = field if field in Field.values else ""
    district = district if district in District.values else ""
    experts = list(expert_list(service=service))
    slots = expert_next_free_slots(experts=experts, limit=3, service=service)
    terms = need_terms(text)
    fields_of_need = need_fields(terms)
    now = timezone.now()
    separator = pgettext("list separator", ", ")

    matches = []
    for expert in experts:
        next_slots = slots.get(expert.pk, [])
        score = 0
        expert_fields = {f.code for f in expert.fields.all()}
        labels = [str(Service(service).label)]
        if field and field in expert_fields:
            score += FIELD_POINTS
            labels.append(str(Field(field).label))
        reasons = [_("matches: %(labels)s") % {"labels": separator.join(labels)}]
        shared = sorted(fields_of_need & expert_fields, key=Field.values.index)
        if shared:
            score += NEED_FIELD_POINTS
            for code in shared[:2]:
                reasons.append(_need_reason(code, terms, separator))
        if district and expert.district == district:
            score += DISTRICT_POINTS
            reasons.append(
                _("serves your district: %(district)s") % {"district": District(district).label}
            )
        if terms:
            haystack = _haystack(expert)
            found = [term.label for term in terms if term.found_in(haystack)]
            if found:
                score += min(WORD_POINTS * len(found), WORD_POINTS_MAX)
                reasons.append(_("mentions: %(words)s") % {"words": separator.join(found[:6])})
        if next_slots:
            score += _soonest_points(next_slots[0], now)
            first = timezone.localtime(next_slots[0].starts_at)
            reasons.append(
                _("next free slot: %(date)s %(time)s")
                % {
                    "date": formats.date_format(first, "MONTH_DAY_FORMAT"),
                    "time": formats.time_format(first, "TIME_FORMAT"),
                }
            )
        matches.append(Match(expert=expert, score=score, reasons=reasons, next_slots=next_slots))

    far = now + datetime.timedelta(days=3650)
    matches.sort(
        key=lambda m: (
            -m.score,
            m.next_slots[0].starts_at if m.next_slots else far,
            m.expert.sort_order,
            m.expert.pk,
        )
    )
    return matches
