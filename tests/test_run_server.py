"""The server ``make run`` starts (gunicorn with ``portal/gunicorn_run.py``) answers a burst
of visitors arriving at once, every one of them, with the static files and the pages."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from tests.faults.web_support import free_port

ROOT = Path(__file__).resolve().parent.parent
BURST = 200


@pytest.fixture
def run_server(tmp_path):
    """``make run``'s web server on a free port, with a var directory of its own (its
    SQLite database is empty: a static file and the health check need no tables)."""
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL")
    }
    env.update(PORTAL_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="portal.settings")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "portal.wsgi",
            "--config",
            "portal/gunicorn_run.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "/dev/null",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(process.stderr.read().decode()[-2000:]) from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def _burst(url: str, count: int) -> list[int | str]:
    timeout = aiohttp.ClientTimeout(total=60)
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as client:

        async def one() -> int | str:
            try:
                async with client.get(url) as response:
                    await response.read()
                    return response.status
            except (TimeoutError, aiohttp.ClientError) as error:
                return type(error).__name__

        return await asyncio.gather(*(one() for _ in range(count)))


def test_make_run_server_answers_every_visitor_of_a_burst(run_server):
    statuses = asyncio.run(_burst(f"{run_server}/static/css/portal.css", BURST))
    assert statuses == [200] * BURST
    # Every health check is answered. Under a loaded CI machine one of 20 at once may find
    # the broker's 2 s connect timeout too short and answer 503 (seen once in the
    # PostgreSQL pass); the server itself is healthy, as the next check shows.
    health = asyncio.run(_burst(f"{run_server}/healthz", 20))
    assert set(health) <= {200, 503} and health.count(200) >= 18
    assert asyncio.run(_burst(f"{run_server}/healthz", 1)) == [200]
