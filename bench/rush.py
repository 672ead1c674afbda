"""Registration rush: people register for open-day sessions through the real form.

    .venv/bin/python bench/rush.py                        # every scenario
    .venv/bin/python bench/rush.py --scenario opening     # one (repeatable, or a comma list)

Scenarios, each on a new session of a demo activity, each with its own table:

- ``opening``: the opening minute. 500 clients with unique phones arrive evenly within 2 s;
  each GETs the form and POSTs it at once; one session with 100 places.
- ``thinking``: 500 clients arrive within 5 s and think 2-6 s between form and submit;
  100 places. Informational: its successes per second are bounded by the arrivals.
- ``sustained``: 100 clients register back to back for 20 s on one session with 5,000
  places (GET, POST, next unique phone).
- ``embedded``: the server ``make run`` starts (gunicorn ``--config portal/gunicorn_run.py``
  on SQLite, per-process memory cache, file-system broker); 200 clients within 2 s, GET then
  POST at once, 50 places.

``opening``, ``thinking`` and ``sustained`` share one production-like server
(``bench/server.py``: gunicorn, PostgreSQL and Redis on loopback, DEBUG off); ``embedded``
has its own (run in a child process when both kinds are selected, since one process holds
one set of Django settings). Every scenario is measured beside two references served by
the same gunicorn in the same run, closed loop at the scenario's concurrency (one
connection per client): a trivial Django view (``/bench/trivial``) and a 10 KB static file.

The client behaves like the form page's script: the page may come from a shared page cache
without a per-user CSRF token in its HTML, so the token posted is the ``csrftoken`` cookie
of the form's answer (else the one the client already holds, else the token in the HTML).
Each virtual user keeps its ``csrftoken`` cookie, and only that: every registration stands
for another visitor. Redirects are not followed; a success is a 302/303 to a ticket link,
any other 4xx but 429 a refusal ("session full"), 429 a "busy, retry" answer.

After the last answer the benchmark waits for the database to go idle, then checks that
places taken = confirmed rows = successful answers <= capacity, that the phones and ticket
codes of the successes are those of the confirmed rows, that no answer was a server error
and every request was answered. Exit status 1 when a correctness check fails; missed speed
targets are listed under each table.
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
import csv  # noqa: E402
import dataclasses  # noqa: E402
import itertools  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
from collections import Counter  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402

from bench.server import (  # noqa: E402
    RAISED_RATE,
    BenchServer,
    LoadResult,
    Row,
    Sample,
    client_session,
    closed_loop,
    cores,
    fetch,
    ms,
    per_second,
    percentile,
    print_table,
    ratio,
)

CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
# The ticket link of a success, possibly followed by a query string (e.g. ``?new=1``).
TICKET_PATH = re.compile(r"/ticket/([^/?#]+)/(?:[?#].*)?$")
EMBEDDED_CONFIG = "portal/gunicorn_run.py"
PRODUCTION_CONFIG = "portal/gunicorn_production.py"
LOCKED = "database is locked"


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    server: str  # "postgresql" or "sqlite" (the embedded default)
    clients: int
    capacity: int
    ramp: float  # seconds over which the clients arrive, evenly
    think_min: float  # seconds between the form's answer and the submit
    think_max: float
    duration: float | None  # None: one registration per client; else back to back this long
    phone_base: int  # first phone number (the last 8 digits), so scenarios never share one
    expect_full: bool  # more clients than places: exactly the capacity must be confirmed
    # Speed targets (None: the figure is shown without one).
    success_rate_target: float | None = None  # successes/s as a share of the trivial view's
    all_rate_target: float | None = None  # all answers/s as a share of the trivial view's
    p99_target: float | None = None  # seconds, all requests
    p99_each_target: float | None = None  # seconds, form (GET) and submit (POST) separately
    tail_target: float | None = None  # seconds from the last arrival to the last answer
    notes: tuple[str, ...] = ()


SCENARIOS = {
    s.name: s
    for s in (
        Scenario(
            name="opening",
            title="opening minute",
            server="postgresql",
            clients=500,
            capacity=100,
            ramp=2.0,
            think_min=0.0,
            think_max=0.0,
            duration=None,
            phone_base=0,
            expect_full=True,
            all_rate_target=0.25,
            p99_each_target=1.0,
            tail_target=1.0,
        ),
        Scenario(
            name="thinking",
            title="visitors who fill in the form",
            server="postgresql",
            clients=500,
            capacity=100,
            ramp=5.0,
            think_min=2.0,
            think_max=6.0,
            duration=None,
            phone_base=10_000_000,
            expect_full=True,
            p99_target=1.0,
            notes=(
                "Informational: successes/s and answers/s are bounded by the arrival pattern "
                "(arrivals over the ramp, then the think time before each submit), not only "
                "by the server, so they have no target here (see opening and sustained).",
            ),
        ),
        Scenario(
            name="sustained",
            title="sustained registrations on one hot session",
            server="postgresql",
            clients=100,
            capacity=5000,
            ramp=0.0,
            think_min=0.0,
            think_max=0.0,
            duration=20.0,
            phone_base=20_000_000,
            expect_full=False,
            success_rate_target=0.10,
            p99_target=1.0,
        ),
        Scenario(
            name="embedded",
            title="embedded default (make run)",
            server="sqlite",
            clients=200,
            capacity=50,
            ramp=2.0,
            think_min=0.0,
            think_max=0.0,
            duration=None,
            phone_base=30_000_000,
            expect_full=True,
            p99_target=2.0,
        ),
    )
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        allow_abbrev=False,  # the child processes drop --scenario from the arguments
    )
    parser.add_argument(
        "--scenario",
        action="append",
        default=[],
        help=f"Scenario to run ({', '.join(SCENARIOS)}); repeatable or a comma list. Default: all.",
    )
    overrides = parser.add_argument_group(
        "overrides", "Replace the default of every scenario selected (most useful with one)."
    )
    overrides.add_argument("--clients", type=int)
    overrides.add_argument("--capacity", type=int)
    overrides.add_argument("--ramp", type=float, help="Seconds over which the clients arrive.")
    overrides.add_argument(
        "--think-min", type=float, help="Seconds between the form's answer and the submit."
    )
    overrides.add_argument("--think-max", type=float)
    overrides.add_argument(
        "--duration", type=float, help="Seconds of back-to-back registrations (sustained)."
    )
    parser.add_argument(
        "--reference-requests",
        type=int,
        default=5000,
        help="Requests to the trivial view and to the static file (at the scenario's "
        "concurrency, at most 60 s each).",
    )
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=300,
        help="Bound of every request, and of each scenario beyond its ramp and duration.",
    )
    workers = parser.add_argument_group(
        "PostgreSQL server",
        f"gunicorn workers of opening, thinking and sustained (embedded uses {EMBEDDED_CONFIG}).",
    )
    # Without --worker-class or --workers the server runs with PRODUCTION_CONFIG (sync
    # workers, 2 per core, chosen by this benchmark, see bench/RESULTS.md; each worker
    # warmed up before its first request), as production does.
    workers.add_argument(
        "--worker-class",
        choices=["gthread", "sync"],
        help=f"Default: as {PRODUCTION_CONFIG}.",
    )
    workers.add_argument("--workers", type=int, default=0, help="0: 2 x cores")
    workers.add_argument(
        "--threads", type=int, default=4, help="Per gthread worker (a sync worker has one)."
    )
    parser.add_argument("--seed", type=int, default=1, help="Random seed of the think times.")
    parser.add_argument(
        "--samples",
        metavar="FILE",
        help="Write every request of each scenario to this CSV file ({scenario} is replaced "
        "by the scenario's name).",
    )
    args = parser.parse_args(argv)
    names = [n.strip() for item in args.scenario for n in item.split(",") if n.strip()]
    unknown = sorted(set(names) - set(SCENARIOS))
    if unknown:
        parser.error(f"unknown scenario {', '.join(unknown)} (choose from {', '.join(SCENARIOS)})")
    # In the order of SCENARIOS: the PostgreSQL ones share a server.
    args.scenarios = [n for n in SCENARIOS if n in names] if names else list(SCENARIOS)
    return args


def scenario_with_overrides(scenario: Scenario, args: argparse.Namespace) -> Scenario:
    changes = {
        name: getattr(args, name)
        for name in ("clients", "capacity", "ramp", "think_min", "think_max", "duration")
        if getattr(args, name) is not None
    }
    if changes.get("duration") == 0:
        changes["duration"] = None
    return dataclasses.replace(scenario, **changes)


def phone_of(number: int) -> str:
    return f"+86139{number:08d}"


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


# --- the virtual users --------------------------------------------------------------------


@dataclass
class Attempt:
    """One registration: the form's GET, the submit's POST and, on success, the ticket."""

    phone: str
    samples: list[Sample] = field(default_factory=list)
    ticket_code: str | None = None
    token_source: str = ""  # where the posted CSRF token came from
    problem: str = ""  # an answer the protocol does not expect (not a status count)


class VirtualUser:
    """One visitor's browser: its own cookies (only ``csrftoken``, sent back by hand on
    every request) and its registrations in order."""

    def __init__(self, index: int) -> None:
        self.index = index
        self.cookies: dict[str, str] = {}
        self.attempts: list[Attempt] = []
        self.first_request: float | None = None  # when it sent its first request
        self.error = ""

    def cookie_header(self) -> dict[str, str]:
        if not self.cookies:
            return {}
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}

    def keep_csrf_cookie(self, response) -> str | None:
        """Keeps the ``csrftoken`` cookie this answer set; returns its value (None if the
        answer set none)."""
        morsel = response.cookies.get("csrftoken")
        if morsel is None:
            return None
        if not morsel.value or morsel["max-age"] == "0":
            self.cookies.pop("csrftoken", None)
            return None
        self.cookies["csrftoken"] = morsel.value
        return morsel.value


async def register_once(http, user: VirtualUser, *, url: str, number: int, think: float) -> None:
    from events.tickets import manage_token_read
    from portal.tickets import TokenInvalid
    from verification.browser import COOKIE as VERIFIED_COOKIE
    from verification.browser import cookie_signed

    attempt = Attempt(phone_of(number))
    user.attempts.append(attempt)
    sample, body, response = await fetch(
        http, "GET", url, label="form", keep_headers=("X-Cache",), headers=user.cookie_header()
    )
    attempt.samples.append(sample)
    if user.first_request is None:
        user.first_request = sample.started
    if response is None:
        return  # counted as a request without an answer
    answered = user.keep_csrf_cookie(response)
    if sample.status != 200:
        if sample.status < 500:
            attempt.problem = f"form answered {sample.status}"
        return
    # What the page's script does: the cookie of this answer, else the one already held,
    # else the token of the form's HTML (a page rendered for this visitor).
    if answered:
        token, attempt.token_source = answered, "the answer's cookie"
    elif user.cookies.get("csrftoken"):
        token, attempt.token_source = user.cookies["csrftoken"], "a cookie held from before"
    elif match := CSRF_INPUT.search(body):
        token, attempt.token_source = match.group(1).decode(), "the form's HTML"
    else:
        attempt.problem = "no CSRF token (no csrftoken cookie, none in the form)"
        return
    if think > 0:
        await asyncio.sleep(think)
    # The visitor verified the number before registration opened (phone verification is
    # on, as by default): the browser holds the signed proof, and no code is sent now.
    user.cookies[VERIFIED_COOKIE] = cookie_signed({attempt.phone: int(time.time())})
    data = {
        "csrfmiddlewaretoken": token,
        "name": f"测试{number}",
        "phone": attempt.phone[3:],
        "email": f"rush{number}@example.com",
        "organisation": "",
        "party_size": "1",
        "language": "zh-hans",
        "consent": "on",
        "website": "",  # the honeypot, left empty
        "js": "1",  # the marker the page's script adds
    }
    sample, _body, response = await fetch(
        http,
        "POST",
        url,
        label="submit",
        data=data,
        headers={"Referer": url, **user.cookie_header()},
    )
    attempt.samples.append(sample)
    if response is None:
        return
    user.keep_csrf_cookie(response)
    if sample.status in (302, 303):
        match = TICKET_PATH.search(response.headers.get("Location", ""))
        if match is None:
            attempt.problem = "redirect elsewhere than a ticket"
            return
        try:
            attempt.ticket_code = manage_token_read(match.group(1))
        except TokenInvalid:
            attempt.problem = "redirect to an invalid ticket link"
    elif sample.status < 400:
        attempt.problem = f"submit answered {sample.status}"
    # 4xx: refused ("session full") or busy (429); 5xx: server error. Counted from statuses.


async def user_run(
    http,
    user: VirtualUser,
    *,
    url: str,
    delay: float,
    scenario: Scenario,
    rng: random.Random,
    numbers: Iterator[int],
    deadline: float | None,
) -> None:
    await asyncio.sleep(delay)
    while True:
        think = rng.uniform(scenario.think_min, scenario.think_max)
        await register_once(http, user, url=url, number=next(numbers), think=think)
        if deadline is None or time.perf_counter() >= deadline:
            return


@dataclass
class RushRun:
    users: list[VirtualUser]
    bound: float  # seconds after which unfinished clients were stopped


async def rush(scenario: Scenario, url: str, args: argparse.Namespace) -> RushRun:
    """Every client's registrations; clients still busy at the bound are stopped."""
    users = [VirtualUser(i) for i in range(scenario.clients)]
    numbers = itertools.count(scenario.phone_base)
    bound = scenario.ramp + (scenario.duration or 0) + args.max_seconds
    async with client_session(scenario.clients, timeout=args.max_seconds) as http:
        started = time.perf_counter()
        deadline = started + scenario.duration if scenario.duration else None
        tasks = [
            asyncio.create_task(
                user_run(
                    http,
                    user,
                    url=url,
                    delay=scenario.ramp * user.index / scenario.clients,
                    scenario=scenario,
                    rng=random.Random(args.seed * 1_000_003 + user.index),
                    numbers=numbers,
                    deadline=deadline,
                )
            )
            for user in users
        ]
        _done, pending = await asyncio.wait(tasks, timeout=bound)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    for user, task in zip(users, tasks, strict=True):
        if task in pending:
            user.error = f"unfinished after {bound:g} s"
        elif task.exception() is not None:
            user.error = f"client crashed: {task.exception()!r}"
    return RushRun(users, bound)


def database_drain(server: BenchServer, max_seconds: float = 30) -> float:
    """Wait until no other connection runs a statement in the bench database (PostgreSQL;
    on SQLite a short pause: every request has committed before its answer)."""
    started = time.monotonic()
    if server.database != "postgresql":
        time.sleep(1.0)
        return time.monotonic() - started
    from django.db import connection

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


# --- one scenario -------------------------------------------------------------------------


def run_scenario(server: BenchServer, scenario: Scenario, args: argparse.Namespace) -> bool:
    """Runs one scenario on ``server`` and prints its table; True when every check passed."""
    from events.models import PLACE_HOLDING_STATUSES, Registration, Session

    session_id, path = session_create(scenario.capacity)
    form_url = server.url(path)
    concurrency = scenario.clients
    print(
        f"[{scenario.name}] references: {args.reference_requests} GETs each of /bench/trivial "
        f"and the static file, {concurrency} concurrent clients ...",
        flush=True,
    )
    references = {}
    for label, ref_path in (("trivial", "/bench/trivial"), ("static", server.static_reference_url)):
        references[label] = asyncio.run(
            closed_loop(
                server.url(ref_path),
                concurrency=concurrency,
                requests=args.reference_requests,
                max_seconds=60,
                label=label,
            )
        )
    print(f"[{scenario.name}] {describe_load(scenario)} ...", flush=True)
    run = asyncio.run(rush(scenario, form_url, args))
    drained = database_drain(server)
    if args.samples:
        samples_write(Path(args.samples.replace("{scenario}", scenario.name)), run)

    session = Session.objects.get(pk=session_id)
    rows = Registration.objects.filter(session_id=session_id)
    confirmed = dict(
        rows.filter(status=Registration.Status.CONFIRMED).values_list("phone", "ticket_code")
    )
    database = {
        "confirmed": confirmed,
        "holding": rows.filter(status__in=PLACE_HOLDING_STATUSES).count(),
        "places": session.count_places_taken(),
        "other_rows": rows.exclude(status=Registration.Status.CONFIRMED).count(),
        "unverified": rows.filter(phone_verified=False).count(),
    }
    locked = None
    if server.database == "sqlite":
        log = server.log_text()
        locked = (log.count(LOCKED), log.count("\n"))
    return report(
        scenario,
        run,
        references,
        database,
        server_describe=server.describe(),
        static_url=server.static_reference_url,
        drained=drained,
        locked=locked,
    )


def samples_write(path: Path, run: RushRun) -> None:
    """Every request of the run as a CSV row (seconds from the first request), to see
    where in the run the slow answers were."""
    samples = [sample for user in run.users for a in user.attempts for sample in a.samples]
    if not samples:
        return
    first = min(sample.started for sample in samples)
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["client", "label", "started_s", "latency_ms", "status", "x_cache"])
        for user in run.users:
            for attempt in user.attempts:
                for sample in attempt.samples:
                    writer.writerow(
                        [
                            user.index,
                            sample.label,
                            f"{sample.started - first:.4f}",
                            f"{1000 * sample.latency:.1f}",
                            sample.status,
                            sample.headers.get("X-Cache", ""),
                        ]
                    )
    print(f"samples written to {path}", flush=True)


def describe_load(scenario: Scenario) -> str:
    think = (
        f"thinks {scenario.think_min:g}-{scenario.think_max:g} s, then POSTs it"
        if scenario.think_max > 0
        else "POSTs it at once"
    )
    if scenario.duration:
        arrival = (
            "all starting at once" if scenario.ramp <= 0 else f"starting over {scenario.ramp:g} s"
        )
        return (
            f"{scenario.clients} clients, {arrival}, register back to back for "
            f"{scenario.duration:g} s (each: GETs the form, {think}, next unique phone) on a "
            f"session with {scenario.capacity} places"
        )
    return (
        f"{scenario.clients} clients with unique phones arriving evenly over {scenario.ramp:g} "
        f"s, each GETs the form and {think}; a session with {scenario.capacity} places"
    )


def report(
    scenario: Scenario,
    run: RushRun,
    references: dict[str, LoadResult],
    database: dict,
    *,
    server_describe: str,
    static_url: str,
    drained: float,
    locked: tuple[int, int] | None,
) -> bool:
    """Prints the scenario's table; True when every check passed. ``locked``: on SQLite,
    how often the server's log says "database is locked", and the log's lines."""
    attempts = [a for u in run.users for a in u.attempts]
    samples = [s for a in attempts for s in a.samples]
    form = [s for s in samples if s.label == "form"]
    submit = [s for s in samples if s.label == "submit"]
    successes = {a.phone: a.ticket_code for a in attempts if a.ticket_code}
    confirmed = database["confirmed"]
    places = database["places"]
    capacity = scenario.capacity
    errors_5xx = sum(1 for s in samples if s.status >= 500)
    no_answer = sum(1 for s in samples if s.status == 0)
    busy = sum(1 for s in submit if s.status == 429)
    refused = sum(1 for s in submit if 400 <= s.status < 500 and s.status != 429)
    problems = Counter(a.problem for a in attempts if a.problem)
    problems.update(u.error for u in run.users if u.error)
    unfinished = [u for u in run.users if u.error.startswith("unfinished")]
    x_cache = Counter((s.headers.get("X-Cache") or "none") for s in form if s.status)
    token_sources = Counter(a.token_source for a in attempts if a.token_source)

    if samples:
        first = min(s.started for s in samples)
        last = max(s.ended for s in samples)
    else:
        first = last = 0.0
    span = last - first
    all_rate = len(samples) / span if span else 0.0
    success_rate = len(successes) / span if span else 0.0
    arrivals = [u.first_request for u in run.users if u.first_request is not None]
    tail = last - max(arrivals) if arrivals else 0.0
    latencies = [s.latency for s in samples]
    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    p99_form = percentile([s.latency for s in form], 99)
    p99_submit = percentile([s.latency for s in submit], 99)

    trivial, static = references["trivial"], references["static"]
    ref_rate = trivial.rate
    ref_p50 = percentile(trivial.latencies(), 50)
    ref_p99 = percentile(trivial.latencies(), 99)
    static_p99 = percentile(static.latencies(), 99)

    checks = {
        "places taken = confirmed rows = successful answers <= capacity": (
            places == len(confirmed) == database["holding"] == len(successes) <= capacity
        ),
        "phones with a ticket = phones of the confirmed rows (same ticket codes)": (
            successes == confirmed
        ),
        "no server error (5xx) and no request without an answer": (
            errors_5xx == 0 and no_answer == 0
        ),
        f"every client finished within {run.bound:g} s": not unfinished,
        "no registration other than the confirmed ones (none waitlisted)": (
            database["other_rows"] == 0
        ),
        "no unexpected answer (form without CSRF token, redirect elsewhere, ...)": not problems,
        "every registration's number verified (proved beforehand, no code in the rush)": (
            database["unverified"] == 0
        ),
    }
    if scenario.expect_full:
        checks[f"exactly the capacity confirmed ({capacity})"] = len(confirmed) == capacity
    else:
        checks["registrations succeeded"] = len(successes) > 0
    if locked is not None:
        checks[f"no '{LOCKED}' in the server log"] = locked[0] == 0

    confirmed_row = Row("confirmed registrations", str(len(confirmed)))
    if scenario.expect_full:
        confirmed_row.target, confirmed_row.met = f"= {capacity}", len(confirmed) == capacity
    table = [
        confirmed_row,
        Row(
            "places taken / capacity",
            f"{places} / {capacity}",
            "",
            "",
            "= confirmed, <= capacity",
            places == len(confirmed) and places <= capacity,
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
            "server errors (5xx) + no answer",
            f"{errors_5xx} + {no_answer}",
            "",
            "",
            "0 + 0",
            errors_5xx == 0 and no_answer == 0,
        ),
    ]
    if locked is not None:
        table.append(
            Row(f"'{LOCKED}' in the server log", str(locked[0]), "", "", "0", locked[0] == 0)
        )

    def rate_row(figure: str, rate: float, target: float | None) -> Row:
        row = Row(figure, per_second(rate), per_second(ref_rate), f"{ratio(rate, ref_rate):.0%}")
        if target is not None:
            row.target, row.met = f">= {target:.0%}", ratio(rate, ref_rate) >= target
        return row

    def latency_row(figure: str, value: float, reference: float, target: float | None) -> Row:
        row = Row(figure, ms(value), ms(reference), f"{ratio(value, reference):.1f}x")
        if target is not None:
            row.target, row.met = f"<= {ms(target)}", value <= target
        return row

    table += [
        rate_row("successful registrations/s", success_rate, scenario.success_rate_target),
        rate_row("all responses/s", all_rate, scenario.all_rate_target),
        latency_row("latency p50", p50, ref_p50, None),
        latency_row("latency p99", p99, ref_p99, scenario.p99_target),
        latency_row("latency p99 form (GET)", p99_form, ref_p99, scenario.p99_each_target),
        latency_row("latency p99 submit (POST)", p99_submit, ref_p99, scenario.p99_each_target),
    ]
    if scenario.duration is None:
        row = Row("last answer after the last arrival", ms(tail))
        if scenario.tail_target is not None:
            row.target, row.met = f"<= {ms(scenario.tail_target)}", tail <= scenario.tail_target
        table.append(row)
    table += [
        Row(
            "static file requests/s (reference)",
            per_second(static.rate),
            per_second(ref_rate),
            f"{ratio(static.rate, ref_rate):.0%}",
        ),
        Row(
            "static file p99 (reference)",
            ms(static_p99),
            ms(ref_p99),
            f"{ratio(static_p99, ref_p99):.1f}x",
        ),
    ]

    notes = [
        f"Server: {server_describe}.",
        f"Registration attempt limit per client address raised to {RAISED_RATE} (every "
        "client is 127.0.0.1).",
        f"Load: {describe_load(scenario)}; redirects are not followed. Rates are over the "
        f"span of {span:.1f} s (first request to last answer).",
        "References (reference column: the trivial view): "
        + _reference_note("trivial view /bench/trivial", trivial)
        + "; "
        + _reference_note(f"static file {static_url} (10 KB, whitenoise)", static)
        + f"; {scenario.clients} concurrent clients back to back. The load client runs on the "
        "same cores as the server.",
        f"Answers: form {_counts(Counter(s.status for s in form))} "
        f"(X-Cache: {_labels(x_cache)}; cache hits {x_cache.get('hit', 0)}); "
        f"submit {_counts(Counter(s.status for s in submit))}; "
        f"refused (4xx) x{refused}, busy (429) x{busy}.",
        f"CSRF token posted from: {_labels(token_sources) or 'none'}; database idle "
        f"{drained:.1f} s after the last answer.",
        "Sent again on a new connection after the server had closed the idle keep-alive "
        f"connection they went out on (as browsers do): form x{sum(s.resent for s in form)}, "
        f"submit x{sum(s.resent for s in submit)}.",
        *scenario.notes,
    ]
    if locked is not None:
        notes.append(f"Server log ({locked[1]} lines) searched for '{LOCKED}': {locked[0]} found.")
    if problems:
        notes.append("Client-side problems: " + ", ".join(f"{k} x{n}" for k, n in problems.items()))
    unanswered = Counter(f"{s.label}: {s.error}" for s in samples if s.status == 0)
    if unanswered:
        notes.append(
            "Requests without an answer: "
            + ", ".join(
                f"{k} (after {_latency_range(samples, k)}) x{n}" for k, n in unanswered.items()
            )
        )
    for name, ok in checks.items():
        notes.append(f"check: {name}: {'ok' if ok else 'FAILED'}")
    missed = [r.figure for r in table if r.met is False]
    notes.append("targets missed: " + (", ".join(missed) if missed else "none"))
    print_table(f"Registration rush, {scenario.name}: {scenario.title}", table, notes)
    print(flush=True)
    return all(checks.values())


def _reference_note(name: str, result: LoadResult) -> str:
    failed = sum(1 for s in result.samples if s.status != 200)
    return f"{name} {len(result.samples)} GETs in {result.elapsed:.1f} s" + (
        f" ({failed} not 200: {_counts(result.statuses())})" if failed else ""
    )


def _latency_range(samples: list[Sample], key: str) -> str:
    latencies = [s.latency for s in samples if s.status == 0 and f"{s.label}: {s.error}" == key]
    low, high = min(latencies), max(latencies)
    return ms(low) if high - low < 0.001 else f"{ms(low)}-{ms(high)}"


def _counts(counter: Counter) -> str:
    return ", ".join(f"{status or 'no answer'} x{n}" for status, n in sorted(counter.items()))


def _labels(counter: Counter) -> str:
    return ", ".join(f"{k} x{n}" for k, n in sorted(counter.items()))


# --- main ---------------------------------------------------------------------------------


def run_group(names: list[str], args: argparse.Namespace) -> int:
    """The scenarios of one server kind, one after the other on one server."""
    kind = SCENARIOS[names[0]].server
    if kind == "sqlite":
        server = BenchServer(database="sqlite", config=EMBEDDED_CONFIG)
    elif args.worker_class is None and not args.workers:
        server = BenchServer(config=PRODUCTION_CONFIG)
    else:
        server = BenchServer(
            worker_class=args.worker_class or "sync",
            workers=args.workers or 2 * cores(),
            threads=args.threads,
        )
    status = 0
    with server:
        for name in names:
            scenario = scenario_with_overrides(SCENARIOS[name], args)
            try:
                ok = run_scenario(server, scenario, args)
            except Exception:
                traceback.print_exc()
                print(f"scenario {name}: FAILED (error above)", flush=True)
                ok = False
            status |= 0 if ok else 1
    return status


def _argv_without_scenarios(argv: list[str]) -> list[str]:
    kept, skip = [], False
    for item in argv:
        if skip:
            skip = False
        elif item == "--scenario":
            skip = True
        elif not item.startswith("--scenario="):
            kept.append(item)
    return kept


def main() -> int:
    args = parse_args()
    groups: dict[str, list[str]] = {}
    for name in args.scenarios:
        groups.setdefault(SCENARIOS[name].server, []).append(name)
    if len(groups) == 1:
        (names,) = groups.values()
        try:
            return run_group(names, args)
        except Exception:
            traceback.print_exc()
            print(f"scenarios {', '.join(names)}: FAILED (error above)", flush=True)
            return 1
    # One process holds one set of Django settings: each server kind runs in a child.
    status = 0
    rest = _argv_without_scenarios(sys.argv[1:])
    for names in groups.values():
        command = [sys.executable, str(Path(__file__).resolve()), "--scenario", ",".join(names)]
        status |= 1 if subprocess.run([*command, *rest], check=False).returncode else 0
    return status


if __name__ == "__main__":
    sys.exit(main())
