"""Every absolute link the portal sends (registration e-mails, their .ics files, allauth's
account e-mails) is on ``SITE_URL``, which ``make run`` sets from ``HOST`` and ``PORT``."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import icalendar
import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from tests.factories import ActivityPageFactory, SessionFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
SITE = "http://127.0.0.1:8102"


@pytest.fixture
def site_url(settings):
    settings.SITE_URL = SITE
    return SITE


def links_in(text: str) -> list[str]:
    return re.findall(r"https?://[^\s\"'<>]+", text)


def test_registration_e_mail_and_its_calendar_link_to_site_url(
    client, site_tree, site_url, django_capture_on_commit_callbacks
):
    activity = ActivityPageFactory(parent=site_tree.zh.campaign, title="开放日")
    session = SessionFactory(activity=activity, capacity=5)
    with translation.override("zh-hans"):
        url = reverse("events:register", kwargs={"session_id": session.pk})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "name": "王小明",
                "phone": "138 0013 8000",
                "email": "xiaoming@example.com",
                "party_size": "1",
                "language": "zh-hans",
                "consent": "on",
                "website": "",
            },
        )
    assert response.status_code == 302

    (message,) = mail.outbox
    bodies = [message.body, *(content for content, _type in message.alternatives)]
    links = [link for body in bodies for link in links_in(body)]
    portal_links = [link for link in links if "amap.com" not in link]  # the map is external
    assert any("/ticket/" in link for link in portal_links)
    assert all(link.startswith(SITE + "/") for link in portal_links), portal_links
    ics = next(a for a in message.attachments if isinstance(a, tuple) and a[0] == "open-day.ics")
    event = icalendar.Calendar.from_ical(ics[1]).walk("VEVENT")[0]
    assert str(event["URL"]).startswith(SITE + "/zh-hans/")
    assert str(event["UID"]).endswith("@127.0.0.1")
    assert "http://testserver" not in str(ics[1])


def test_sign_up_e_mail_links_to_site_url_and_greets_with_the_portal_name(
    client, site_tree, site_url, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/en/accounts/signup/",
            {
                "email": "new.user@example.com",
                "password1": "a-long-pass-2026",
                "password2": "a-long-pass-2026",
            },
            # The request reaches the server on its own address, not the public one.
            HTTP_HOST="localhost:8000",
        )
    assert response.status_code == 302

    (message,) = mail.outbox
    links = links_in(message.body)
    assert any("/accounts/confirm-email/" in link for link in links)
    assert all(link.startswith(SITE + "/") for link in links), links
    assert "localhost" not in message.body and "localhost" not in message.subject
    assert "Hello, this is Testing & Inspection Public Service Portal." in message.body
    assert message.subject.startswith("[Testing & Inspection Public Service Portal] ")


def make_run_dry(*args: str, **env: str) -> str:
    environment = {k: v for k, v in os.environ.items() if k != "SITE_URL"}
    environment.update(env)
    return subprocess.run(
        ["make", "-n", "run", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_make_run_gives_web_server_and_worker_the_site_url_of_its_port():
    """``deploy/run.sh`` starts both the worker and the web server: they inherit the
    ``SITE_URL`` it is given."""
    out = make_run_dry("HOST=127.0.0.1", "PORT=8102")
    assert "SITE_URL='http://127.0.0.1:8102' deploy/run.sh .venv/bin 127.0.0.1:8102" in out
    assert "http://127.0.0.1:8000" not in out
    script = (ROOT / "deploy" / "run.sh").read_text()
    assert 'celery" -A portal worker' in script and 'gunicorn" portal.wsgi' in script


def test_make_run_keeps_a_site_url_set_in_the_environment():
    out = make_run_dry("PORT=8102", SITE_URL="https://portal.example.org")
    assert "SITE_URL='https://portal.example.org' deploy/run.sh .venv/bin 127.0.0.1:8102" in out


def test_wagtail_full_url_of_a_page_is_on_site_url(site_tree, site_url):
    """Wagtail's own e-mails (a page approved in a workflow) link to ``page.full_url``,
    which it builds from the Site record (``localhost:80`` in the demo) unless told."""
    page = ActivityPageFactory(parent=site_tree.zh.campaign, title="开放日", slug="open")

    assert page.full_url == SITE + page.url
    assert page.specific.get_full_url() == SITE + page.url
    assert page.url.startswith("/")
