"""A production-like web server for the fault tests: gunicorn with several workers, DEBUG
off, on a free loopback port; a TCP proxy in front of PostgreSQL that can be cut and
restored; and a client that registers through the real form (page, CSRF token, POST)."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")

# Settings of the server under test: the portal's own settings, except that static files
# are served from the source folders. Production collects them first (collectstatic with
# whitenoise's compressing manifest storage), which takes far longer than the test and is
# not what the test is about; with the manifest storage and no manifest every page fails.
SERVER_SETTINGS = """\
from portal.settings import *  # noqa: F403
from portal.settings import STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
"""

# The server signs its ticket links with this key; the test reads them with it.
SERVER_SECRET_KEY = "fault-test-server-" + "k" * 48
CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(env: dict[str, str], *, cache_db: int, broker_db: int) -> dict[str, str]:
    """``env`` (the fault tests' ``subprocess_env``) made production-like: DEBUG off, a
    secret key, plain HTTP on loopback, Redis for the cache and the broker, and
    registration limits raised (every client of the test is 127.0.0.1)."""
    env = dict(env)
    env.update(
        DEBUG="0",
        SECRET_KEY=SERVER_SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        SECURE_HSTS_SECONDS="0",
        CACHE_URL=f"redis://127.0.0.1:6379/{cache_db}",
        CELERY_BROKER_URL=f"redis://127.0.0.1:6379/{broker_db}",
        REGISTRATION_RATE_IP="100000/600",
        REGISTRATION_RATE_PHONE="1000/600",
        LOG_LEVEL="WARNING",
    )
    return env


def redis_flush(db: int) -> None:
    """Empty one of the test's own Redis databases (never the whole server)."""
    import redis

    client = redis.Redis.from_url(f"redis://127.0.0.1:6379/{db}")
    try:
        client.flushdb()
    finally:
        client.close()


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces, so split after its ")".
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == pid:
            found.add(int(entry.name))
    return found


class Gunicorn:
    """``gunicorn portal.wsgi`` with ``workers`` sync workers, started and stopped by the
    test. Its output goes to ``log`` so a failing test can show it."""

    def __init__(self, *, env: dict[str, str], workdir: Path, workers: int = 3) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        settings_dir = workdir / "server_settings"
        settings_dir.mkdir(exist_ok=True)
        (settings_dir / "fault_server_settings.py").write_text(SERVER_SETTINGS)
        self.env = {
            **env,
            "DJANGO_SETTINGS_MODULE": "fault_server_settings",
            "PYTHONPATH": os.pathsep.join([str(settings_dir), str(REPO)]),
        }
        self.log = workdir / "gunicorn.log"
        self.process: subprocess.Popen | None = None

    def start(self, *, timeout: float = 90) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    str(GUNICORN),
                    "portal.wsgi",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    str(self.workers),
                    "--timeout",
                    "60",
                    "--graceful-timeout",
                    "5",
                    "--log-level",
                    "warning",
                ],
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.wait_until_answering(timeout=timeout)

    def wait_until_answering(self, *, timeout: float) -> None:
        """Until /healthz answers 200 and every worker is up."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log_tail()}")
            try:
                if (
                    requests.get(f"{self.url}/healthz", timeout=5).status_code == 200
                    and len(self.worker_pids()) == self.workers
                ):
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise TimeoutError(f"gunicorn did not answer within {timeout}s:\n{self.log_tail()}")

    def worker_pids(self) -> set[int]:
        return _children(self.process.pid)

    def kill_worker(self, *, sparing: set[int] = frozenset()) -> int:
        """SIGKILL one worker (the master starts a new one); returns its pid. Workers in
        ``sparing`` (already killed, perhaps not yet reaped) are not chosen."""
        pid = min(self.worker_pids() - set(sparing))
        os.kill(pid, signal.SIGKILL)
        return pid

    def wait_for_workers(self, *, replacing: set[int], timeout: float = 60) -> set[int]:
        """Until the master runs its full number of workers again, none of them in
        ``replacing`` (the killed ones)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pids = self.worker_pids()
            if len(pids) == self.workers and not pids & replacing:
                return pids
            time.sleep(0.2)
        raise TimeoutError(f"gunicorn did not replace workers {replacing}:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


class TcpProxy:
    """Forwards 127.0.0.1:<port> to the database server. ``cut()`` drops every connection
    and refuses new ones (as a database host that went away); ``restore()`` accepts again
    on the same port."""

    def __init__(self, *, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._listener: socket.socket | None = None

    def start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    restore = start

    def cut(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            # shutdown() wakes the thread blocked in accept(); close() alone would not.
            _drop(listener)
        with self._lock:
            sockets, self._open = self._open, set()
        for sock in sockets:
            _drop(sock)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._open.update((client, upstream))
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(src, dst), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:
                self._open.discard(src)
                self._open.discard(dst)
            _drop(src)
            _drop(dst)


def _drop(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


@dataclass
class Registrant:
    """One visitor with their own browser (cookie jar) registering through the form."""

    base_url: str
    session_id: int
    phone: str
    name: str
    party_size: int
    join_waitlist: bool
    email: str = ""
    http: requests.Session = field(default_factory=requests.Session)

    @property
    def form_url(self) -> str:
        return f"{self.base_url}/en/open-day/registration/session/{self.session_id}/"

    def open_form(self) -> str:
        """GET the form; returns its CSRF token (the cookie stays in ``http``)."""
        response = self.http.get(self.form_url, timeout=30)
        response.raise_for_status()
        return CSRF_TOKEN.search(response.text).group(1)

    def submit(self, token: str) -> requests.Response:
        data = {
            "csrfmiddlewaretoken": token,
            "name": self.name,
            "phone": self.phone,
            "email": self.email,
            "organisation": "",
            "party_size": str(self.party_size),
            "language": "en",
            "consent": "on",
            "website": "",
        }
        if self.join_waitlist:
            data["join_waitlist"] = "on"
        return self.http.post(
            self.form_url,
            data=data,
            headers={"Referer": self.form_url},
            allow_redirects=False,
            timeout=30,
        )
