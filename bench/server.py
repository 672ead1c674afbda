"""Shared harness of the HTTP benchmarks (``bench/rush.py``, ``bench/pages.py``).

``BenchServer`` builds a production-like portal on loopback and tears it down again:

- a dedicated PostgreSQL database (``portal_bench_http`` on 127.0.0.1:5432, dropped and
  created again), migrated and filled by ``seed_demo``;
- ``collectstatic`` into a temporary ``STATIC_ROOT``, with a generated 10 KB static file
  (the reference of the public-pages benchmark) served by whitenoise;
- gunicorn on a free loopback port with ``DEBUG=0``, a random ``SECRET_KEY``, plain HTTP
  (``SECURE_SSL_REDIRECT=0``, ``SECURE_COOKIES=0``), the cache in Redis db 10, the Celery
  broker in Redis db 11, the dummy e-mail backend and the registration attempt limits
  raised (every benchmark client comes from 127.0.0.1);
- on exit, also after an error, Ctrl-C or SIGTERM: gunicorn is stopped, Redis dbs 10 and
  11 are flushed (only those) and the database is dropped.

The benchmark process itself uses the same settings (``bench.settings``) and database, so
it can prepare data before the run and check the rows after it.

It also holds the load client the benchmarks share: aiohttp with asyncio, every request
bounded in time, and the table every benchmark prints.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/portal_bench_http"
CACHE_DB = 10
BROKER_DB = 11
REDIS = "redis://127.0.0.1:6379"
# Registration attempts allowed per client address: every benchmark client is 127.0.0.1.
RAISED_RATE = "1000000/600"
STATIC_REFERENCE = "bench/reference-10k.css"
STATIC_REFERENCE_BYTES = 10 * 1024
REQUEST_TIMEOUT = 30.0  # seconds any one request may take before it counts as failed


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _on_sigterm(signum, frame):  # pragma: no cover - signal handler
    raise KeyboardInterrupt


class BenchServer:
    """Context manager: ``with BenchServer() as server: ... server.url("/healthz")``."""

    def __init__(
        self,
        *,
        worker_class: str = "gthread",
        workers: int | None = None,
        threads: int = 4,
        extra_env: dict[str, str] | None = None,
        log=print,
    ) -> None:
        self.worker_class = worker_class
        self.workers = workers or 2 * cores() + 1
        self.threads = threads
        self.extra_env = extra_env or {}
        self.log = log
        self.database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
        self.db_name = self.database_url.rsplit("/", 1)[1]
        self.port = 0
        self.tmp: Path | None = None
        self.process: subprocess.Popen | None = None
        self.static_reference_url = ""

    # --- life cycle -----------------------------------------------------------------------

    def __enter__(self) -> BenchServer:
        self._previous_sigterm = signal.signal(signal.SIGTERM, _on_sigterm)
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
        signal.signal(signal.SIGTERM, self._previous_sigterm)

    def env(self) -> dict[str, str]:
        assert self.tmp is not None
        return {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DATABASE_URL": self.database_url,
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SITE_URL": f"http://127.0.0.1:{self.port}",
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_COOKIES": "0",
            "SECURE_HSTS_SECONDS": "0",
            "CACHE_URL": f"{REDIS}/{CACHE_DB}",
            "CELERY_BROKER_URL": f"{REDIS}/{BROKER_DB}",
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            "SMS_BACKEND": "reminders.sms.MaskedFileBackend",
            "PORTAL_VAR_DIR": str(self.tmp / "var"),
            "BENCH_STATIC_ROOT": str(self.tmp / "static"),
            "BENCH_STATIC_EXTRA": str(self.tmp / "static-extra"),
            "REGISTRATION_RATE_IP": RAISED_RATE,
            "LOG_LEVEL": "WARNING",
            **self.extra_env,
        }

    def start(self) -> None:
        started = time.monotonic()
        self.tmp = Path(tempfile.mkdtemp(prefix="portal-bench-http-"))
        self.port = free_port()
        os.environ.update(self.env())
        self._database_recreate()
        self._redis_flush()

        import django
        from django.core.management import call_command

        django.setup()
        self.log(f"database {self.db_name}: migrate, seed_demo ...")
        call_command("migrate", interactive=False, verbosity=0)
        self.log(f"  migrated after {time.monotonic() - started:.0f} s")
        call_command("seed_demo", "--skip-index", stdout=io.StringIO())
        self.log(f"  seeded after {time.monotonic() - started:.0f} s")
        extra = self.tmp / "static-extra" / STATIC_REFERENCE
        extra.parent.mkdir(parents=True)
        extra.write_text(_reference_css(STATIC_REFERENCE_BYTES))
        call_command("collectstatic", interactive=False, verbosity=0)
        manifest = json.loads((self.tmp / "static" / "staticfiles.json").read_text())
        self.static_reference_url = "/static/" + manifest["paths"][STATIC_REFERENCE]
        from django.db import connections

        connections.close_all()
        self._gunicorn_start()
        self.log(f"server ready in {time.monotonic() - started:.0f} s: {self.describe()}")

    def stop(self) -> None:
        if self.process is not None:
            # gunicorn runs in its own process group (see _gunicorn_start): stop the master,
            # then make sure no worker outlives it.
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=20)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=5)
        self.process = None
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        with contextlib.suppress(Exception):
            self._redis_flush()
        try:
            self._database_drop()
        except Exception as exc:
            self.log(f"could not drop database {self.db_name}: {exc}")
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    def describe(self) -> str:
        threads = f" x {self.threads} threads" if self.worker_class == "gthread" else ""
        return (
            f"gunicorn {self.workers} {self.worker_class} workers{threads} on "
            f"127.0.0.1:{self.port}, {cores()} cores, DEBUG=0, PostgreSQL {self.db_name}, "
            f"Redis cache db {CACHE_DB} / broker db {BROKER_DB}"
        )

    def setting(self, name: str):
        from django.conf import settings

        return getattr(settings, name, None)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    # --- parts ----------------------------------------------------------------------------

    def _admin_connection(self):
        import psycopg

        maintenance = self.database_url.rsplit("/", 1)[0] + "/postgres"
        return psycopg.connect(maintenance, autocommit=True, connect_timeout=10)

    def _database_recreate(self) -> None:
        with self._admin_connection() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{self.db_name}"')

    def _database_drop(self) -> None:
        with self._admin_connection() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')

    def _redis_flush(self) -> None:
        import redis

        for db in (CACHE_DB, BROKER_DB):
            client = redis.Redis.from_url(f"{REDIS}/{db}", socket_timeout=5)
            client.flushdb()
            client.close()

    def _gunicorn_start(self) -> None:
        assert self.tmp is not None
        log_path = self.tmp / "gunicorn.log"
        command = [
            str(Path(sys.executable).with_name("gunicorn")),
            "portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--worker-class",
            self.worker_class,
            "--threads",
            str(self.threads),
            "--backlog",
            "2048",
            "--timeout",
            "60",
            "--graceful-timeout",
            "10",
            "--error-logfile",
            str(log_path),
        ]
        # Its own session: a Ctrl-C in the terminal reaches the benchmark, which stops the
        # server in order (and drops the database) instead of both dying at once.
        # The portal logs to stderr (every "session is full" answer is a warning of
        # django.request): into the log file, shown only if the server fails to start.
        with open(self.tmp / "portal.log", "ab") as output:
            self.process = subprocess.Popen(
                command,
                cwd=REPO,
                env=os.environ.copy(),
                start_new_session=True,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited:\n{_tail(log_path)}\n{_tail(self.tmp / 'portal.log')}"
                )
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock,
            ):
                sock.sendall(b"GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                sock.settimeout(10)
                if sock.recv(64).split(b"\r\n")[0].split(b" ")[1:2] == [b"200"]:
                    return
            time.sleep(0.3)
        raise RuntimeError(f"/healthz did not answer 200 within 60 s:\n{_tail(log_path)}")


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _reference_css(size: int) -> str:
    """A stylesheet of exactly ``size`` bytes, varied enough to compress like real CSS."""
    rules = []
    n = 0
    while sum(len(r) for r in rules) < size:
        colour = n * 2654435761 % 16777216
        rules.append(f".bench-{n:04d} {{ margin: {n % 17}px {n % 5}em; color: #{colour:06x}; }}\n")
        n += 1
    return "".join(rules)[:size]


# --- load client --------------------------------------------------------------------------


@dataclass
class Sample:
    label: str
    started: float
    ended: float
    status: int  # 0: the request failed (connection error or timeout)
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def latency(self) -> float:
        return self.ended - self.started


def client_session(concurrency: int, *, timeout: float = REQUEST_TIMEOUT) -> aiohttp.ClientSession:
    """One pool of up to ``concurrency`` connections, no cookie jar (each virtual user keeps
    its own cookies), every request bounded by ``timeout`` seconds."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency),
        timeout=aiohttp.ClientTimeout(total=timeout),
        cookie_jar=aiohttp.DummyCookieJar(),
    )


async def fetch(
    http: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    label: str,
    keep_headers: Iterable[str] = (),
    **kwargs,
) -> tuple[Sample, bytes, aiohttp.ClientResponse | None]:
    """One request, read to the end and timed; never raises for HTTP or network errors."""
    started = time.perf_counter()
    try:
        async with http.request(method, url, allow_redirects=False, **kwargs) as response:
            body = await response.read()
            sample = Sample(
                label,
                started,
                time.perf_counter(),
                response.status,
                {h: response.headers.get(h, "") for h in keep_headers},
            )
            return sample, body, response
    except (TimeoutError, aiohttp.ClientError, OSError):
        return Sample(label, started, time.perf_counter(), 0), b"", None


@dataclass
class LoadResult:
    samples: list[Sample]
    elapsed: float

    @property
    def rate(self) -> float:
        return len(self.samples) / self.elapsed if self.elapsed else 0.0

    def latencies(self) -> list[float]:
        return [s.latency for s in self.samples]

    def statuses(self) -> Counter:
        return Counter(s.status for s in self.samples)


async def closed_loop(
    url: str,
    *,
    concurrency: int,
    requests: int,
    max_seconds: float,
    label: str,
    keep_headers: Iterable[str] = (),
) -> LoadResult:
    """``concurrency`` clients each send the next GET as soon as the last one is answered,
    until ``requests`` were sent or ``max_seconds`` passed."""
    samples: list[Sample] = []
    remaining = requests
    deadline = time.perf_counter() + max_seconds

    async def client(http: aiohttp.ClientSession) -> None:
        nonlocal remaining
        while remaining > 0 and time.perf_counter() < deadline:
            remaining -= 1
            sample, _body, _response = await fetch(
                http, "GET", url, label=label, keep_headers=keep_headers
            )
            samples.append(sample)

    async with client_session(concurrency) as http:
        # Warm-up: every worker has imported its code and opened its connections.
        for _ in range(min(concurrency, 20)):
            await fetch(http, "GET", url, label="warm-up")
        started = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return LoadResult(samples, elapsed)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100); 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


@dataclass
class Row:
    figure: str
    value: str
    reference: str = ""
    ratio: str = ""
    target: str = ""
    met: bool | None = None


def print_table(title: str, rows: list[Row], notes: Iterable[str] = ()) -> None:
    headers = ("figure", "value", "reference", "ratio", "target", "met?")
    cells = [
        (
            r.figure,
            r.value,
            r.reference,
            r.ratio,
            r.target,
            {True: "yes", False: "NO"}.get(r.met, ""),
        )
        for r in rows
    ]
    widths = [max(len(str(c[i])) for c in [headers, *cells]) for i in range(len(headers))]
    line = "  ".join("-" * w for w in widths)
    print()
    print(title)
    print(line)
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print(line)
    for c in cells:
        print("  ".join(str(v).ljust(w) for v, w in zip(c, widths, strict=True)))
    print(line)
    for note in notes:
        print(note)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def per_second(rate: float) -> str:
    return f"{rate:.0f}/s"


def ratio(value: float, reference: float) -> float:
    return value / reference if reference else 0.0
