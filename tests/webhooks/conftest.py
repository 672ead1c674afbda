"""Fixtures of the webhook tests: a real HTTP receiver on loopback, endpoints, an activity
with a session hosted by an institution."""

from __future__ import annotations

import datetime
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from tests import factories
from webhooks.models import Endpoint


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def payload(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """What the loopback server got, and what it answers next (``status``, ``body``)."""

    url: str
    requests: list[Received] = field(default_factory=list)
    status: int = 200
    body: bytes = b'{"ok": true}'


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
        receiver: Receiver = self.server.receiver  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length", "0"))
        receiver.requests.append(
            Received(
                path=self.path, headers=dict(self.headers.items()), body=self.rfile.read(length)
            )
        )
        self.send_response(receiver.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(receiver.body)))
        self.end_headers()
        self.wfile.write(receiver.body)

    def log_message(self, format, *args) -> None:  # noqa: A002
        """http.server writes a line per request to stderr; the tests read ``requests``."""


@pytest.fixture(autouse=True)
def webhook_settings(settings):
    """Tests talk to a receiver on loopback over plain HTTP: allowed here only."""
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOW_PRIVATE = True
    settings.WEBHOOK_TIMEOUT = 2.0
    settings.WEBHOOK_RETRY_BACKOFF = 60
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    return settings


@pytest.fixture
def receiver():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    host, port = server.server_address[:2]
    server.receiver = Receiver(url=f"http://{host}:{port}/hooks/portal")  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01})
    thread.daemon = True
    thread.start()
    yield server.receiver  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()
    thread.join()


def endpoint_make(url: str, *, events: list[str], **kwargs) -> Endpoint:
    endpoint = Endpoint(name=kwargs.pop("name", "Data centre"), url=url, events=events, **kwargs)
    endpoint.full_clean()
    endpoint.save()
    return endpoint


@pytest.fixture
def institution(site_tree):
    return factories.InstitutionPageFactory(parent=site_tree.zh.institutions, title="重庆检测院")


@pytest.fixture
def session(site_tree, institution):
    activity = factories.ActivityPageFactory(
        parent=site_tree.zh.campaign, title="食品实验室开放", institution=institution
    )
    starts = timezone.now().replace(microsecond=0) + datetime.timedelta(hours=1)
    return factories.SessionFactory(
        activity=activity,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        capacity=10,
        max_party_size=4,
    )


@pytest.fixture
def door_staff(db):
    return factories.UserFactory(username="door1", groups=["Check-in staff"])
