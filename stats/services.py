"""Rebuild of the statistics summary tables.

``stats_refresh`` replaces the four summary tables in one transaction. Each is computed by
one aggregate query (``GROUP BY`` session, consultation or visit slot, with conditional
``SUM``/``COUNT ... FILTER``), so the work done in Python grows with the number of
consultations and slots, never with the number of registrations: ``SessionStat``, the
large one, is written by one ``INSERT ... SELECT`` in the database. Readers keep seeing the
previous figures until the transaction commits.
"""

from __future__ import annotations

import logging
import time

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import Count, F, IntegerField, Min, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from wagtail.models import Locale

from consultations.models import Consultation
from events.models import ActivityPage, OpenDayIndexPage, Registration, Session
from labvisits.models import LabVisit, VisitSlot
from ratings.models import Rating
from stats.models import (
    ConsultationStat,
    EnterpriseServiceStat,
    LabVisitStat,
    SessionStat,
    StatsRefresh,
)

logger = logging.getLogger(__name__)

BATCH_SIZE = 500  # rows per INSERT (SQLite allows 999 parameters per statement in old builds)

# Arbitrary constant naming the refresh's PostgreSQL advisory lock.
_ADVISORY_LOCK_KEY = 5_001_001


PEOPLE_FIGURES = ("registered", "waitlisted", "cancelled", "checked_in", "walk_ins", "no_shows")


# Temporary table holding the per-session figures on PostgreSQL (see ``_session_stats_build``).
_FIGURES_TABLE = "stats_refresh_session_figures"


def _session_figures() -> tuple[str, tuple]:
    """SQL and parameters of the people figures per session: one ``GROUP BY session_id`` over
    the registrations, joined to nothing, so it is the plan of a plain ``GROUP BY``. Sessions
    without registrations have no row (their figures are 0)."""
    Status = Registration.Status
    walk_in = Q(source=Registration.Source.WALK_IN)
    registered = Q(status__in=(Status.CONFIRMED, Status.CHECKED_IN, Status.NO_SHOW)) & ~walk_in
    figures = {
        "registered": registered,
        "waitlisted": Q(status=Status.WAITLISTED),
        "cancelled": Q(status=Status.CANCELLED),
        "checked_in": Q(status=Status.CHECKED_IN),
        "walk_ins": walk_in,
        "no_shows": Q(status=Status.NO_SHOW),
    }
    queryset = (
        Registration.objects.order_by()
        .values("session_id")
        .annotate(**{name: Sum("party_size", filter=figures[name]) for name in PEOPLE_FIGURES})
    )
    return queryset.query.sql_with_params()


def _session_stats_build(cursor: CursorWrapper) -> int:
    """Insert one ``SessionStat`` per session of a default-language activity page whose parent
    is a campaign (``SessionStat`` must be empty) with one ``INSERT ... SELECT`` run by the
    database: no registration passes through Python. Returns the number of rows inserted.

    The registrations are aggregated by session alone; the small tables (sessions, activity
    pages, campaigns) are joined to the 2,000-odd aggregated rows, not to each registration.
    PostgreSQL never runs the query of an ``INSERT ... SELECT`` in parallel but does run the
    one of a ``CREATE TABLE ... AS``, so there the figures go to a temporary table first and
    the scan of the registrations gets the parallel workers a plain ``GROUP BY`` gets.
    """
    qn = connection.ops.quote_name
    figures_sql, figures_params = _session_figures()
    sessions_sql, sessions_params = (
        Session.objects.order_by()
        .values(
            s_id=F("pk"),
            s_activity=F("activity_id"),
            s_day=TruncDate("starts_at", tzinfo=timezone.get_current_timezone()),
            s_starts_at=F("starts_at"),
            s_format=F("format"),
            # Null for an online session without a limit: it offers no places, and the
            # fill rate leaves it out (``stats.selectors``).
            s_capacity=F("capacity"),
        )
        .query.sql_with_params()
    )
    activities_sql, activities_params = (
        ActivityPage.objects.order_by()
        .filter(locale=Locale.get_default())
        .values(
            a_id=F("pk"),
            a_path=F("path"),
            a_institution=F("institution_id"),
            a_host_kind=Coalesce(F("institution__kind"), Value("")),
            a_type=F("activity_type"),
            a_district=F("district"),
            a_zone=F("zone"),
        )
        .query.sql_with_params()
    )
    campaigns_sql, campaigns_params = (
        OpenDayIndexPage.objects.order_by().values(c_id=F("pk"), c_path=F("path")).query
    ).sql_with_params()
    if connection.vendor == "postgresql":
        cursor.execute(
            f"CREATE TEMPORARY TABLE {qn(_FIGURES_TABLE)} ON COMMIT DROP AS {figures_sql}",
            figures_params,
        )
        figures_source, figures_params = qn(_FIGURES_TABLE), ()
    else:
        figures_source = f"({figures_sql})"
    columns = {
        "session_id": "d.s_id",
        "campaign_id": "c.c_id",
        "activity_id": "d.s_activity",
        "institution_id": "a.a_institution",
        "host_kind": "a.a_host_kind",
        "activity_type": "a.a_type",
        "district": "a.a_district",
        "zone": "a.a_zone",
        "day": "d.s_day",
        "starts_at": "d.s_starts_at",
        "format": "d.s_format",
        "capacity": "d.s_capacity",
        **{name: f"COALESCE(f.{qn(name)}, 0)" for name in PEOPLE_FIGURES},
    }
    # The campaign is the activity's parent page: treebeard's parent path is the path minus
    # its last step (one join over the 200-odd activities, on the unique page path).
    cursor.execute(
        f"INSERT INTO {qn(SessionStat._meta.db_table)} ({', '.join(map(qn, columns))}) "
        f"SELECT {', '.join(columns.values())} "
        f"FROM ({sessions_sql}) d "
        f"INNER JOIN ({activities_sql}) a ON a.a_id = d.s_activity "
        f"INNER JOIN ({campaigns_sql}) c "
        f"ON c.c_path = SUBSTR(a.a_path, 1, LENGTH(a.a_path) - %s) "
        f"LEFT JOIN {figures_source} f ON f.{qn('session_id')} = d.s_id",
        (
            *sessions_params,
            *activities_params,
            *campaigns_params,
            ActivityPage.steplen,
            *figures_params,
        ),
    )
    inserted = cursor.rowcount
    if connection.vendor == "postgresql":
        # Dropped at once rather than at commit: the refresh may run inside a longer
        # transaction (as a savepoint), where a second run would find the table still there.
        cursor.execute(f"DROP TABLE {qn(_FIGURES_TABLE)}")
    return inserted


def _consultation_rows() -> list[ConsultationStat]:
    """One ``ConsultationStat`` per consultation, with the time to its first confirmation."""
    aggregated = (
        Consultation.objects.order_by()
        .values(
            "pk",
            "service",
            "field",
            "enterprise__district",
            "enterprise__zone",
            "expert_id",
            "state",
            "created_at",
            "ends_at",
        )
        .annotate(
            day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()),
            confirmed_at=Min("changes__created_at", filter=Q(changes__to_state="confirmed")),
        )
    )
    # The consultation's rating (``ratings``, one per consultation), by id, in one query.
    levels = dict(Rating.objects.filter(kind="consultation").values_list("object_id", "level"))
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
                zone=c["enterprise__zone"] or "",
                expert_id=c["expert_id"],
                state=c["state"],
                requested_at=c["created_at"],
                day=c["day"],
                ends_at=c["ends_at"],
                confirm_seconds=confirm_seconds,
                rating=levels.get(c["pk"]),
            )
        )
    return rows


def _lab_visit_rows() -> list[LabVisitStat]:
    """One ``LabVisitStat`` per visit slot."""
    State = LabVisit.State
    zero = Value(0, output_field=IntegerField())
    held = Q(visits__state__in=(State.APPROVED, State.NO_SHOW))
    aggregated = (
        # Lab visits only: machine time on shared instruments (slots naming an instrument)
        # is counted apart, on the dashboard (stats.instruments).
        VisitSlot.objects.order_by()
        .filter(instrument__isnull=True)
        .values(
            "pk",
            "lab_id",
            "lab__institution_id",
            "lab__institution__district",
            "lab__institution__zone",
            "capacity",
        )
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
            zone=v["lab__institution__zone"] or "",
            day=v["day"],
            capacity=v["capacity"],
            requests=v["requests"],
            approved=v["approved"],
            visitors=v["visitors"],
            checked_in=v["checked_in"],
        )
        for v in aggregated
    ]


def _enterprise_service_rows() -> list[EnterpriseServiceStat]:
    """One ``EnterpriseServiceStat`` per completed consultation and per lab visit the
    enterprise attended, with the enterprise's size, district and zone (two queries)."""
    tz = timezone.get_current_timezone()
    Kind = EnterpriseServiceStat.Kind
    rows = [
        EnterpriseServiceStat(
            kind=Kind.CONSULTATION,
            source_id=c["pk"],
            enterprise_id=c["enterprise_id"],
            enterprise_size=c["enterprise__size"] or "",
            district=c["enterprise__district"] or "",
            zone=c["enterprise__zone"] or "",
            day=c["day"],
            people=0,
        )
        for c in Consultation.objects.order_by()
        .filter(state=Consultation.State.COMPLETED)
        .annotate(day=TruncDate(Coalesce("starts_at", "completed_at", "created_at"), tzinfo=tz))
        .values(
            "pk",
            "enterprise_id",
            "enterprise__size",
            "enterprise__district",
            "enterprise__zone",
            "day",
        )
    ]
    rows += [
        EnterpriseServiceStat(
            # Machine time on a shared instrument is a lab visit on a slot that names the
            # instrument: a service received, counted as its own kind.
            kind=Kind.MACHINE_TIME if v["slot__instrument_id"] else Kind.LAB_VISIT,
            source_id=v["pk"],
            enterprise_id=v["enterprise_id"],
            enterprise_size=v["enterprise__size"] or "",
            district=v["enterprise__district"] or "",
            zone=v["enterprise__zone"] or "",
            day=v["day"],
            people=v["group_size"],
        )
        for v in LabVisit.objects.order_by()
        # Lab visits and machine time attended.
        .filter(checked_in_at__isnull=False)
        .annotate(day=TruncDate("slot__starts_at", tzinfo=tz))
        .values(
            "pk",
            "slot__instrument_id",
            "enterprise_id",
            "enterprise__size",
            "enterprise__district",
            "enterprise__zone",
            "day",
            "group_size",
        )
    ]
    return rows


def stats_refresh() -> StatsRefresh:
    """Rebuild ``SessionStat``, ``ConsultationStat``, ``LabVisitStat`` and
    ``EnterpriseServiceStat`` from the operational rows and record the run
    (``StatsRefresh`` with its duration).

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
        with connection.cursor() as cursor:
            # One plain DELETE per table (``QuerySet.delete()`` would first read the rows):
            # readers keep seeing the old rows until commit. TRUNCATE would be cheaper but
            # takes an exclusive lock: the dashboard would wait for the whole refresh, and
            # the refresh for any report still reading the tables.
            for model in (SessionStat, ConsultationStat, LabVisitStat, EnterpriseServiceStat):
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
            sessions = _session_stats_build(cursor)
        consultations = _consultation_rows()
        lab_visits = _lab_visit_rows()
        services = _enterprise_service_rows()
        ConsultationStat.objects.bulk_create(consultations, batch_size=BATCH_SIZE)
        LabVisitStat.objects.bulk_create(lab_visits, batch_size=BATCH_SIZE)
        EnterpriseServiceStat.objects.bulk_create(services, batch_size=BATCH_SIZE)
        total = sessions + len(consultations) + len(lab_visits) + len(services)
        refresh = StatsRefresh.objects.create(
            started_at=started_at,
            finished_at=timezone.now(),
            duration_ms=int((time.monotonic() - started) * 1000),
            rows=total,
        )
    logger.info("stats refresh: %d summary rows in %d ms", total, refresh.duration_ms)
    return refresh
