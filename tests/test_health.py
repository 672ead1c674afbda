"""The health endpoint the load balancer and the operators poll, and the page a visitor
gets while the database cannot be reached."""

from __future__ import annotations

import pytest
from django.db import OperationalError, connections
from wagtail.models import Site

import portal.views
from events.models import Registration
from portal.celery_app import app as celery_app
from portal.heartbeat import heartbeat_record
from tests.factories import ActivityPageFactory, SessionFactory, UserFactory

UNKNOWN = {"state": "unknown", "age": None}
NO_BACKGROUND = {
    "beat": UNKNOWN,
    "workers": {"default": UNKNOWN, "mail": UNKNOWN, "reports": UNKNOWN},
}


def test_healthz_reports_database_and_broker_up(client, db):
    for name in ("beat", "worker:default", "worker:mail", "worker:reports"):
        heartbeat_record(name=name)

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    # Ages are whole seconds since the heartbeats above: 0, or 1 when the request (the
    # broker's check included) crossed a second on a busy machine.
    ages = [body["beat"].pop("age")] + [w.pop("age") for w in body["workers"].values()]
    assert all(age in (0, 1) for age in ages), ages
    assert body == {
        "status": "ok",
        "database": "up",
        "broker": "up",
        "beat": {"state": "ok"},
        "workers": {q: {"state": "ok"} for q in ("default", "mail", "reports")},
    }
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


class UnreachableDatabase:
    def cursor(self):
        raise OperationalError("could not connect to server: Connection refused")


def test_healthz_answers_503_when_the_database_is_down(client, db, monkeypatch):
    monkeypatch.setattr(portal.views, "connection", UnreachableDatabase())

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "down",
        "broker": "up",
        **NO_BACKGROUND,
    }


def test_healthz_keeps_serving_when_the_broker_is_down_and_strict_says_so(client, db, monkeypatch):
    """Every outgoing message is a row first: a node without its broker still serves (the
    load balancer keeps it); monitoring asks ``?strict=1``."""
    # Nothing listens on port 1: the Redis transport fails to connect, as with a dead broker.
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    # Celery reads CELERY_BROKER_URL from the environment before its own configuration.
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "database": "up",
        "broker": "down",
        **NO_BACKGROUND,
    }
    assert client.get("/healthz?strict=1").status_code == 503


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_healthz_only_answers_get(client, db, method):
    assert getattr(client, method)("/healthz").status_code == 405


# --- Database outage: 503 with Retry-After instead of the 500 page ------------------------


@pytest.fixture
def cut_database(db):
    """Calling it makes every query fail as it does when PostgreSQL refuses connections,
    until the function it returns is called or the test ends (before the test database is
    rolled back)."""
    patch = pytest.MonkeyPatch()

    def refused(self, name=None):
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

    def cut():
        patch.setattr(type(connections["default"]), "_cursor", refused)
        return patch.undo

    yield cut
    patch.undo()


@pytest.fixture
def database_cut(cut_database):
    cut_database()


@pytest.fixture
def errors_answered(client):
    """The client returns the error page instead of re-raising the view's exception."""
    client.raise_request_exception = False
    return client


def assert_outage_page(response, *, lang: str, heading: str):
    html = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    assert f'<html lang="{lang}">' in html
    assert f"<h1>{heading}</h1>" in html
    # Both languages, the visitor's first; the English text is the source text.
    assert 'id="unavailable-zh-hans"' in html
    assert 'id="unavailable-en"' in html
    assert "The portal cannot reach its database for a moment." in html
    assert "Traceback" not in html
    assert "OperationalError" not in html


@pytest.mark.parametrize(
    ("path", "lang", "heading", "first"),
    [
        ("/zh-hans/", "zh-Hans", "服务暂时不可用", "zh-hans"),
        ("/en/", "en", "Service temporarily unavailable", "en"),
    ],
)
def test_public_page_answers_503_while_the_database_is_down(
    site_tree, database_cut, errors_answered, path, lang, heading, first
):
    response = errors_answered.get(path)

    assert_outage_page(response, lang=lang, heading=heading)
    html = response.content.decode()
    other = "en" if first == "zh-hans" else "zh-hans"
    assert html.index(f'id="unavailable-{first}"') < html.index(f'id="unavailable-{other}"')


def test_signed_in_visitor_gets_the_503_page_while_the_database_is_down(
    client, site_tree, cut_database
):
    # The session cookie makes the session and auth middleware read the database.
    client.force_login(UserFactory())
    client.raise_request_exception = False
    cut_database()

    for path in ("/en/", "/en/open-day/registration/mine/"):
        response = client.get(path)
        assert_outage_page(response, lang="en", heading="Service temporarily unavailable")


def test_registration_sent_while_the_database_is_down_is_refused_with_503(
    client, site_tree, cut_database
):
    session = SessionFactory(activity=ActivityPageFactory(parent=site_tree.en.campaign), capacity=5)
    client.raise_request_exception = False
    restore = cut_database()

    response = client.post(
        f"/en/open-day/registration/session/{session.pk}/",
        {
            "name": "Wang Xiaoming",
            "phone": "138 0013 8000",
            "party_size": "1",
            "language": "en",
            "consent": "on",
        },
    )

    assert_outage_page(response, lang="en", heading="Service temporarily unavailable")
    restore()
    assert not Registration.objects.filter(session=session).exists()


def test_error_raised_while_handling_a_database_error_answers_503(
    site_tree, errors_answered, monkeypatch
):
    def broken(request):
        try:
            raise OperationalError("server closed the connection unexpectedly")
        except OperationalError as exc:
            raise RuntimeError("could not load the site") from exc

    monkeypatch.setattr(Site, "find_for_request", staticmethod(broken))

    response = errors_answered.get("/en/")

    assert_outage_page(response, lang="en", heading="Service temporarily unavailable")


def test_other_server_errors_keep_the_500_page(site_tree, errors_answered, monkeypatch):
    def broken(request):
        raise RuntimeError("a bug, not an outage")

    monkeypatch.setattr(Site, "find_for_request", staticmethod(broken))

    response = errors_answered.get("/en/")

    assert response.status_code == 500
    assert "Retry-After" not in response
    html = response.content.decode()
    assert "Sorry, something went wrong on our side." in html
    assert "The portal cannot reach its database" not in html
    assert "Traceback" not in html
