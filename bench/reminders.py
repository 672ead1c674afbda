"""Benchmark of reminder sending: N due reminders sent by one Celery worker.

    .venv/bin/python bench/reminders.py --count 100000

Production-like: PostgreSQL (``DATABASE_URL``, default ``postgres://postgres@127.0.0.1:5432/
postgres``; only used to create ``portal_bench_reminders`` next to it, dropped and created
again, migrated, dropped at the end), Redis for the broker (``redis://127.0.0.1:6379/12``)
and the cache (``.../13``), ``DEBUG=0``. E-mails and text messages go to the dummy backends,
so the figures are the portal's own cost: claiming, rendering (ticket e-mail with QR code
and calendar file, text message) and recording.

Steps, all in one run:

1. Data: one campaign with ``--activities`` activities of ``--sessions-per-activity``
   sessions starting tomorrow, ``count / 2`` confirmed registrations (e-mail and phone, half
   in Chinese, half in English) and their e-mail and text-message reminders, all due now
   (set-based ``INSERT ... SELECT``). Also ``--direct-sample`` reminders not due yet, for
   reference B.
2. ONE worker: ``celery -A portal worker --queues=default,mail,reports --concurrency=C``
   (``--concurrency``, default 2: the machine's cores).
3. Reference A: the same worker runs ``reminder_send_task`` for ids that match no row (one
   ``UPDATE`` that claims nothing) through the same broker: the ceiling of the design that
   queued one task per reminder, before it renders or sends anything.
4. The run: the sweep task is queued as beat would (then every 60 s while rows are left);
   the time until no reminder is pending or being sent (bounded by ``--timeout``).
5. References B and C, in this process without Celery (the worker stopped): half the
   sample with ``reminder_send`` (one row per call, the single-row code path), the other
   half with ``reminders_send_batch`` (what the batch task runs): one process's rate
   without broker, and what batching saves per process.

Checks: sent == due, every sent row claimed once (``attempts == 1``); exit status 1 if not.
The worker is stopped, Redis dbs 12 and 13 flushed and the database dropped, even on error.
"""

from __future__ import annotations

import argparse
import datetime
import logging
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB_NAME = "portal_bench_reminders"
BROKER_URL = "redis://127.0.0.1:6379/12"
CACHE_URL = "redis://127.0.0.1:6379/13"
SWEEP_EVERY = 60.0  # seconds, as the beat schedule


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000, help="Due reminders to send.")
    parser.add_argument("--concurrency", type=int, default=2, help="Worker processes.")
    parser.add_argument(
        "--batch-size", type=int, default=100, help="REMINDER_BATCH_SIZE for the worker."
    )
    parser.add_argument("--activities", type=int, default=20)
    parser.add_argument("--sessions-per-activity", type=int, default=10)
    parser.add_argument(
        "--noop-count",
        type=int,
        default=20_000,
        help="Tasks for reference A (at most --count).",
    )
    parser.add_argument(
        "--direct-sample", type=int, default=2_000, help="Reminders for reference B."
    )
    parser.add_argument(
        "--timeout", type=float, default=1800, help="Seconds the run may take at most."
    )
    return parser.parse_args()


def setup_environment(args: argparse.Namespace) -> Path:
    """Environment shared by this process and the worker."""
    base = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
    if not base.startswith("postgres"):
        sys.exit("bench/reminders.py needs PostgreSQL (DATABASE_URL=postgres://...)")
    var_dir = Path(tempfile.mkdtemp(prefix="bench-reminders-var-"))
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "DATABASE_URL": base,
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "localhost,127.0.0.1",
            "EMAIL_DELIVERY_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            "SMS_BACKEND": "sms.backends.dummy.SmsBackend",
            "CELERY_BROKER_URL": BROKER_URL,
            "CACHE_URL": CACHE_URL,
            "PORTAL_VAR_DIR": str(var_dir),
            "REMINDER_BATCH_SIZE": str(args.batch_size),
            "CELERY_TASK_ALWAYS_EAGER": "0",
        }
    )
    return var_dir


def setup_django() -> None:
    import django
    from django.conf import settings

    django.setup()
    logging.disable(logging.WARNING)  # page creation chatter
    settings.DATABASES["default"]["TEST"]["NAME"] = DB_NAME


def create_database() -> str:
    from django.db import connection

    print(f"Creating and migrating {DB_NAME} ...", flush=True)
    return connection.creation.create_test_db(
        verbosity=0, autoclobber=True, keepdb=False, serialize=False
    )


def generate(args: argparse.Namespace) -> tuple[int, int]:
    """Pages and sessions (ORM), registrations and reminders (set-based INSERTs).
    Returns (due reminders, sample reminders not due yet)."""
    from django.db import connection, transaction
    from django.utils import timezone
    from wagtail.models import Locale, Page, Site

    from events.models import ActivityPage, ActivityType, OpenDayIndexPage, Session
    from experts.models import InstitutionIndexPage, InstitutionPage
    from portal.choices import District

    locale = Locale.get_default()
    Locale.objects.get_or_create(language_code="en")
    site = Site.objects.filter(is_default_site=True).first()
    parent = site.root_page.specific if site else Page.get_first_root_node()
    today = timezone.localdate()
    campaign = parent.add_child(
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
    index = parent.add_child(
        instance=InstitutionIndexPage(title="Institutions", slug="bench-institutions")
    )
    institution = index.add_child(
        instance=InstitutionPage(
            title="Institution",
            slug="bench-institution",
            locale=locale,
            accreditation_number="200022000001",
            district=District.values[0],
            address="bench",
            summary="bench",
        )
    )
    tomorrow = timezone.now().replace(microsecond=0) + datetime.timedelta(days=1)
    sessions = []
    for n in range(args.activities):
        activity = campaign.add_child(
            instance=ActivityPage(
                title=f"Activity {n}",
                slug=f"bench-activity-{n}",
                locale=locale,
                activity_type=ActivityType.values[n % len(ActivityType.values)],
                institution=institution,
                summary="bench",
                venue="bench",
                address="bench",
                district=District.values[n % len(District.values)],
            )
        )
        for k in range(args.sessions_per_activity):
            starts_at = tomorrow + datetime.timedelta(hours=k)
            sessions.append(
                Session(
                    activity=activity,
                    starts_at=starts_at,
                    ends_at=starts_at + datetime.timedelta(hours=2),
                    capacity=100_000,
                    max_party_size=3,
                )
            )
    Session.objects.bulk_create(sessions)

    # Registration g: session g mod S, e-mail and phone, Chinese or English. Each gets an
    # e-mail and a text-message reminder due a minute ago; the sample's are due tomorrow.
    registrations = (args.count + 1) // 2 + (args.direct_sample + 1) // 2
    now = timezone.now()
    due = now - datetime.timedelta(minutes=1)
    later = now + datetime.timedelta(hours=20)
    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO events_registration (session_id, created_at, updated_at, name, phone,
                email, organisation, party_size, language, status, consent_version, source,
                ticket_code)
            SELECT s.id, %s, %s, 'bench', '+86' || LPAD(g::text, 11, '0'),
                   'r' || g || '@example.com', '', 1,
                   CASE WHEN g %% 2 = 0 THEN 'zh-hans' ELSE 'en' END, 'confirmed', '', 'online',
                   'B' || LPAD(g::text, 10, '0')
            FROM generate_series(1, %s) AS g
            JOIN (SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS n FROM events_session) s
              ON s.n = g %% {len(sessions)}
            """,
            [now, now, registrations],
        )
        # Reminders: the first `count` (by registration, e-mail then text) due now.
        cursor.execute(
            """
            INSERT INTO reminders_reminder (key, registration_id, purpose, offset_minutes,
                audience, channel, starts_at, due_at, state, attempts, last_error, created_at)
            SELECT 'registration:' || r.id || ':r1440:registrant:' || c.channel, r.id,
                   'reminder', 1440, 'registrant', c.channel, s.starts_at,
                   CASE WHEN ROW_NUMBER() OVER (ORDER BY r.id, c.channel) <= %s
                        THEN %s::timestamptz ELSE %s::timestamptz END,
                   'pending', 0, '', %s
            FROM events_registration r
            JOIN events_session s ON s.id = r.session_id
            CROSS JOIN (VALUES ('email'), ('sms')) AS c(channel)
            ORDER BY r.id, c.channel
            LIMIT %s
            """,
            [args.count, due, later, now, args.count + args.direct_sample],
        )
        cursor.execute("ANALYZE events_registration")
        cursor.execute("ANALYZE reminders_reminder")
    print(
        f"  {len(sessions)} sessions, {registrations:,} registrations, "
        f"{args.count + args.direct_sample:,} reminders in {time.monotonic() - started:.1f} s",
        flush=True,
    )
    return args.count, args.direct_sample


def start_worker(args: argparse.Namespace, log_path: Path) -> subprocess.Popen:
    env = dict(os.environ)
    env["DATABASE_URL"] = _bench_database_url()
    log = open(log_path, "wb")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [
            str(ROOT / ".venv/bin/celery"),
            "-A",
            "portal",
            "worker",
            "--queues=default,mail,reports",
            f"--concurrency={args.concurrency}",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop_worker(worker: subprocess.Popen | None) -> None:
    if worker is None or worker.poll() is not None:
        return
    os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)


def _bench_database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    user = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{user}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _redis(db: int):
    import redis

    return redis.Redis(host="127.0.0.1", port=6379, db=db)


def wait_for_worker(worker: subprocess.Popen, deadline: float) -> None:
    from portal.celery_app import app

    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise RuntimeError("the worker exited; see its log")
        if app.control.ping(timeout=1.0):
            return
    raise RuntimeError("the worker did not start in time")


def queues_empty() -> bool:
    """No message waiting in the three queues nor delivered and not acknowledged yet (the
    tasks acknowledge late, after they ran)."""
    broker = _redis(12)
    waiting = sum(broker.llen(q) for q in ("default", "mail", "reports"))
    return waiting == 0 and broker.hlen("unacked") == 0


def reference_noop(count: int, deadline: float) -> float:
    """Seconds the worker takes to run ``count`` single-row send tasks that claim nothing."""
    from portal.celery_app import app
    from reminders.tasks import reminder_send_task

    started = time.perf_counter()
    with app.producer_or_acquire() as producer:
        for _ in range(count):
            reminder_send_task.apply_async(kwargs={"reminder_id": 0}, producer=producer)
    while not queues_empty():
        if time.monotonic() > deadline:
            raise RuntimeError("reference A did not finish in time")
        time.sleep(0.05)
    return time.perf_counter() - started


def run_reminders(due: int, deadline: float) -> float:
    """Seconds from queuing the sweep until no reminder is pending or being sent."""
    from django.utils import timezone

    from reminders.models import Reminder
    from reminders.tasks import reminders_send_due_task

    open_states = (Reminder.State.PENDING, Reminder.State.SENDING)
    # The due ones; the sample of reference B is due tomorrow.
    left = Reminder.objects.filter(state__in=open_states, due_at__lte=timezone.now())
    started = time.perf_counter()
    reminders_send_due_task.delay()
    next_sweep = time.monotonic() + SWEEP_EVERY
    last_report = time.monotonic()
    while True:
        time.sleep(0.2)
        if not left.exists() and queues_empty():
            break
        now = time.monotonic()
        if now > deadline:
            raise RuntimeError(f"{left.count():,} reminders still unsent at the time limit")
        if now >= next_sweep:  # beat's job
            reminders_send_due_task.delay()
            next_sweep = now + SWEEP_EVERY
        if now - last_report >= 10:
            sent = due - left.count()
            print(f"  {sent:,} / {due:,} sent ...", flush=True)
            last_report = now
    return time.perf_counter() - started


def reference_direct(sample: int, batch_size: int) -> tuple[float, int, float, int]:
    """In this process, without Celery: seconds ``reminder_send`` takes (one call per row)
    for the first half of the sample, then seconds ``reminders_send_batch`` takes (batches
    of ``batch_size``) for the second half; with the count of each half."""
    from django.utils import timezone

    from reminders.models import Reminder
    from reminders.services import reminder_send, reminders_send_batch

    rows = Reminder.objects.filter(state=Reminder.State.PENDING, due_at__gt=timezone.now())
    ids = list(rows.order_by("pk").values_list("pk", flat=True))
    assert len(ids) == sample, (len(ids), sample)
    Reminder.objects.filter(pk__in=ids).update(
        due_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    single, batched = ids[: len(ids) // 2], ids[len(ids) // 2 :]
    started = time.perf_counter()
    for reminder_id in single:
        reminder_send(reminder_id=reminder_id)
    t_single = time.perf_counter() - started
    started = time.perf_counter()
    for start in range(0, len(batched), batch_size):
        reminders_send_batch(reminder_ids=batched[start : start + batch_size])
    return t_single, len(single), time.perf_counter() - started, len(batched)


def sent_count() -> int:
    from reminders.models import Reminder

    return Reminder.objects.filter(state=Reminder.State.SENT).count()


def report(
    args, due: int, t_noop: float, t_run: float, sent_by_worker: int, sample: int, direct: tuple
) -> bool:
    from django.db.models import Count, Q

    from reminders.models import Reminder

    figures = Reminder.objects.aggregate(
        sent=Count("pk", filter=Q(state=Reminder.State.SENT)),
        claimed_once=Count("pk", filter=Q(state=Reminder.State.SENT, attempts=1)),
        other=Count("pk", filter=~Q(state=Reminder.State.SENT)),
    )
    noop_count = min(args.noop_count, args.count)
    rate_noop = noop_count / t_noop
    rate_run = due / t_run
    t_single, n_single, t_batch, n_batch = direct
    ok = sent_by_worker == due and figures["sent"] == due + sample
    ok = ok and figures["claimed_once"] == figures["sent"]
    ok = ok and figures["other"] == 0
    print()
    print(
        f"PostgreSQL + Redis, DEBUG=0, one worker --concurrency={args.concurrency}, "
        f"REMINDER_BATCH_SIZE={args.batch_size}, dummy e-mail and SMS backends"
    )
    print(f"{'step':<58} {'count':>8} {'time':>8} {'per s':>8} {'vs A':>7}")
    print("-" * 93)
    rows = [
        ("A  reference: worker, single-row task claiming nothing", noop_count, t_noop, rate_noop),
        ("   worker, due reminders sent (sweep + batches)", due, t_run, rate_run),
        ("B  in process, reminder_send() one row per call", n_single, t_single, 0),
        ("C  in process, reminders_send_batch()", n_batch, t_batch, 0),
    ]
    for label, count, seconds, rate in rows:
        rate = rate or (count / seconds if seconds else float("nan"))
        print(f"{label:<58} {count:>8,} {seconds:>7.1f}s {rate:>8.0f} {rate / rate_noop:>6.2f}x")
    print("-" * 93)
    print(
        f"due {due:,}, sent by the worker {sent_by_worker:,}, sample {sample:,} sent "
        f"{figures['sent'] - sent_by_worker:,}, sent rows claimed more than "
        f"once {figures['sent'] - figures['claimed_once']:,}, rows not sent "
        f"{figures['other']:,}: " + ("OK" if ok else "MISMATCH")
    )
    if not ok:
        unsent = (
            Reminder.objects.exclude(state=Reminder.State.SENT)
            .values_list("state", "last_error")
            .distinct()[:5]
        )
        for state, error in unsent:
            print(f"  not sent: {state} {error}")
    return ok


def cleanup(worker, created: str | None, old_name: str) -> None:
    stop_worker(worker)
    for db in (12, 13):
        try:
            _redis(db).flushdb()
        except Exception as error:  # noqa: BLE001 - report and go on cleaning
            print(f"could not flush Redis db {db}: {error}")
    if created is not None:
        from django.db import connections

        connections.close_all()
        from django.db import connection

        connection.creation.destroy_test_db(old_name, verbosity=0)


def main() -> int:
    args = parse_args()
    args.noop_count = min(args.noop_count, args.count)
    var_dir = setup_environment(args)
    setup_django()
    from django.db import connection

    old_name = connection.settings_dict["NAME"]
    created = None
    worker = None
    started = time.monotonic()
    deadline = started + args.timeout
    ok = False
    try:
        for db in (12, 13):
            _redis(db).flushdb()
        created = create_database()
        due, sample = generate(args)
        log_path = var_dir / "worker.log"
        print(f"Starting the worker (--concurrency={args.concurrency}, log {log_path}) ...")
        worker = start_worker(args, log_path)
        wait_for_worker(worker, time.monotonic() + 60)
        print(f"Reference A: {args.noop_count:,} single-row tasks claiming nothing ...")
        t_noop = reference_noop(args.noop_count, deadline)
        print(f"Sending {due:,} due reminders ...", flush=True)
        t_run = run_reminders(due, deadline)
        sent_by_worker = sent_count()
        stop_worker(worker)
        print(f"References B and C: {sample:,} reminders sent in this process ...")
        direct = reference_direct(sample, args.batch_size) if sample else (0.0, 0, 0.0, 0)
        ok = report(args, due, t_noop, t_run, sent_by_worker, sample, direct)
    finally:
        cleanup(worker, created, old_name)
        print(f"total {time.monotonic() - started:.0f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
