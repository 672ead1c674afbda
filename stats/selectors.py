"""Reads behind the statistics dashboard, the report workbook and the public figures.

Every figure comes from the summary tables (``SessionStat``, ``ConsultationStat``,
``LabVisitStat``) that ``stats.services.stats_refresh`` rebuilds; nothing here reads the
registrations, so a report over a campaign of a million registrations sums a few thousand
rows. Labels are translated into the active language.

Definitions (people, i.e. party sizes):
- registered: confirmed, checked in or no-show, walk-ins excluded;
- walk_ins: people who came without registering; checked_in includes them;
- fill_rate = (registered + walk_ins) / capacity, over the sessions with a limit on places:
  an online session without a limit (capacity null) offers no places, so its people are
  left out of the numerator as its places are of the denominator; they are reported
  separately (``unlimited_sessions``, ``unlimited_registered``; ``by="format"``);
- turnout_rate = (checked_in - walk_ins) / registered, over the sessions with a door (in
  person and hybrid): nobody checks in at an online session, and joining one is not
  recorded, so its registrations would count as people who did not come;
- completion_rate = completed / (completed + no-show + confirmed whose time passed);
- lab turnout_rate = checked_in / visitors;
- satisfied_rate = (very satisfied + satisfied) / ratings, by service kind, institution or
  expert. Ratings (``ratings.Rating``, one per service) are read directly: one row per
  rated service is already a summary, and a rating counts the moment it is given. Of the
  filters, the dates (rated on) and the institution apply to them.
A rate is a float between 0 and 1 (fill rate may exceed 1 with walk-ins), or ``None``
when its denominator is 0.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import Avg, Count, F, IntegerField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language, gettext, pgettext
from wagtail.models import Locale, Page

from cms.models import ConsumerWarningPage, RiskLevel
from consultations.models import Consultation
from enterprises.models import Enterprise
from events.choices import SessionFormat
from events.models import ActivityType, OpenDayIndexPage
from experts.models import Expert, HostKind, InstitutionPage
from portal.choices import District, Field, ProductCategory, Service, Zone, area_filter
from ratings.kinds import UnknownKindError, kind_for
from ratings.models import Level, Rating
from stats.models import (
    ConsultationStat,
    EnterpriseServiceStat,
    LabVisitStat,
    PlanTargets,
    SessionStat,
    StatsRefresh,
)

OPEN_DAY_FIGURES = (
    "capacity",
    "registered",
    "waitlisted",
    "cancelled",
    "checked_in",
    "walk_ins",
    "no_shows",
)
OPEN_DAY_BREAKDOWNS = (
    "activity",
    "institution",
    "host_kind",
    "format",
    "activity_type",
    "district",
    "day",
)
CONSULTATION_BREAKDOWNS = ("service", "field", "district", "expert", "state")
LAB_VISIT_BREAKDOWNS = ("institution", "day")

# Query-string names of the filters (the dashboard's form uses the same names).
FILTER_FIELDS = ("campaign", "date_from", "date_to", "district", "institution", "activity_type")


@dataclasses.dataclass(frozen=True)
class StatsFilters:
    campaign_id: int | None = None  # open-day figures only
    date_from: datetime.date | None = None  # all figures (by day)
    date_to: datetime.date | None = None
    # Session / enterprise / lab district, or a functional zone (``portal.choices.area_filter``).
    district: str = ""
    institution_id: int | None = None  # open day and lab visits
    activity_type: str = ""  # open day only

    def as_rows(self) -> list[tuple[str, str]]:
        """(translated label, display value) of each filter in use, for report headers."""
        rows: list[tuple[str, str]] = []
        if self.campaign_id:
            titles = _page_titles([self.campaign_id])
            rows.append((gettext("Campaign"), titles.get(self.campaign_id, str(self.campaign_id))))
        if self.date_from:
            rows.append((pgettext("start of a date range", "From"), self.date_from.isoformat()))
        if self.date_to:
            rows.append((gettext("Until"), self.date_to.isoformat()))
        if self.district:
            kind = Zone if self.district in Zone.values else District
            rows.append((gettext("District"), _choice_label(kind, self.district)))
        if self.institution_id:
            titles = _page_titles([self.institution_id])
            rows.append(
                (gettext("Institution"), titles.get(self.institution_id, str(self.institution_id)))
            )
        if self.activity_type:
            rows.append((gettext("Activity type"), _choice_label(ActivityType, self.activity_type)))
        return rows

    def as_query(self) -> dict[str, str]:
        """The filters as query-string values (``stats_filters_from_query`` reads them back)."""
        values = {
            "campaign": self.campaign_id,
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
            "district": self.district,
            "institution": self.institution_id,
            "activity_type": self.activity_type,
        }
        return {k: str(v) for k, v in values.items() if v}


def stats_filters_from_query(query: Mapping[str, str]) -> tuple[StatsFilters, dict[str, str]]:
    """Parse the dashboard's query string; invalid values are dropped and reported.

    Returns ``(filters, errors)``; ``errors`` maps a field name to a translated message.
    An empty or missing ``campaign`` means every campaign.
    """
    errors: dict[str, str] = {}

    def text(name: str) -> str:
        return (query.get(name) or "").strip()

    def parse_date(name: str) -> datetime.date | None:
        raw = text(name)
        if not raw:
            return None
        try:
            return datetime.date.fromisoformat(raw)
        except ValueError:
            errors[name] = gettext("Enter a valid date (YYYY-MM-DD).")
            return None

    def parse_id(name: str) -> int | None:
        raw = text(name)
        if not raw:
            return None
        # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
        if not (raw.isascii() and raw.isdigit()) or int(raw) == 0 or len(raw) > 18:
            errors[name] = gettext("Choose a valid option.")
            return None
        return int(raw)

    def parse_choice(name: str, choices: Iterable[str]) -> str:
        raw = text(name)
        if raw and raw not in choices:
            errors[name] = gettext("Choose a valid option.")
            return ""
        return raw

    campaign_id = parse_id("campaign")
    if campaign_id is not None and not OpenDayIndexPage.objects.filter(pk=campaign_id).exists():
        errors["campaign"] = gettext("Choose a valid option.")
        campaign_id = None
    institution_id = parse_id("institution")
    if (
        institution_id is not None
        and not InstitutionPage.objects.filter(pk=institution_id).exists()
    ):
        errors["institution"] = gettext("Choose a valid option.")
        institution_id = None
    date_from = parse_date("date_from")
    date_to = parse_date("date_to")
    if date_from and date_to and date_from > date_to:
        errors["date_to"] = gettext("The end date must not be before the start date.")
        date_to = None
    filters = StatsFilters(
        campaign_id=campaign_id,
        date_from=date_from,
        date_to=date_to,
        district=parse_choice("district", [*District.values, *Zone.values]),
        institution_id=institution_id,
        activity_type=parse_choice("activity_type", ActivityType.values),
    )
    return filters, errors


# --- labels -------------------------------------------------------------------------------


def _choice_label(choices, value: str) -> str:
    if not value:
        return gettext("Not specified")
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _page_titles(ids: Iterable[int]) -> dict[int, str]:
    """Titles of pages by id, in the active language where a translation exists.

    Two queries whatever the number of pages (``Page.localized`` would cost one each).
    """
    ids = {i for i in ids if i}
    if not ids:
        return {}
    pages = list(Page.objects.filter(pk__in=ids).values("pk", "title", "translation_key"))
    titles = {p["pk"]: p["title"] for p in pages}
    try:
        locale = Locale.get_active()
    except Locale.DoesNotExist:
        return titles
    translated = dict(
        Page.objects.filter(
            translation_key__in={p["translation_key"] for p in pages}, locale=locale
        ).values_list("translation_key", "title")
    )
    for p in pages:
        titles[p["pk"]] = translated.get(p["translation_key"], p["title"])
    return titles


def _expert_names(ids: Iterable[int]) -> dict[int, str]:
    ids = {i for i in ids if i}
    return {e.pk: e.display_name for e in Expert.objects.filter(pk__in=ids).only("name", "name_en")}


def _rate(numerator: float | int | None, denominator: float | int | None) -> float | None:
    if not denominator:
        return None
    return (numerator or 0) / denominator


# --- open day ----------------------------------------------------------------------------


# How each filter narrows a summary table; a table takes the filters that apply to it.
_FILTER_LOOKUPS = {
    "campaign_id": "campaign_id",
    "date_from": "day__gte",
    "date_to": "day__lte",
    "district": "district",
    "institution_id": "institution_id",
    "activity_type": "activity_type",
}


def _filtered(qs: QuerySet, filters: StatsFilters, *names: str) -> QuerySet:
    for name in names:
        value = getattr(filters, name)
        if name == "district":
            qs = qs.filter(**area_filter(value))  # a district or a functional zone
        elif value:
            qs = qs.filter(**{_FILTER_LOOKUPS[name]: value})
    return qs


def _session_stats(filters: StatsFilters) -> QuerySet[SessionStat]:
    return _filtered(SessionStat.objects.all(), filters, *_FILTER_LOOKUPS)


def _open_day_aggregates() -> dict:
    zero = Value(0, output_field=IntegerField())
    limited = Q(capacity__isnull=False)
    unlimited = Q(capacity__isnull=True)
    with_door = ~Q(format=SessionFormat.ONLINE)
    # The filtered sums come first: once an aggregate named after a column (``registered``)
    # is added, later expressions would read the aggregate instead of the column.
    return {
        "unlimited_sessions": Count("session_id", filter=unlimited),
        "unlimited_registered": Coalesce(Sum("registered", filter=unlimited), zero),
        # The rates' own numerator and denominator (removed by ``_open_day_rates``).
        "filled": Coalesce(Sum(F("registered") + F("walk_ins"), filter=limited), zero),
        "door_registered": Coalesce(Sum("registered", filter=with_door), zero),
        "sessions": Count("session_id"),
        "activities": Count("activity_id", distinct=True),
        "institutions": Count("institution_id", distinct=True),
        **{name: Coalesce(Sum(name), zero) for name in OPEN_DAY_FIGURES},
    }


def _open_day_rates(row: dict) -> dict:
    row["fill_rate"] = _rate(row.pop("filled"), row["capacity"])
    row["turnout_rate"] = _rate(row["checked_in"] - row["walk_ins"], row.pop("door_registered"))
    return row


def open_day_headline(*, filters: StatsFilters) -> dict:
    """Sessions, activities, institutions, capacity, people registered, waiting, cancelled,
    checked in, walk-ins, no-shows, sessions without a limit on places and the people
    registered for them, fill rate and turn-out rate (see the module's definitions)."""
    row = _session_stats(filters).aggregate(**_open_day_aggregates())
    return _open_day_rates(row)


def open_day_breakdown(*, filters: StatsFilters, by: str) -> list[dict]:
    """The headline figures per activity, institution, kind of host, session format (in
    person, online, hybrid), activity type, district or day.

    Each row: ``key`` (id, code or date), ``label`` (translated) and the figures; ordered
    by day for ``day``, by the formats' order for ``format``, else by label.
    """
    if by not in OPEN_DAY_BREAKDOWNS:
        raise ValueError(f"unknown breakdown {by!r}")
    column = {"activity": "activity_id", "institution": "institution_id"}.get(by, by)
    # Dicts of ``key`` and the aggregates of ``annotate(**...)``, which the stubs cannot see.
    rows: list[dict[str, Any]] = [
        dict(row)
        for row in (
            _session_stats(filters)
            .values(key=F(column))
            .annotate(**_open_day_aggregates())
            .order_by("key")
        )
    ]
    keys = [r["key"] for r in rows]
    if by in ("activity", "institution"):
        titles = _page_titles(keys)
        labels = {k: titles.get(k, gettext("Not specified")) for k in keys}
    elif by == "host_kind":
        labels = {k: _choice_label(HostKind, k) if k else gettext("Not specified") for k in keys}
    elif by == "format":
        labels = {k: _choice_label(SessionFormat, k) for k in keys}
    elif by == "activity_type":
        labels = {k: _choice_label(ActivityType, k) for k in keys}
    elif by == "district":
        labels = {k: _choice_label(District, k) for k in keys}
    else:
        labels = {k: k.isoformat() for k in keys}
    for r in rows:
        r["label"] = labels[r["key"]]
        _open_day_rates(r)
    if by == "format":
        order = list(SessionFormat.values)
        rows.sort(key=lambda r: order.index(r["key"]) if r["key"] in order else len(order))
    elif by != "day":
        rows.sort(key=lambda r: r["label"])
    return rows


# --- consultations -----------------------------------------------------------------------


def _consultation_stats(filters: StatsFilters) -> QuerySet[ConsultationStat]:
    return _filtered(ConsultationStat.objects.all(), filters, "date_from", "date_to", "district")


def _consultation_aggregates(now: datetime.datetime) -> dict:
    State = Consultation.State
    return {
        "requests": Count("consultation_id"),
        "completed": Count("consultation_id", filter=Q(state=State.COMPLETED)),
        # The expert neither completed nor marked a no-show: counted as not completed.
        "closable": Count(
            "consultation_id",
            filter=Q(state__in=(State.COMPLETED, State.NO_SHOW))
            | Q(state=State.CONFIRMED, ends_at__lt=now),
        ),
        "average_rating": Avg("rating"),
    }


def _consultation_rates(row: dict) -> dict:
    row["completion_rate"] = _rate(row["completed"], row.pop("closable"))
    if row["average_rating"] is not None:
        row["average_rating"] = float(row["average_rating"])
    return row


def _nearest_rank(qs: QuerySet[ConsultationStat], count: int, fraction: float) -> int | None:
    """The nearest-rank percentile of ``confirm_seconds`` computed in the database:
    ``ORDER BY confirm_seconds LIMIT 1 OFFSET ceil(fraction * count) - 1``."""
    if not count:
        return None
    offset = max(math.ceil(fraction * count) - 1, 0)
    return (
        qs.order_by("confirm_seconds")
        .values_list("confirm_seconds", flat=True)[offset : offset + 1]
        .first()
    )


def consultation_summary(*, filters: StatsFilters) -> dict:
    """Requests, confirmed (by an expert, at any time), completed, completion rate, average
    rating and the median and 90th percentile of the time from request to confirmation."""
    qs = _consultation_stats(filters)
    row = qs.aggregate(
        confirmed=Count("consultation_id", filter=Q(confirm_seconds__isnull=False)),
        **_consultation_aggregates(timezone.now()),
    )
    _consultation_rates(row)
    timed = qs.filter(confirm_seconds__isnull=False)
    for name, fraction in (("confirm_median_hours", 0.5), ("confirm_p90_hours", 0.9)):
        seconds = _nearest_rank(timed, row["confirmed"], fraction)
        row[name] = None if seconds is None else seconds / 3600
    return row


def consultation_breakdown(*, filters: StatsFilters, by: str) -> list[dict]:
    """Requests, completed, completion rate and average rating per service, field,
    district, expert or state; each row has ``key`` and a translated ``label``."""
    if by not in CONSULTATION_BREAKDOWNS:
        raise ValueError(f"unknown breakdown {by!r}")
    column = {"expert": "expert_id"}.get(by, by)
    # Dicts of ``key`` and the aggregates of ``annotate(**...)``, which the stubs cannot see.
    rows: list[dict[str, Any]] = [
        dict(row)
        for row in (
            _consultation_stats(filters)
            .values(key=F(column))
            .annotate(**_consultation_aggregates(timezone.now()))
            .order_by("key")
        )
    ]
    keys = [r["key"] for r in rows]
    if by == "expert":
        names = _expert_names(keys)
        labels = {k: names.get(k, gettext("No expert assigned")) for k in keys}
    else:
        choices = {
            "service": Service,
            "field": Field,
            "district": District,
            "state": Consultation.State,
        }[by]
        labels = {k: _choice_label(choices, k) for k in keys}
    for r in rows:
        r["label"] = labels[r["key"]]
        _consultation_rates(r)
    if by != "state":
        rows.sort(key=lambda r: r["label"])
    else:
        order = list(Consultation.State.values)
        rows.sort(key=lambda r: order.index(r["key"]) if r["key"] in order else len(order))
    return rows


# --- lab visits --------------------------------------------------------------------------


def _lab_visit_stats(filters: StatsFilters) -> QuerySet[LabVisitStat]:
    return _filtered(
        LabVisitStat.objects.all(), filters, "date_from", "date_to", "district", "institution_id"
    )


def _lab_visit_aggregates() -> dict:
    zero = Value(0, output_field=IntegerField())
    return {
        name: Coalesce(Sum(name), zero)
        for name in ("requests", "approved", "visitors", "checked_in")
    }


def _lab_visit_rates(row: dict) -> dict:
    row["turnout_rate"] = _rate(row["checked_in"], row["visitors"])
    return row


def lab_visit_summary(*, filters: StatsFilters) -> dict:
    """Visit requests, approved visits, visitors (people in approved visits), people checked
    in and turn-out rate."""
    return _lab_visit_rates(_lab_visit_stats(filters).aggregate(**_lab_visit_aggregates()))


def lab_visit_breakdown(*, filters: StatsFilters, by: str) -> list[dict]:
    """The lab-visit figures per institution or day; each row has ``key`` and ``label``."""
    if by not in LAB_VISIT_BREAKDOWNS:
        raise ValueError(f"unknown breakdown {by!r}")
    column = {"institution": "institution_id"}.get(by, by)
    # Dicts of ``key`` and the aggregates of ``annotate(**...)``, which the stubs cannot see.
    rows: list[dict[str, Any]] = [
        dict(row)
        for row in (
            _lab_visit_stats(filters)
            .values(key=F(column))
            .annotate(**_lab_visit_aggregates())
            .order_by("key")
        )
    ]
    if by == "institution":
        titles = _page_titles(r["key"] for r in rows)
        for r in rows:
            r["label"] = titles.get(r["key"], gettext("Not specified"))
        rows.sort(key=lambda r: r["label"])
    else:
        for r in rows:
            r["label"] = r["key"].isoformat()
    return [_lab_visit_rates(r) for r in rows]


# --- enterprises helped, by size ---------------------------------------------------------

# The sizes the regulator reports on as "small and micro enterprises" (小微企业).
SMALL_AND_MICRO = (Enterprise.Size.SMALL, Enterprise.Size.MICRO)


def _enterprise_services(filters: StatsFilters) -> QuerySet[EnterpriseServiceStat]:
    return _filtered(
        EnterpriseServiceStat.objects.all(), filters, "date_from", "date_to", "district"
    )


def _enterprise_aggregates() -> dict:
    Kind = EnterpriseServiceStat.Kind
    zero = Value(0, output_field=IntegerField())
    return {
        "enterprises": Count("enterprise_id", distinct=True),
        "consultations": Count("pk", filter=Q(kind=Kind.CONSULTATION)),
        "lab_visits": Count("pk", filter=Q(kind=Kind.LAB_VISIT)),
        "machine_time": Count("pk", filter=Q(kind=Kind.MACHINE_TIME)),
        "visitors": Coalesce(Sum("people", filter=Q(kind=Kind.LAB_VISIT)), zero),
    }


def enterprise_size_breakdown(*, filters: StatsFilters) -> list[dict]:
    """Enterprises helped (a completed consultation, a lab visit or machine time attended),
    completed consultations, lab visits attended, machine time used and lab visitors, per
    enterprise size (large, medium, small, micro, in that order; every size has a row).
    Date range and district filters apply (the enterprise's district; the service's day)."""
    found = {
        row["key"]: dict(row)
        for row in _enterprise_services(filters)
        .values(key=F("enterprise_size"))
        .annotate(**_enterprise_aggregates())
        .order_by("key")
    }
    empty = {
        "enterprises": 0,
        "consultations": 0,
        "lab_visits": 0,
        "machine_time": 0,
        "visitors": 0,
    }
    rows = []
    for size in Enterprise.Size:
        row = found.pop(size.value, {"key": size.value, **empty})
        row["label"] = str(size.label)
        rows.append(row)
    for key, row in sorted(found.items()):  # a size no longer offered
        row["label"] = key or gettext("Not specified")
        rows.append(row)
    return rows


def enterprise_summary(*, filters: StatsFilters) -> dict:
    """Enterprises helped in all, small and micro enterprises helped and their share."""
    qs = _enterprise_services(filters)
    total = qs.aggregate(n=Count("enterprise_id", distinct=True))["n"]
    small_micro = qs.filter(enterprise_size__in=SMALL_AND_MICRO).aggregate(
        n=Count("enterprise_id", distinct=True)
    )["n"]
    return {
        "enterprises": total,
        "small_micro": small_micro,
        "small_micro_share": _rate(small_micro, total),
    }


# --- consumer warnings -------------------------------------------------------------------

# The count of each risk level, named for the columns, most serious first.
RISK_LEVEL_KEYS = {
    RiskLevel.HIGH: "risk_high",
    RiskLevel.MEDIUM: "risk_medium",
    RiskLevel.LOW: "risk_low",
}


def _consumer_warnings(filters: StatsFilters) -> QuerySet[ConsumerWarningPage]:
    """Live consumer warnings in the default language (a translation is the same warning),
    published (their published date) within the date filters. The other filters are about
    places and open days: they do not apply to a warning."""
    qs = ConsumerWarningPage.objects.live().filter(locale=Locale.get_default()).order_by()
    if filters.date_from:
        qs = qs.filter(date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(date__lte=filters.date_to)
    return qs


def _consumer_warning_aggregates() -> dict:
    return {
        "warnings": Count("pk"),
        **{key: Count("pk", filter=Q(risk_level=level)) for level, key in RISK_LEVEL_KEYS.items()},
    }


def consumer_warning_summary(*, filters: StatsFilters) -> dict:
    """Consumer warnings published and the count of each risk level."""
    return _consumer_warnings(filters).aggregate(**_consumer_warning_aggregates())


def consumer_warning_breakdown(*, filters: StatsFilters) -> list[dict]:
    """Consumer warnings published per product category, with the count of each risk
    level: every category has a row, in the order the regulator lists them (a category no
    longer offered follows)."""
    found = {
        row["key"]: dict(row)
        for row in _consumer_warnings(filters)
        .values(key=F("product_category"))
        .annotate(**_consumer_warning_aggregates())
        .order_by("key")
    }
    empty = {"warnings": 0, **dict.fromkeys(RISK_LEVEL_KEYS.values(), 0)}
    rows = []
    for category in ProductCategory:
        row = found.pop(category.value, {"key": category.value, **empty})
        row["label"] = str(category.label)
        rows.append(row)
    for key, row in sorted(found.items()):
        row["label"] = key or gettext("Not specified")
        rows.append(row)
    return rows


# --- the plan's targets ------------------------------------------------------------------


def plan_progress() -> dict:
    """The plan's targets against the institutions on the portal (live institution pages
    in the default language) and the latest regional figures staff entered in the
    settings (``PlanTargets``), each with its progress (a share of the target, ``None``
    without a figure)."""
    targets = PlanTargets.load()
    # The plan counts CMA-accredited institutions: other hosts (R&D centres, universities,
    # training bases) are not part of the target.
    on_portal = (
        InstitutionPage.objects.live()
        .filter(locale=Locale.get_default(), kind=HostKind.ACCREDITED)
        .count()
    )
    regional = targets.institutions_regional
    return {
        "plan_name": targets.plan_name_en
        if get_language() == "en" and targets.plan_name_en
        else targets.plan_name,
        "target_year": targets.target_year,
        "institutions_target": targets.institutions_target,
        "institutions_baseline": targets.institutions_baseline,
        "baseline_year": targets.baseline_year,
        "institutions_on_portal": on_portal,
        "portal_progress": _rate(on_portal, targets.institutions_target),
        "institutions_regional": regional,
        "institutions_regional_as_of": targets.institutions_regional_as_of,
        "regional_progress": None
        if regional is None
        else _rate(regional, targets.institutions_target),
        "centres_target": targets.centres_target,
        "centres_regional": targets.centres_regional,
        "centres_regional_as_of": targets.centres_regional_as_of,
        "centres_progress": None
        if targets.centres_regional is None
        else _rate(targets.centres_regional, targets.centres_target),
    }


# --- campaigns and refreshes -------------------------------------------------------------


def public_figures(*, campaign: OpenDayIndexPage) -> dict:
    """The figures of the public "open day in numbers" page and the API, as numbers: the
    campaign's open-day headline (``open_day``), the districts with sessions, the figures
    by activity type (``by_type``), and the consultations and lab visits of the campaign's
    days. Counts only, never a person."""
    open_day_filters = StatsFilters(campaign_id=campaign.pk)
    period = StatsFilters(date_from=campaign.start_date, date_to=campaign.end_date)
    districts = open_day_breakdown(filters=open_day_filters, by="district")
    return {
        "open_day": open_day_headline(filters=open_day_filters),
        "districts": sum(1 for row in districts if row["sessions"]),
        "by_type": open_day_breakdown(filters=open_day_filters, by="activity_type"),
        "consultations": consultation_summary(filters=period),
        "lab_visits": lab_visit_summary(filters=period),
    }


def stats_last_refresh() -> StatsRefresh | None:
    """The last finished rebuild of the summary tables."""
    return StatsRefresh.objects.filter(finished_at__isnull=False).first()


def campaign_current() -> OpenDayIndexPage | None:
    """The live campaign of the latest year, in the default language (the statistics are
    keyed by default-language pages; use ``.localized`` to show its title)."""
    return (
        OpenDayIndexPage.objects.live()
        .filter(locale=Locale.get_default())
        .order_by("-year", "-start_date", "-pk")
        .first()
    )


def campaigns_earlier(*, than: OpenDayIndexPage, limit: int = 3) -> list[OpenDayIndexPage]:
    """The live default-language campaigns of the years before ``than``'s, newest first."""
    return list(
        OpenDayIndexPage.objects.live()
        .filter(locale=Locale.get_default(), year__lt=than.year)
        .order_by("-year", "-start_date", "-pk")[:limit]
    )


def campaign_choices() -> list[tuple[int, str]]:
    """(id, title in the active language) of every default-language campaign, newest first."""
    campaigns = list(
        OpenDayIndexPage.objects.filter(locale=Locale.get_default())
        .order_by("-year", "-start_date", "-pk")
        .values_list("pk", flat=True)
    )
    titles = _page_titles(campaigns)
    return [(pk, titles[pk]) for pk in campaigns]


# --- ratings -------------------------------------------------------------------------------

RATING_BREAKDOWNS = ("kind", "institution", "expert")
# The count of each level, named for the columns, best first.
RATING_LEVEL_KEYS = {
    Level.VERY_SATISFIED: "very_satisfied",
    Level.SATISFIED: "satisfied",
    Level.NEUTRAL: "neutral",
    Level.DISSATISFIED: "dissatisfied",
    Level.VERY_DISSATISFIED: "very_dissatisfied",
}


def _ratings(filters: StatsFilters) -> QuerySet[Rating]:
    qs = Rating.objects.order_by()
    if filters.date_from:
        qs = qs.filter(created_at__date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(created_at__date__lte=filters.date_to)
    if filters.institution_id:
        qs = qs.filter(institution_id=filters.institution_id)
    return qs


def _rating_aggregates() -> dict:
    return {
        "ratings": Count("pk"),
        **{key: Count("pk", filter=Q(level=level)) for level, key in RATING_LEVEL_KEYS.items()},
    }


def _rating_rates(row: dict) -> dict:
    row["satisfied_rate"] = _rate(row["very_satisfied"] + row["satisfied"], row["ratings"])
    return row


def _kind_label(kind: str) -> str:
    try:
        return str(kind_for(kind).label)
    except UnknownKindError:
        return kind


def rating_summary(*, filters: StatsFilters) -> dict:
    """Ratings given, the count of each level and the share satisfied."""
    return _rating_rates(_ratings(filters).aggregate(**_rating_aggregates()))


def rating_breakdown(*, filters: StatsFilters, by: str) -> list[dict]:
    """Ratings, the count of each level and the share satisfied per service kind,
    institution or expert (ratings that count for none are left out of the last two)."""
    if by not in RATING_BREAKDOWNS:
        raise ValueError(f"unknown breakdown {by!r}")
    column = {"institution": "institution_id", "expert": "expert_id"}.get(by, by)
    qs = _ratings(filters)
    if by != "kind":
        qs = qs.filter(**{f"{column}__isnull": False})
    rows: list[dict[str, Any]] = [
        _rating_rates(dict(row))
        for row in qs.values(key=F(column)).annotate(**_rating_aggregates()).order_by("key")
    ]
    keys = [r["key"] for r in rows]
    if by == "kind":
        labels = {k: _kind_label(k) for k in keys}
    elif by == "institution":
        labels = _page_titles(keys)
    else:
        labels = _expert_names(keys)
    for row in rows:
        row["label"] = labels.get(row["key"], str(row["key"]))
    return rows


__all__ = [
    "FILTER_FIELDS",
    "StatsFilters",
    "campaign_choices",
    "campaign_current",
    "campaigns_earlier",
    "consultation_breakdown",
    "consultation_summary",
    "consumer_warning_breakdown",
    "consumer_warning_summary",
    "enterprise_size_breakdown",
    "enterprise_summary",
    "lab_visit_breakdown",
    "lab_visit_summary",
    "open_day_breakdown",
    "open_day_headline",
    "plan_progress",
    "rating_breakdown",
    "rating_summary",
    "stats_filters_from_query",
    "stats_last_refresh",
]
