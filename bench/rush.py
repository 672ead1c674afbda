"""Registration rush: many people register for one session with few places at once.

    .venv/bin/python bench/rush.py            # 500 clients, 100 places

Starts its own production-like server (``bench/server.py``: gunicorn, PostgreSQL and Redis
on loopback, DEBUG off), adds a session with ``--capacity`` places to a demo activity and
lets ``--clients`` virtual users with unique phone numbers register through the real form:
each arrives within the ``--ramp`` (evenly spread), GETs the form (CSRF cookie and token),
"fills it in" for a random think time between ``--think-min`` and ``--think-max``
seconds, and POSTs it (name, phone, e-mail, consent, party size 1, language; the waiting
list box left unticked, so who comes too late gets the "session is full" form back).

After every client has its answer the benchmark waits for the database to go idle, then
checks that places taken = confirmed rows = successful answers <= capacity, that the
phones whose answer led to a ticket are exactly the phones of the confirmed rows (the
ticket code in each success's redirect is compared with the row's) and that no answer was
a server error. The reference, measured first in the same run with the same client and
concurrency, is a trivial Django view served by the same server. Prints one table; the
exit status is 1 when a correctness check fails.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, where bench/statistics.py
# would shadow the standard library's ``statistics``. Import bench modules as a package.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

import argparse  # noqa: E402
import asyncio  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402

from bench.server import (  # noqa: E402
    RAISED_RATE,
    BenchServer,
    Row,
    Sample,
    client_session,
    closed_loop,
    fetch,
    ms,
    per_second,
    percentile,
    print_table,
    ratio,
)

CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
TICKET_PATH = re.compile(r"/ticket/([^/]+)/$")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--capacity", type=int, default=100)
    parser.add_argument(
        "--ramp", type=float, default=5.0, help="Seconds over which the clients arrive."
    )
    parser.add_argument(
        "--think-min", type=float, default=2.0, help="Seconds between form and submit."
    )
    parser.add_argument("--think-max", type=float, default=6.0)
    parser.add_argument(
        "--reference-requests",
        type=int,
        default=5000,
        help="Requests to the trivial view (at the same concurrency).",
    )
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=300,
        help="Bound of the rush itself (and of every request in it).",
    )
    parser.add_argument("--worker-class", default="sync", choices=["gthread", "sync"])
    parser.add_argument("--workers", type=int, default=0, help="0: 2 x cores + 1")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1, help="Random seed of the think times.")
    return parser.parse_args()


def phone_of(client: int) -> str:
    return f"+86139{client:08d}"


def session_create(capacity: int) -> tuple[int, str]:
    """A session with ``capacity`` places on a live demo activity; (id, form path)."""
    import datetime

    from django.urls import reverse
    from django.utils import timezone, translation

    from events.models import ActivityPage, Session

    activity = ActivityPage.objects.live().filter(locale__language_code="zh-hans").first()
    starts = (timezone.now() + datetime.timedelta(days=7)).replace(minute=0, second=0)
    session = Session.objects.create(
        activity=activity,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        capacity=capacity,
        max_party_size=1,
    )
    with translation.override("zh-hans"):
        path = reverse("events:register", kwargs={"session_id": session.pk})
    return session.pk, path


class Outcome:
    """What one virtual user got: its samples and, on success, the ticket code."""

    def __init__(self, client: int) -> None:
        self.client = client
        self.phone = phone_of(client)
        self.samples: list[Sample] = []
        self.ticket_code: str | None = None
        self.error = ""


async def register_one(http, outcome: Outcome, *, url: str, delay: float, think: float) -> None:
    from events.tickets import TokenInvalid, manage_token_read

    client = outcome.client
    await asyncio.sleep(delay)
    sample, body, response = await fetch(http, "GET", url, label="form")
    outcome.samples.append(sample)
    if sample.status != 200 or response is None:
        outcome.error = f"form answered {sample.status or 'nothing'}"
        return
    token = CSRF_INPUT.search(body)
    cookie = response.cookies.get("csrftoken")
    if token is None or cookie is None:
        outcome.error = "no CSRF token in the form"
        return
    await asyncio.sleep(think)
    data = {
        "csrfmiddlewaretoken": token.group(1).decode(),
        "name": f"测试{client}",
        "phone": outcome.phone[3:],
        "email": f"rush{client}@example.com",
        "organisation": "",
        "party_size": "1",
        "language": "zh-hans",
        "consent": "on",
        "website": "",
    }
    sample, _body, response = await fetch(
        http,
        "POST",
        url,
        label="submit",
        data=data,
        headers={"Cookie": f"csrftoken={cookie.value}", "Referer": url},
    )
    outcome.samples.append(sample)
    if sample.status == 0:
        outcome.error = "submit got no answer"
    elif sample.status == 302 and response is not None:
        match = TICKET_PATH.search(response.headers.get("Location", ""))
        if match:
            try:
                outcome.ticket_code = manage_token_read(match.group(1))
            except TokenInvalid:
                outcome.error = "redirect to an invalid ticket link"
        else:
            outcome.error = "redirect elsewhere than a ticket"


async def rush(args: argparse.Namespace, url: str) -> list[Outcome]:
    """Every client's outcome; clients still waiting at ``--max-seconds`` are stopped."""
    rng = random.Random(args.seed)
    outcomes = [Outcome(i) for i in range(args.clients)]
    async with client_session(args.clients, timeout=args.max_seconds) as http:
        tasks = [
            asyncio.create_task(
                register_one(
                    http,
                    outcome,
                    url=url,
                    delay=args.ramp * outcome.client / args.clients,
                    think=rng.uniform(args.think_min, args.think_max),
                )
            )
            for outcome in outcomes
        ]
        _done, pending = await asyncio.wait(tasks, timeout=args.max_seconds)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    for outcome, task in zip(outcomes, tasks, strict=True):
        if task in pending:
            outcome.error = f"unfinished after {args.max_seconds:g} s"
    return outcomes


def database_drain(max_seconds: float = 30) -> float:
    """Wait until no other connection runs a statement in the bench database."""
    from django.db import connection

    started = time.monotonic()
    quiet = 0
    while time.monotonic() - started < max_seconds and quiet < 3:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND state NOT IN ('idle')"
            )
            busy = cursor.fetchone()[0]
        quiet = quiet + 1 if busy == 0 else 0
        time.sleep(0.2)
    return time.monotonic() - started


def main() -> int:
    args = parse_args()
    worker_class = args.worker_class
    with BenchServer(
        worker_class=worker_class, workers=args.workers or None, threads=args.threads
    ) as server:
        from events.models import PLACE_HOLDING_STATUSES, Registration, Session

        session_id, path = session_create(args.capacity)
        form_url = server.url(path)
        print(
            f"reference: {args.reference_requests} GETs of /bench/trivial, "
            f"{args.clients} concurrent clients ..."
        )
        reference = asyncio.run(
            closed_loop(
                server.url("/bench/trivial"),
                concurrency=args.clients,
                requests=args.reference_requests,
                max_seconds=60,
                label="trivial",
            )
        )
        print(f"rush: {args.clients} clients for {args.capacity} places ...")
        outcomes = asyncio.run(rush(args, form_url))
        drained = database_drain()

        session = Session.objects.get(pk=session_id)
        rows = Registration.objects.filter(session_id=session_id)
        confirmed = dict(
            rows.filter(status=Registration.Status.CONFIRMED).values_list("phone", "ticket_code")
        )
        holding = rows.filter(status__in=PLACE_HOLDING_STATUSES).count()
        places = session.count_places_taken()
        other_rows = rows.exclude(status=Registration.Status.CONFIRMED).count()
        server_describe = server.describe()

    samples = [s for o in outcomes for s in o.samples]
    successes = {o.phone: o.ticket_code for o in outcomes if o.ticket_code}
    statuses = sorted(Counter(s.status for s in samples).items())
    by_label = {
        label: Counter(s.status for s in samples if s.label == label)
        for label in ("form", "submit")
    }
    errors_5xx = sum(n for status, n in statuses if status >= 500)
    failed = sum(n for status, n in statuses if status == 0)
    client_errors = Counter(o.error for o in outcomes if o.error)
    unfinished = [o for o in outcomes if o.error.startswith("unfinished")]
    latencies = [s.latency for s in samples]
    first = min(s.started for s in samples)
    last = max(s.ended for s in samples)
    span = last - first
    all_rate = len(samples) / span
    success_rate = len(successes) / span
    ref_rate = reference.rate
    ref_lat = reference.latencies()
    ref_5xx = sum(1 for s in reference.samples if s.status >= 500 or s.status == 0)
    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)

    checks = {
        "places taken = confirmed rows = successful answers <= capacity": (
            places == len(confirmed) == holding == len(successes) <= args.capacity
        ),
        "phones with a ticket = phones of the confirmed rows (same ticket codes)": (
            successes == confirmed
        ),
        "no server error (5xx) and no failed request": errors_5xx == 0 and failed == 0,
        f"every client finished within {args.max_seconds:g} s": not unfinished,
        "no registration other than the confirmed ones (none waitlisted)": other_rows == 0,
    }
    table = [
        Row(
            "confirmed registrations",
            str(len(confirmed)),
            "",
            "",
            f"= {args.capacity}",
            len(confirmed) == args.capacity,
        ),
        Row(
            "places taken / capacity",
            f"{places} / {args.capacity}",
            "",
            "",
            "<= capacity",
            places <= args.capacity,
        ),
        Row(
            "successful answers (ticket)",
            str(len(successes)),
            "",
            "",
            "= confirmed",
            len(successes) == len(confirmed),
        ),
        Row(
            "server errors (5xx) + failed",
            f"{errors_5xx} + {failed}",
            "",
            "",
            "0",
            errors_5xx == 0 and failed == 0,
        ),
        Row(
            "successful registrations/s",
            per_second(success_rate),
            per_second(ref_rate),
            f"{ratio(success_rate, ref_rate):.0%}",
            ">= 10%",
            ratio(success_rate, ref_rate) >= 0.10,
        ),
        Row(
            "all responses/s",
            per_second(all_rate),
            per_second(ref_rate),
            f"{ratio(all_rate, ref_rate):.0%}",
            ">= 25%",
            ratio(all_rate, ref_rate) >= 0.25,
        ),
        Row(
            "latency p50",
            ms(p50),
            ms(percentile(ref_lat, 50)),
            f"{ratio(p50, percentile(ref_lat, 50)):.1f}x",
        ),
        Row(
            "latency p99",
            ms(p99),
            ms(percentile(ref_lat, 99)),
            f"{ratio(p99, percentile(ref_lat, 99)):.1f}x",
            "<= 1000 ms",
            p99 <= 1.0,
        ),
        Row(
            "latency p99 form (GET)",
            ms(percentile([s.latency for s in samples if s.label == "form"], 99)),
        ),
        Row(
            "latency p99 submit (POST)",
            ms(percentile([s.latency for s in samples if s.label == "submit"], 99)),
        ),
    ]
    notes = [
        f"Server: {server_describe}.",
        f"Registration attempt limit per client address raised to {RAISED_RATE} (every "
        "client is 127.0.0.1).",
        f"Rush: {args.clients} clients with unique phones, arriving evenly over {args.ramp:g} s; "
        f"each GETs the form, thinks {args.think_min:g}-{args.think_max:g} s, POSTs it "
        "(waiting list unticked); redirects are not followed. "
        f"Rates are over the rush's span of {span:.1f} s (first request to last answer).",
        f"Reference: {len(reference.samples)} GETs of a trivial view on the same server, "
        f"{args.clients} concurrent clients back to back, {reference.elapsed:.1f} s"
        + (f", {ref_5xx} failed" if ref_5xx else "")
        + ". The load client runs on the same cores as the server.",
        "Answers: form "
        + _counts(by_label["form"])
        + "; submit "
        + _counts(by_label["submit"])
        + f"; database idle {drained:.1f} s after the last answer.",
    ]
    if client_errors:
        notes.append(
            "Client-side problems: " + ", ".join(f"{k} x{n}" for k, n in client_errors.items())
        )
    for name, ok in checks.items():
        notes.append(f"check: {name}: {'ok' if ok else 'FAILED'}")
    missed = [r.figure for r in table if r.met is False]
    notes.append("targets missed: " + (", ".join(missed) if missed else "none"))
    print_table("Registration rush", table, notes)
    return 0 if all(checks.values()) else 1


def _counts(counter: Counter) -> str:
    return ", ".join(f"{status or 'failed'} x{n}" for status, n in sorted(counter.items()))


if __name__ == "__main__":
    sys.exit(main())
