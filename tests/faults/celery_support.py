"""Celery processes, a private Redis server and delivered-message counting for the fault tests.

The worker and beat subprocesses are started with ``-A tests.faults.celery_support``: the
portal's own Celery app, with the reminder sweep scheduled every ``FAULT_SWEEP_INTERVAL``
seconds (and nothing else scheduled); the tests shorten the hand-over timeout with the
``REMINDER_REQUEUE_AFTER`` setting, so a fault test sees in seconds what production does
in minutes.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from django.core.mail.backends.filebased import EmailBackend as FileEmailBackend

from portal.celery_app import app

BASE_DIR = Path(__file__).resolve().parents[2]
CELERY = str(BASE_DIR / ".venv" / "bin" / "celery")
QUEUES = ("default", "mail", "reports")

_sweep_interval = float(os.environ.get("FAULT_SWEEP_INTERVAL") or 0)
if _sweep_interval:
    app.conf.beat_schedule = {
        "reminders-send-due": {
            "task": "reminders.tasks.reminders_send_due_task",
            "schedule": _sweep_interval,
        }
    }


class SlowFileEmailBackend(FileEmailBackend):
    """Django's file backend, taking ``FAULT_SEND_DELAY`` seconds per message like a slow
    mail server, so a worker is reliably killed in the middle of a batch. Each message is
    flushed to its file as soon as it is written (what an SMTP server's "250 accepted" is)."""

    def send_messages(self, email_messages):
        delay = float(os.environ.get("FAULT_SEND_DELAY") or 0)
        sent = 0
        for message in email_messages:
            if delay:
                time.sleep(delay)
            sent += super().send_messages([message])
        return sent


# --- Processes ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Processes:
    """Subprocesses of one test, each in its own session (process group) so the worker,
    its pool children and its embedded beat can be killed together."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.running: list[subprocess.Popen] = []
        # Workers that exited on their own and were started again by ``keep_running``.
        self.restarts: list[str] = []

    def start(
        self, name: str, args: list[str], env: dict[str, str], *, supervised: bool = False
    ) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            args,
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        process.log_file = log
        process.log_path = self.log_dir / f"{name}.log"
        process.start_args = (name, args, env)
        process.supervised = supervised
        self.running.append(process)
        return process

    def worker(
        self, name: str, env: dict[str, str], *, queues=QUEUES, beat: bool = False
    ) -> subprocess.Popen:
        args = [
            CELERY,
            "-A",
            "tests.faults.celery_support",
            "worker",
            f"--queues={','.join(queues)}",
            "--concurrency=2",
            "--loglevel=INFO",
            f"--hostname={name}@%h",
            "--without-gossip",
            "--without-mingle",
        ]
        if beat:
            args += ["--beat", f"--schedule={self.log_dir / f'{name}-beat-schedule'}"]
        return self.start(name, args, env, supervised=True)

    def keep_running(self) -> None:
        """Start again every worker that exited without being told to, as the process
        supervisor (systemd ``Restart=always``, a container restart policy) does in
        production."""
        for process in list(self.running):
            if process.supervised and process.poll() is not None:
                self.kill(process)
                name, args, env = process.start_args
                self.restarts.append(name)
                self.start(name, args, env, supervised=True)

    def kill(self, process: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` to the process group and wait for the leader to end."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        # Pool children may outlive their parent for a moment.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.log_file.close()
        if process in self.running:
            self.running.remove(process)

    def stop_all(self) -> None:
        for process in list(self.running):
            self.kill(process)


class RedisServer:
    """A private, non-persistent Redis server on a free loopback port that a test may kill
    and start again (never the machine's shared Redis)."""

    binary = shutil.which("redis-server") or "/usr/bin/redis-server"

    def __init__(self, processes: Processes) -> None:
        self.processes = processes
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @classmethod
    def available(cls) -> bool:
        return os.access(cls.binary, os.X_OK)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = self.processes.start(
            f"redis-{self.port}",
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            os.environ.copy(),
        )
        client = self.client()
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except Exception:  # noqa: BLE001 - not listening yet
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def kill(self) -> None:
        self.processes.kill(self.process, signal.SIGKILL)

    def client(self):
        import redis

        return redis.Redis.from_url(self.url)


def purge_broker(url: str) -> None:
    """Delete the portal's queues and Celery's unacknowledged-message bookkeeping from the
    broker's Redis database (only those keys: the database may be shared)."""
    import redis

    client = redis.Redis.from_url(url)
    client.delete(*QUEUES, "unacked", "unacked_index", "unacked_mutex")
    for key in client.scan_iter("_kombu.binding*"):
        client.delete(key)


# --- What was delivered ---------------------------------------------------------------------

_MESSAGE_ID = re.compile(rb"^Message-ID: *(<[^>]+>)", re.MULTILINE | re.IGNORECASE)
_SMS_TO = re.compile(rb"^to: (.+)$", re.MULTILINE)


def delivered_message_ids(mail_dir: Path) -> list[bytes]:
    """The Message-ID of every e-mail the file backend wrote, repeats included."""
    if not mail_dir.exists():
        return []
    ids: list[bytes] = []
    for path in sorted(mail_dir.iterdir()):
        ids += _MESSAGE_ID.findall(path.read_bytes())
    return ids


def delivered_sms_recipients(sms_dir: Path) -> list[bytes]:
    """The (masked) recipient of every text message the file backend wrote."""
    if not sms_dir.exists():
        return []
    recipients: list[bytes] = []
    for path in sorted(sms_dir.iterdir()):
        recipients += _SMS_TO.findall(path.read_bytes())
    return recipients


def wait_until(predicate, *, timeout: float, interval: float = 0.2) -> bool:
    """Poll ``predicate`` until it is true or ``timeout`` seconds passed; its last value."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() > deadline:
            return bool(predicate())
        time.sleep(interval)
