"""Shared harness of the HTTP benchmarks (``bench/rush.py``, ``bench/pages.py``).

``BenchServer`` builds a production-like portal on loopback and tears it down again:

- a dedicated PostgreSQL database (``portal_bench_http`` on 127.0.0.1:5432, dropped and
  created again), migrated and filled by ``seed_demo``; or, with ``database="sqlite"``,
  the embedded default: SQLite in the temporary folder (the settings' own file with WAL
  and IMMEDIATE transactions), the per-process memory cache and the file-system broker,
  nothing in Redis;
- ``collectstatic`` into a temporary ``STATIC_ROOT``, with a generated 10 KB static file
  (the reference of the public-pages benchmark) served by whitenoise;
- gunicorn on a free loopback port with ``DEBUG=0``, a random ``SECRET_KEY``, plain HTTP
  (``SECURE_SSL_REDIRECT=0``, ``SECURE_COOKIES=0``), on PostgreSQL the cache in Redis db
  10 and the Celery broker in Redis db 11, the dummy e-mail backend and the registration
  attempt limits raised (every benchmark client comes from 127.0.0.1); its workers are
  given by ``worker_class``/``workers``/``threads``, or by a gunicorn config file
  (``config="portal/gunicorn_run.py"``, what ``make run`` uses);
- on exit, also after an error, Ctrl-C or SIGTERM: gunicorn is stopped, Redis dbs 10 and
  11 are flushed (only those) and the database is dropped (SQLite: the temporary folder
  holding it is removed).

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
import runpy
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import types
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
DATABASES = ("postgresql", "sqlite")
# Unset for the embedded default: the settings then choose SQLite in PORTAL_VAR_DIR, the
# per-process memory cache and the file-system broker.
EMBEDDED_UNSET = ("DATABASE_URL", "CACHE_URL", "CELERY_BROKER_URL")


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _on_sigterm(signum, frame):  # pragma: no cover - signal handler
    raise KeyboardInterrupt


class BenchServer:
    """Context manager: ``with BenchServer() as server: ... server.url("/healthz")``.

    ``database``: ``"postgresql"`` (the default: the database of ``BENCH_DATABASE_URL``,
    Redis as cache and broker) or ``"sqlite"`` (the embedded default: no ``DATABASE_URL``,
    ``CACHE_URL`` or ``CELERY_BROKER_URL``; ``PORTAL_VAR_DIR`` in the temporary folder holds
    the SQLite file, the broker's folders and the text messages). ``config``: a gunicorn
    config file (relative to the repository), which then decides the workers instead of
    ``worker_class``/``workers``/``threads``.
    """

    def __init__(
        self,
        *,
        worker_class: str = "gthread",
        workers: int | None = None,
        threads: int = 4,
        database: str = "postgresql",
        config: str | None = None,
        extra_env: dict[str, str] | None = None,
        log=print,
    ) -> None:
        if database not in DATABASES:
            raise ValueError(f"database must be one of {', '.join(DATABASES)}")
        self.database = database
        self.config = config
        if config is not None:
            values = runpy.run_path(str(REPO / config))
            worker_class = values.get("worker_class", "sync")
            workers = values.get("workers", 1)
            threads = values.get("threads", 1)
        self.worker_class = worker_class
        self.workers = workers or 2 * cores() + 1
        # gunicorn runs gthread workers when asked for sync ones with more than one thread.
        self.threads = 1 if worker_class == "sync" else threads
        self.extra_env = extra_env or {}
        self.log = log
        if database == "postgresql":
            self.database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
            self.db_name = self.database_url.rsplit("/", 1)[1]
        else:
            self.database_url = ""
            self.db_name = "db.sqlite3"
        self.port = 0
        self.tmp: Path | None = None
        self.process: subprocess.Popen | None = None
        self.static_reference_url = ""

    @property
    def uses_redis(self) -> bool:
        return self.database == "postgresql"

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite file the server and this process share (``database="sqlite"``)."""
        if self.database != "sqlite" or self.tmp is None:
            return None
        return self.tmp / "var" / "db.sqlite3"

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
        env = {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SITE_URL": f"http://127.0.0.1:{self.port}",
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_COOKIES": "0",
            "SECURE_HSTS_SECONDS": "0",
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "EMAIL_DELIVERY_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            "SMS_BACKEND": "reminders.sms.MaskedFileBackend",
            "PORTAL_VAR_DIR": str(self.tmp / "var"),
            "BENCH_STATIC_ROOT": str(self.tmp / "static"),
            "BENCH_STATIC_EXTRA": str(self.tmp / "static-extra"),
            "REGISTRATION_RATE_IP": RAISED_RATE,
            "LOG_LEVEL": "WARNING",
        }
        if self.uses_redis:
            env.update(
                DATABASE_URL=self.database_url,
                CACHE_URL=f"{REDIS}/{CACHE_DB}",
                CELERY_BROKER_URL=f"{REDIS}/{BROKER_DB}",
            )
        else:
            # The embedded default with DEBUG off, on purpose (portal/checks.py).
            env["SILENCED_SYSTEM_CHECKS"] = "portal.E001,portal.E002,portal.W001"
        return {**env, **self.extra_env}

    def start(self) -> None:
        started = time.monotonic()
        self.tmp = Path(tempfile.mkdtemp(prefix="portal-bench-http-"))
        self.port = free_port()
        if not self.uses_redis:
            # The embedded default is what the settings choose when these are not set.
            for name in EMBEDDED_UNSET:
                os.environ.pop(name, None)
        os.environ.update(self.env())
        if self.database == "postgresql":
            self._database_recreate()
        if self.uses_redis:
            self._redis_flush()

        import django
        from django.core.management import call_command

        django.setup()
        self._settings_check()
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
        if self.uses_redis:
            with contextlib.suppress(Exception):
                self._redis_flush()
        if self.database == "postgresql":
            try:
                self._database_drop()
            except Exception as exc:
                self.log(f"could not drop database {self.db_name}: {exc}")
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    def describe(self) -> str:
        threads = f" x {self.threads} threads" if self.worker_class == "gthread" else ""
        plural = "s" if self.workers != 1 else ""
        workers = f"{self.workers} {self.worker_class} worker{plural}{threads}"
        if self.config:
            workers = f"--config {self.config} ({workers})"
        if self.database == "postgresql":
            stores = f"PostgreSQL {self.db_name}, Redis cache db {CACHE_DB} / broker db {BROKER_DB}"
        else:
            stores = (
                "SQLite (embedded default: WAL, IMMEDIATE transactions) in a temporary "
                "folder, per-process memory cache, file-system broker"
            )
        return f"gunicorn {workers} on 127.0.0.1:{self.port}, {cores()} cores, DEBUG=0, {stores}"

    def setting(self, name: str):
        from django.conf import settings

        return getattr(settings, name, None)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def log_text(self) -> str:
        """The server's output so far: the portal's log (its stdout and stderr, with the
        access log when the config file asks for one) and gunicorn's error log."""
        if self.tmp is None:
            return ""
        parts = []
        for name in ("portal.log", "gunicorn.log"):
            with contextlib.suppress(OSError):
                parts.append((self.tmp / name).read_text(errors="replace"))
        return "\n".join(parts)

    # --- parts ----------------------------------------------------------------------------

    def _settings_check(self) -> None:
        """The settings this process loaded use the database asked for (the server reads
        the same environment)."""
        from django.conf import settings

        engine = settings.DATABASES["default"]["ENGINE"]
        if self.database == "sqlite":
            name = Path(settings.DATABASES["default"]["NAME"])
            if not engine.endswith("sqlite3") or name != self.sqlite_path:
                raise RuntimeError(
                    f"expected the embedded SQLite database at {self.sqlite_path}, the "
                    f"settings have {engine} {name} (was Django set up before the server?)"
                )
        elif not engine.endswith("postgresql"):
            raise RuntimeError(f"expected PostgreSQL, the settings have {engine}")

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
            "--error-logfile",
            str(log_path),
        ]
        if self.config:
            command += ["--config", str(REPO / self.config)]
        else:
            command += [
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
    error: str = ""  # why the request failed (status 0)
    # Times the request was sent again because the server had closed the idle keep-alive
    # connection it was sent on (see fetch); its latency includes them.
    resent: int = 0

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
        trace_configs=[_reuse_trace()],
    )


def _reuse_trace() -> aiohttp.TraceConfig:
    """Notes in the request's trace context whether it went out on a pooled connection."""

    async def on_reuse(session, context, params) -> None:
        if context.trace_request_ctx is not None:
            context.trace_request_ctx.reused = True

    trace = aiohttp.TraceConfig()
    trace.on_connection_reuseconn.append(on_reuse)
    return trace


# A keep-alive connection the server closes (gthread: after ``keepalive`` idle seconds)
# while the client sends the next request on it fails before any answer. Browsers send
# such a request again on a new connection; so does fetch, at most this many times. A
# failure on a new connection, or after the answer began, is never sent again.
RESEND_ON_CLOSED_KEEPALIVE = 3


async def fetch(
    http: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    label: str,
    keep_headers: Iterable[str] = (),
    **kwargs,
) -> tuple[Sample, bytes, aiohttp.ClientResponse | None]:
    """One request, read to the end and timed; never raises for HTTP or network errors.

    Sent again (like a browser) when it failed before any answer on a pooled keep-alive
    connection the server had closed; ``Sample.resent`` counts it."""
    started = time.perf_counter()
    resent = 0
    while True:
        trace = types.SimpleNamespace(reused=False, answered=False)
        try:
            async with http.request(
                method, url, allow_redirects=False, trace_request_ctx=trace, **kwargs
            ) as response:
                trace.answered = True
                body = await response.read()
                sample = Sample(
                    label,
                    started,
                    time.perf_counter(),
                    response.status,
                    {h: response.headers.get(h, "") for h in keep_headers},
                    resent=resent,
                )
                return sample, body, response
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            if (
                isinstance(exc, aiohttp.ClientConnectionError)
                and not isinstance(exc, TimeoutError)
                and trace.reused
                and not trace.answered
                and resent < RESEND_ON_CLOSED_KEEPALIVE
            ):
                resent += 1
                continue
            error = f"{type(exc).__name__}: {exc}".rstrip(": ")
            sample = Sample(label, started, time.perf_counter(), 0, error=error, resent=resent)
            return sample, b"", None


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
