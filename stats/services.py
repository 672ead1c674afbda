"""Rebuild of the statistics summary tables.

``stats_refresh`` replaces the three summary tables in one transaction. Each is computed by
one aggregate query (``GROUP BY`` session, consultation or visit slot, with conditional
``SUM``/``COUNT ... FILTER``), so the work done in Python grows with the number of
sessions, consultations and slots, never with the number of registrations. Readers keep
seeing the previous figures until the transaction commits.
"""

from __future__ import annotations

import logging
import time

from django.db import connection, transaction
from django.db.models import Count, IntegerField, Min, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from wagtail.models import Locale

from consultations.models import Consultation
from events.models import ActivityPage, OpenDayIndexPage, Registration, Session
from labvisits.models import LabVisit, VisitSlot
from stats.models import ConsultationStat, LabVisitStat, SessionStat, StatsRefresh

logger = logging.getLogger(__name__)

BATCH_SIZE = 500  # rows per INSERT (SQLite allows 999 parameters per statement in old builds)

# Arbitrary constant naming the refresh's PostgreSQL advisory lock.
_ADVISORY_LOCK_KEY = 5_001_001


PEOPLE_FIGURES = ("registered", "waitlisted", "cancelled", "checked_in", "walk_ins", "no_shows")


def _people(condition: Q) -> Coalesce:
    """People (party sizes) of the registrations matching ``condition``."""
    return Coalesce(
        Sum("party_size", filter=condition),
        Value(0, output_field=IntegerField()),
    )


def _session_rows() -> list[SessionStat]:
    """One ``SessionStat`` per session of a default-language activity page."""
    # The campaign is the activity's parent page. Activities are few: resolve each one's
    # parent through the treebeard path (parent path = path minus the last step) once,
    # instead of joining the page tree into the aggregate query.
    steplen = ActivityPage.steplen
    campaigns = dict(OpenDayIndexPage.objects.values_list("path", "pk"))
    activities = {
        a["pk"]: a
        for a in ActivityPage.objects.filter(locale=Locale.get_default()).values(
            "pk", "path", "activity_type", "district", "institution_id"
        )
    }
    for a in activities.values():
        a["campaign_id"] = campaigns.get(a["path"][:-steplen])

    # The registrations are grouped by session alone (the same plan as a plain GROUP BY
    # over the table); the 2,000-odd sessions are read separately and merged below.
    Status = Registration.Status
    walk_in = Q(source=Registration.Source.WALK_IN)
    people = {
        row.pop("session_id"): row
        for row in Registration.objects.order_by()
        .values("session_id")
        .annotate(
            registered=_people(
                Q(status__in=(Status.CONFIRMED, Status.CHECKED_IN, Status.NO_SHOW)) & ~walk_in
            ),
            waitlisted=_people(Q(status=Status.WAITLISTED)),
            cancelled=_people(Q(status=Status.CANCELLED)),
            checked_in=_people(Q(status=Status.CHECKED_IN)),
            walk_ins=_people(walk_in),
            no_shows=_people(Q(status=Status.NO_SHOW)),
        )
    }
    no_one = dict.fromkeys(PEOPLE_FIGURES, 0)
    # Every session belongs to a default-language page (translations share them); rows of
    # unknown activities are skipped below.
    sessions = (
        Session.objects.order_by()
        .values("pk", "activity_id", "starts_at", "capacity")
        .annotate(day=TruncDate("starts_at", tzinfo=timezone.get_current_timezone()))
    )
    rows = []
    for s in sessions:  # one row per session
        activity = activities.get(s["activity_id"])
        if activity is None or activity["campaign_id"] is None:
            continue
        rows.append(
            SessionStat(
                session_id=s["pk"],
                campaign_id=activity["campaign_id"],
                activity_id=s["activity_id"],
                institution_id=activity["institution_id"],
                activity_type=activity["activity_type"],
                district=activity["district"],
                day=s["day"],
                starts_at=s["starts_at"],
                capacity=s["capacity"],
                **people.get(s["pk"], no_one),
            )
        )
    return rows


def _consultation_rows() -> list[ConsultationStat]:
    """One ``ConsultationStat`` per consultation, with the time to its first confirmation."""
    aggregated = (
        Consultation.objects.order_by()
        .values(
            "pk",
            "service",
            "field",
            "enterprise__district",
            "expert_id",
            "state",
            "created_at",
            "ends_at",
            "rating",
        )
        .annotate(
            day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()),
            confirmed_at=Min("changes__created_at", filter=Q(changes__to_state="confirmed")),
        )
    )
    rows = []
    for c in aggregated:
        confirm_seconds = None
        if c["confirmed_at"] is not None:
            confirm_seconds = max(int((c["confirmed_at"] - c["created_at"]).total_seconds()), 0)
        rows.append(
            ConsultationStat(
                consultation_id=c["pk"],
                service=c["service"],
                field=c["field"],
                district=c["enterprise__district"] or "",
                expert_id=c["expert_id"],
                state=c["state"],
                requested_at=c["created_at"],
                day=c["day"],
                ends_at=c["ends_at"],
                confirm_seconds=confirm_seconds,
                rating=c["rating"],
            )
        )
    return rows


def _lab_visit_rows() -> list[LabVisitStat]:
    """One ``LabVisitStat`` per visit slot."""
    State = LabVisit.State
    zero = Value(0, output_field=IntegerField())
    held = Q(visits__state__in=(State.APPROVED, State.NO_SHOW))
    aggregated = (
        VisitSlot.objects.order_by()
        .values("pk", "lab_id", "lab__institution_id", "lab__institution__district", "capacity")
        .annotate(
            day=TruncDate("starts_at", tzinfo=timezone.get_current_timezone()),
            requests=Count("visits"),
            approved=Count("visits", filter=held),
            visitors=Coalesce(Sum("visits__group_size", filter=held), zero),
            checked_in=Coalesce(
                Sum("visits__group_size", filter=Q(visits__checked_in_at__isnull=False)), zero
            ),
        )
    )
    return [
        LabVisitStat(
            slot_id=v["pk"],
            lab_id=v["lab_id"],
            institution_id=v["lab__institution_id"],
            district=v["lab__institution__district"] or "",
            day=v["day"],
            capacity=v["capacity"],
            requests=v["requests"],
            approved=v["approved"],
            visitors=v["visitors"],
            checked_in=v["checked_in"],
        )
        for v in aggregated
    ]


def stats_refresh() -> StatsRefresh:
    """Rebuild ``SessionStat``, ``ConsultationStat`` and ``LabVisitStat`` from the
    operational rows and record the run (``StatsRefresh`` with its duration).

    Idempotent. Two refreshes running at once (beat plus an on-demand run) would both
    delete and insert the same primary keys: on PostgreSQL a transaction-level advisory
    lock makes the second wait for the first; SQLite serialises writers by itself.
    """
    started = time.monotonic()
    started_at = timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])
        sessions = _session_rows()
        consultations = _consultation_rows()
        lab_visits = _lab_visit_rows()
        for model, rows in (
            (SessionStat, sessions),
            (ConsultationStat, consultations),
            (LabVisitStat, lab_visits),
        ):
            model.objects.all().delete()
            model.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        total = len(sessions) + len(consultations) + len(lab_visits)
        refresh = StatsRefresh.objects.create(
            started_at=started_at,
            finished_at=timezone.now(),
            duration_ms=int((time.monotonic() - started) * 1000),
            rows=total,
        )
    logger.info("stats refresh: %d summary rows in %d ms", total, refresh.duration_ms)
    return refresh
