"""Benchmark of the attendance statistics over a large campaign.

    .venv/bin/python bench/statistics.py            # 1,000,000 registrations on PostgreSQL

Uses the database of ``DATABASE_URL`` (PostgreSQL intended; SQLite works with smaller
counts) only to create a dedicated database next to it, ``<name>_bench_stats`` (SQLite: a
temporary file), which is migrated, filled and dropped at the end. Without ``DATABASE_URL``
it uses ``DEFAULT_DATABASE_URL`` (PostgreSQL on 127.0.0.1:5432) when that server answers,
else SQLite with ``SQLITE_REGISTRATIONS`` registrations unless ``--registrations`` is given.

It generates one campaign with ``--activities`` activities of ``--sessions-per-activity``
sessions (default 200 x 10 = 2,000 sessions) and N registrations with one set-based ``INSERT ...
SELECT`` (PostgreSQL ``generate_series``, SQLite a recursive CTE), then times:

- ``stats_refresh()`` (rebuilds the summary tables from the registrations),
- the report selectors the dashboard calls (headline and five breakdowns),
- a plain SQL ``GROUP BY`` over the registrations returning the same per-session figures,

checks that the figures agree, and prints one table of times with their ratio to the
``GROUP BY`` and whether the refresh meets its target (``TARGET_RATIO``). Each step runs
once untimed (warm cache and plans for all), then ``--repeat`` rounds take turns, one run
of every step per round, so that a busy machine slows all steps alike; the best run of each
step is shown. The exit status is 1 if the figures disagree. Every statement is bounded by
``--statement-timeout`` on PostgreSQL.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, where this module would
# shadow the standard library's ``statistics`` (which Django's SQLite backend imports).
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

import argparse  # noqa: E402
import datetime  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

# Where the benchmarks run; used when DATABASE_URL is unset and the server answers.
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench"
DEFAULT_REGISTRATIONS = 1_000_000
SQLITE_REGISTRATIONS = 100_000  # the SQLite fallback's default: a full run stays short
# stats_refresh() may take at most this many times the plain GROUP BY (issue 6, benchmark 3).
TARGET_RATIO = 1.5


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--registrations",
        type=int,
        default=None,
        help=f"Default {DEFAULT_REGISTRATIONS:,} ({SQLITE_REGISTRATIONS:,} on SQLite).",
    )
    parser.add_argument("--activities", type=int, default=200)
    parser.add_argument("--sessions-per-activity", type=int, default=10)
    parser.add_argument(
        "--repeat", type=int, default=3, help="Runs of each timed step; the best is shown."
    )
    parser.add_argument(
        "--statement-timeout",
        type=int,
        default=300,
        help="Seconds any one statement may take on PostgreSQL before the bench gives up.",
    )
    parser.add_argument(
        "--keep", action="store_true", help="Keep the benchmark database (for inspection)."
    )
    return parser.parse_args()


def postgres_answers(url: str) -> bool:
    """Whether the PostgreSQL server of ``url`` accepts a connection (to its ``postgres``
    database, where the benchmark database is created from)."""
    try:
        import psycopg
        from dj_database_url import parse

        db = parse(url)
        psycopg.connect(
            dbname="postgres",
            user=db["USER"],
            password=db["PASSWORD"] or None,
            host=db["HOST"],
            port=db["PORT"] or 5432,
            connect_timeout=3,
        ).close()
    except Exception:  # noqa: BLE001 - any failure means "use SQLite"
        return False
    return True


def choose_database(args: argparse.Namespace) -> None:
    """Fill in DATABASE_URL and --registrations when they were not given."""
    if not os.environ.get("DATABASE_URL"):
        if postgres_answers(DEFAULT_DATABASE_URL):
            os.environ["DATABASE_URL"] = DEFAULT_DATABASE_URL
        else:
            print(
                f"Note: DATABASE_URL is unset and no PostgreSQL answers at "
                f"{DEFAULT_DATABASE_URL}: using SQLite"
                + ("" if args.registrations else f" with {SQLITE_REGISTRATIONS:,} registrations")
                + ". The target applies to PostgreSQL.",
                flush=True,
            )
            if args.registrations is None:
                args.registrations = SQLITE_REGISTRATIONS
    if args.registrations is None:
        args.registrations = DEFAULT_REGISTRATIONS


def setup_django(args: argparse.Namespace) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("PORTAL_VAR_DIR", tempfile.mkdtemp(prefix="bench-stats-var-"))
    import django
    from django.conf import settings

    django.setup()
    logging.disable(logging.INFO)  # page-creation and task chatter
    db = settings.DATABASES["default"]
    settings.DEBUG = False  # no query log kept in memory
    if db["ENGINE"].endswith("sqlite3"):
        db["TEST"]["NAME"] = str(Path(tempfile.mkdtemp(prefix="bench-stats-")) / "bench.sqlite3")
    else:
        db["TEST"]["NAME"] = f"{db['NAME']}_bench_stats"
        options = db.setdefault("OPTIONS", {})
        options["options"] = f"-c statement_timeout={args.statement_timeout * 1000}"


def create_database() -> str:
    from django.db import connection

    print(f"Creating and migrating the benchmark database ({connection.vendor}) ...", flush=True)
    return connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)


def generate(args: argparse.Namespace) -> int:
    """The campaign, its activities and sessions (ORM) and the registrations (one set-based
    INSERT). Returns the number of sessions."""
    from django.db import connection, transaction
    from django.utils import timezone
    from wagtail.models import Locale, Page

    from events.models import ActivityPage, ActivityType, OpenDayIndexPage, Session
    from experts.models import InstitutionIndexPage, InstitutionPage
    from portal.choices import District

    locale = Locale.get_default()
    root = Page.get_first_root_node()
    today = timezone.localdate()
    campaign = root.add_child(
        instance=OpenDayIndexPage(
            title="Bench open day",
            slug="bench-open-day",
            locale=locale,
            year=today.year,
            theme="bench",
            start_date=today,
            end_date=today + datetime.timedelta(days=9),
        )
    )
    index = root.add_child(
        instance=InstitutionIndexPage(
            title="Institutions", slug="bench-institutions", locale=locale
        )
    )
    districts = District.values
    institutions = [
        index.add_child(
            instance=InstitutionPage(
                title=f"Institution {n}",
                slug=f"bench-institution-{n}",
                locale=locale,
                accreditation_number=f"2000220{n:05d}",
                district=districts[n % len(districts)],
                address="bench",
                summary="bench",
            )
        )
        for n in range(20)
    ]
    types = ActivityType.values
    sessions = []
    start = timezone.make_aware(datetime.datetime.combine(today, datetime.time(9)))
    for n in range(args.activities):
        activity = campaign.add_child(
            instance=ActivityPage(
                title=f"Activity {n}",
                slug=f"bench-activity-{n}",
                locale=locale,
                activity_type=types[n % len(types)],
                institution=institutions[n % len(institutions)],
                summary="bench",
                venue="bench",
                address="bench",
                district=districts[n % len(districts)],
            )
        )
        for k in range(args.sessions_per_activity):
            starts_at = start + datetime.timedelta(days=k % 10, hours=(n + k) % 8)
            sessions.append(
                Session(
                    activity=activity,
                    starts_at=starts_at,
                    ends_at=starts_at + datetime.timedelta(hours=2),
                    capacity=400 + (n * 7 + k) % 300,
                    max_party_size=3,
                )
            )
    Session.objects.bulk_create(sessions, batch_size=500)
    print(f"  {args.activities} activities, {len(sessions)} sessions", flush=True)

    # Registration g goes to session (g mod S), with a status and source spread:
    # 1 in 20 cancelled, 1 in 20 waitlisted, 1 in 10 no-show, 1 in 25 a walk-in (checked in),
    # 4 in 10 checked in, the rest confirmed; party sizes 1 to 3.
    n = args.registrations
    status = """CASE
        WHEN g %% 25 = 0 THEN 'checked_in'
        WHEN g %% 20 = 1 THEN 'cancelled'
        WHEN g %% 20 = 2 THEN 'waitlisted'
        WHEN g %% 10 = 3 THEN 'no_show'
        WHEN g %% 10 IN (4, 5, 6, 7) THEN 'checked_in'
        ELSE 'confirmed' END"""
    source = "CASE WHEN g %% 25 = 0 THEN 'walk_in' ELSE 'online' END"
    columns = (
        "session_id, created_at, updated_at, name, phone, email, organisation, party_size, "
        "language, status, consent_version, source"
    )
    select = f"""
        SELECT s.id, %s, %s, 'bench', {{phone}}, '', '', 1 + g %% 3,
               'zh-hans', {status}, '', {source}
        FROM {{series}}
        JOIN (SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS n FROM events_session) s
          ON s.n = g %% {len(sessions)}
    """
    now = timezone.now()
    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = f"INSERT INTO events_registration ({columns}) " + select.format(
                phone="'+86' || LPAD(g::text, 11, '0')", series="generate_series(1, %s) AS g"
            )
            cursor.execute(sql, [now, now, n])
        else:
            sql = (
                "WITH RECURSIVE seq(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM seq WHERE g < %s) "
                f"INSERT INTO events_registration ({columns}) "
                + select.format(phone="'+86' || printf('%%011d', g)", series="seq")
            )
            cursor.execute(sql, [n, now, now])
    # Planner statistics for every table, as autovacuum keeps them on a live database
    # (freshly filled tables have none, and plans over them would be guesses).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"  {n:,} registrations in {time.monotonic() - started:.1f} s", flush=True)
    return len(sessions)


FIGURES = ("registered", "waitlisted", "cancelled", "checked_in", "walk_ins", "no_shows")

GROUP_BY_SQL = """
    SELECT session_id,
      SUM(CASE WHEN status IN ('confirmed', 'checked_in', 'no_show') AND source <> 'walk_in'
               THEN party_size ELSE 0 END) AS registered,
      SUM(CASE WHEN status = 'waitlisted' THEN party_size ELSE 0 END) AS waitlisted,
      SUM(CASE WHEN status = 'cancelled' THEN party_size ELSE 0 END) AS cancelled,
      SUM(CASE WHEN status = 'checked_in' THEN party_size ELSE 0 END) AS checked_in,
      SUM(CASE WHEN source = 'walk_in' THEN party_size ELSE 0 END) AS walk_ins,
      SUM(CASE WHEN status = 'no_show' THEN party_size ELSE 0 END) AS no_shows
    FROM events_registration
    GROUP BY session_id
"""


def best_of_rounds(repeat: int, steps: dict) -> tuple[dict[str, float], dict]:
    """Run every step once untimed (warm cache, plans), then ``repeat`` rounds of one run
    of each step in turn. Returns the best time and the last result of each step."""
    results = {name: fn() for name, fn in steps.items()}
    best = dict.fromkeys(steps, float("inf"))
    for _ in range(repeat):
        for name, fn in steps.items():
            started = time.perf_counter()
            results[name] = fn()
            best[name] = min(best[name], time.perf_counter() - started)
    return best, results


def run(args: argparse.Namespace) -> int:
    from django.db import connection

    from stats.models import SessionStat
    from stats.selectors import (
        StatsFilters,
        campaign_current,
        open_day_breakdown,
        open_day_headline,
    )
    from stats.services import stats_refresh

    def group_by() -> dict[int, tuple]:
        with connection.cursor() as cursor:
            cursor.execute(GROUP_BY_SQL)
            return {row[0]: tuple(int(v) for v in row[1:]) for row in cursor.fetchall()}

    stats_refresh()  # the summary rows the report selectors read
    campaign = campaign_current()
    filters = StatsFilters(campaign_id=campaign.pk)

    def report() -> dict:
        result = {"headline": open_day_headline(filters=filters)}
        for by in ("activity", "institution", "activity_type", "district", "day"):
            result[by] = open_day_breakdown(filters=filters, by=by)
        return result

    best, results = best_of_rounds(
        args.repeat,
        {
            "group_by": group_by,
            "refresh": stats_refresh,
            "report": report,
            "headline": lambda: open_day_headline(filters=filters),
        },
    )
    expected, figures = results["group_by"], results["report"]

    # The summary rows must hold exactly what the plain GROUP BY returns.
    summary = {
        row["session_id"]: tuple(row[f] for f in FIGURES)
        for row in SessionStat.objects.values("session_id", *FIGURES)
    }
    mismatched = [pk for pk, values in expected.items() if summary.get(pk) != values]
    totals = tuple(sum(v[i] for v in expected.values()) for i in range(len(FIGURES)))
    headline = tuple(figures["headline"][f] for f in FIGURES)
    ok = not mismatched and totals == headline and len(summary) >= len(expected)

    base = best["group_by"]
    rows = [
        ("plain SQL GROUP BY over registrations (per session)", base),
        ("stats_refresh() (rebuild all summary tables)", best["refresh"]),
        ("report selectors (headline + 5 breakdowns)", best["report"]),
        ("stats_refresh() + report selectors", best["refresh"] + best["report"]),
        ("open_day_headline() alone", best["headline"]),
    ]
    print()
    print(
        f"{connection.vendor}, {args.registrations:,} registrations, {len(expected):,} "
        f"sessions with registrations, best of {args.repeat} (after one warm-up run each)"
    )
    print(f"{'step':<55} {'time':>10} {'vs GROUP BY':>12}")
    print("-" * 79)
    for label, seconds in rows:
        print(f"{label:<55} {seconds * 1000:>8.1f}ms {seconds / base:>11.3f}x")
    print("-" * 79)
    for label, seconds in rows[1], rows[3]:
        ratio = seconds / base
        verdict = "met" if ratio <= TARGET_RATIO else "NOT met"
        print(f"target <= {TARGET_RATIO}x for {label}: {verdict} ({ratio:.2f}x)")
    print(
        "figures agree: "
        + (
            "yes"
            if ok
            else f"NO ({len(mismatched)} sessions differ, totals {totals} vs {headline})"
        )
    )
    return 0 if ok else 1


def main() -> int:
    args = parse_args()
    choose_database(args)
    setup_django(args)
    from django.db import connection

    old_name = connection.settings_dict["NAME"]
    created = None
    started = time.monotonic()
    try:
        created = create_database()
        generate(args)
        status = run(args)
    finally:
        if created is not None and not args.keep:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        elif created is not None:
            print(f"Kept the benchmark database {created}.")
    print(f"total {time.monotonic() - started:.0f} s")
    return status


if __name__ == "__main__":
    sys.exit(main())
