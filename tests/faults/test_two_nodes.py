"""Two nodes, one portal: what a visitor or an operator does on one machine is seen on the
other.

Two production-like nodes run on loopback, each with its own local folders (var, media,
private files, e-mail) as two machines would have: on each, a gunicorn server (DEBUG off)
and a Celery worker, node A's on the ``default`` and ``mail`` queues with the one beat
scheduler, node B's on ``mail`` and ``reports``. They share what production shares: the
PostgreSQL test database, Redis (the test run's cache and broker) and one bucket of an
S3-compatible server (moto, ``tests/objectstore.py``). The test drives them over HTTP as
browsers behind a load balancer that sends each request to either node: both listen on
127.0.0.1, so a browser's cookies (CSRF, session) go to both, as they would to one host
name.
"""

from __future__ import annotations

import email
import email.policy
import os
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
import requests
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.urls import reverse
from django.utils import translation

from consultations.models import Consultation
from events.models import ActivityPage, Registration, Session
from reminders.models import Reminder
from stats.models import ReportJob
from tests import factories
from tests.consultations.test_booking_support import PNG
from tests.consultations.test_consultation_views import FORM
from tests.faults.celery_support import Processes, purge_broker, wait_until
from tests.faults.web_support import CSRF_TOKEN, Gunicorn, Registrant, server_env
from tests.objectstore import S3Server

PASSWORD = "correct horse battery staple"
# Registration attempts allowed per client address (REGISTRATION_RATE_IP), per fixed
# window of a day: see wait_out_rate_window_end.
REGISTRATION_LIMIT = 6
RATE_WINDOW = 24 * 3600
VISITOR_EMAIL = "two-nodes@example.com"
# The host name a load balancer would pass to every node (the test site's).
PUBLIC_HOST = {"Host": "localhost"}

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class Node:
    """One machine: a web server and a worker, sharing no folder with the other node."""

    name: str
    folder: Path
    web: Gunicorn
    worker: subprocess.Popen

    @property
    def url(self) -> str:
        return self.web.url

    def delivered(self) -> list[email.message.EmailMessage]:
        """Every e-mail this node's worker sent (the file backend's output)."""
        mail_dir = self.folder / "var" / "mail"
        if not mail_dir.exists():
            return []
        messages = []
        for path in sorted(mail_dir.iterdir()):
            # The file backend separates messages with a line of 79 dashes.
            for raw in path.read_bytes().split(b"-" * 79 + b"\n"):
                if raw.strip():
                    messages.append(email.message_from_bytes(raw, policy=email.policy.default))
        return messages

    def local_files(self) -> list[Path]:
        """Files in the node's media and private folders (object storage leaves none)."""
        return [
            path
            for root in (self.folder / "media", self.folder / "private")
            if root.exists()
            for path in root.rglob("*")
            if path.is_file()
        ]


def node_env(base: dict[str, str], folder: Path, storage: dict[str, str]) -> dict[str, str]:
    """One node's environment: the fault tests' production-like server settings, on the
    test run's own cache and broker, with the node's own folders and the shared bucket."""
    env = server_env(base, cache_db=0, broker_db=0)
    env.update(
        # The test run's Redis databases, not the fixed ones of the other fault tests.
        CACHE_URL=base["CACHE_URL"],
        CELERY_BROKER_URL=base["CELERY_BROKER_URL"],
        PORTAL_VAR_DIR=str(folder / "var"),
        MEDIA_ROOT=str(folder / "media"),
        PRIVATE_ROOT=str(folder / "private"),
        EMAIL_FILE_PATH=str(folder / "var" / "mail"),
        SMS_FILE_PATH=str(folder / "var" / "sms"),
        EMAIL_DELIVERY_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        SMS_BACKEND="reminders.sms.MaskedFileBackend",
        REGISTRATION_RATE_IP=f"{REGISTRATION_LIMIT}/{RATE_WINDOW}",
        HEARTBEAT_SECONDS="1",
        **storage,
    )
    (folder / "var").mkdir(parents=True)
    return env


def flush_cache(url: str) -> None:
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


@pytest.fixture
def nodes(
    transactional_site_tree, subprocess_env, processes: Processes, s3_server: S3Server, tmp_path
):
    """Nodes A and B, started in parallel, and their shared bucket; stopped (and the
    shared cache and queues emptied) before the test database is flushed."""
    bucket = s3_server.bucket_new()
    cache_url, broker_url = subprocess_env["CACHE_URL"], subprocess_env["CELERY_BROKER_URL"]
    flush_cache(cache_url)
    purge_broker(broker_url)
    started: list[Node] = []
    try:
        for name, queues in (("a", ("default", "mail")), ("b", ("mail", "reports"))):
            folder = tmp_path / f"node-{name}"
            web = Gunicorn(
                env=node_env(subprocess_env, folder, s3_server.env(bucket)),
                workdir=folder,
                workers=2,
            )
            # The worker runs with the web server's settings, as it would on one machine;
            # node A's also runs the one beat scheduler.
            worker = processes.worker(f"worker-{name}", web.env, queues=queues, beat=name == "a")
            started.append(Node(name=name, folder=folder, web=web, worker=worker))
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(lambda node: node.web.start(timeout=60), started))
        for node in started:
            log = node.worker.log_path
            assert wait_until(lambda log=log: b" ready." in log.read_bytes(), timeout=60), (
                log.read_text()[-3000:]
            )
        yield started[0], started[1], bucket
    finally:
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(lambda node: node.web.stop(), started))
        processes.stop_all()
        flush_cache(cache_url)
        purge_broker(broker_url)


def en_url(name: str, **kwargs) -> str:
    with translation.override("en"):
        return reverse(name, kwargs=kwargs or None)


def with_production_password(user):
    """The servers check passwords with the production hashers, not the tests' fast one."""
    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(PASSWORD, hasher.salt())
    user.save(update_fields=["password"])
    return user


def csrf_token(http: requests.Session, url: str) -> str:
    page = http.get(url, timeout=30)
    assert page.status_code == 200, (url, page.status_code)
    return CSRF_TOKEN.search(page.text).group(1)


def post(http: requests.Session, url: str, data: dict, **kwargs) -> requests.Response:
    return http.post(
        url, data=data, headers={"Referer": url}, allow_redirects=False, timeout=60, **kwargs
    )


def sign_in(http: requests.Session, node: Node, user, *, admin: bool = False) -> None:
    """Through the site's sign-in form (allauth), or the Wagtail admin's."""
    if admin:
        url, data = f"{node.url}/cms-admin/login/", {"username": user.username}
    else:
        url, data = f"{node.url}{en_url('account_login')}", {"login": user.email}
    token = csrf_token(http, url)
    response = post(http, url, {**data, "password": PASSWORD, "csrfmiddlewaretoken": token})
    assert response.status_code == 302, (response.status_code, response.text[:300])
    assert http.cookies.get("sessionid")


def wait_out_rate_window_end() -> None:
    """The registration counter is per fixed window: never start just before one ends,
    or the attempts would be split over two windows."""
    left = RATE_WINDOW - time.time() % RATE_WINDOW
    if left < 120:
        time.sleep(left + 1)


def anonymous_get(node: Node, path: str) -> requests.Response:
    """A visitor without cookies, through the load balancer's host name."""
    return requests.get(f"{node.url}{path}", headers=PUBLIC_HOST, timeout=30)


@pytest.mark.timeout(240)
def test_two_nodes_with_separate_folders_serve_one_portal(
    nodes, transactional_site_tree, s3_server
):
    a, b, bucket = nodes
    wait_out_rate_window_end()

    # What the operators would have entered.
    activity = factories.ActivityPageFactory(
        parent=transactional_site_tree.en.campaign, title="Metrology lab tour"
    )
    session = factories.SessionFactory(activity=activity, capacity=10, max_party_size=1)
    expert = factories.ExpertFactory(
        user=factories.UserFactory(), services=("consulting", "certification")
    )
    slot = factories.SlotFactory(expert=expert)
    owner = with_production_password(factories.UserFactory())
    EmailAddress.objects.create(user=owner, email=owner.email, verified=True, primary=True)
    factories.EnterpriseFactory(owner=owner)
    approver = with_production_password(factories.UserFactory(groups=["Regulator approvers"]))

    registration, visitor = _ticket_on_b_of_a_registration_on_a(a, b, session)
    _attachment_sent_on_a_downloaded_on_b(a, b, s3_server, bucket, owner=owner, slot=slot)
    staff = _workbook_started_on_b_downloaded_on_a(a, b, s3_server, bucket, approver=approver)
    _page_cached_on_b_purged_by_a_publish(a, b, staff, activity=activity, approver=approver)
    _registration_attempts_counted_across_nodes(a, b, visitor, session)
    _ticket_email_sent_once(a, b, registration)
    _health_of_each_node_sees_beat_and_every_queue(a, b)

    # Nothing was written to either node's own folders: every file is in the bucket.
    assert a.local_files() == b.local_files() == []


def _ticket_on_b_of_a_registration_on_a(
    a: Node, b: Node, session: Session
) -> tuple[Registration, Registrant]:
    visitor = Registrant(
        base_url=a.url,
        session_id=session.pk,
        phone="13700001234",
        name="Two Nodes",
        party_size=1,
        join_waitlist=False,
        email=VISITOR_EMAIL,
    )
    registered = visitor.submit(visitor.open_form())  # attempt 1 of the address's limit
    assert registered.status_code == 302, registered.text[:300]
    ticket_path = registered.headers["Location"]
    assert "/registration/ticket/" in ticket_path
    registration = Registration.objects.get(session=session)

    # The ticket link alone is enough on node B: no cookie of node A's.
    ticket = requests.get(f"{b.url}{ticket_path}", timeout=30)
    assert ticket.status_code == 200
    assert registration.ticket_code in ticket.text
    ics = requests.get(f"{b.url}{ticket_path}calendar.ics", timeout=30)
    assert ics.status_code == 200
    assert ics.headers["Content-Type"].startswith("text/calendar")
    assert ics.text.startswith("BEGIN:VCALENDAR")
    assert "Metrology lab tour" in ics.text
    return registration, visitor


def _attachment_sent_on_a_downloaded_on_b(
    a: Node, b: Node, s3_server: S3Server, bucket: str, *, owner, slot
) -> None:
    # The owner signs in on node A only; node B finds the session in the shared cache.
    http = requests.Session()
    sign_in(http, a, owner)
    request_url = f"{a.url}{en_url('consultations:request')}?slot={slot.pk}"
    content = PNG + os.urandom(200_000)
    sent = post(
        http,
        request_url,
        {**FORM, "slot": str(slot.pk), "csrfmiddlewaretoken": csrf_token(http, request_url)},
        files=[("attachments", ("inspection-report.png", content, "image/png"))],
    )
    assert sent.status_code == 302, (sent.status_code, sent.text[:300])
    consultation = Consultation.objects.get(requested_by=owner)
    attachment = consultation.attachments.get()
    assert s3_server.keys(bucket, "private/consultations/") == [
        f"private/consultations/{consultation.pk}/{attachment.token}"
    ]
    link = en_url(
        "consultations:attachment", reference=consultation.reference, token=attachment.token
    )
    download = http.get(f"{b.url}{link}", allow_redirects=False, timeout=30)
    assert download.status_code == 200
    assert download.content == content


def _workbook_started_on_b_downloaded_on_a(
    a: Node, b: Node, s3_server: S3Server, bucket: str, *, approver
) -> requests.Session:
    """Returns the approver's browser, signed in on node B only."""
    http = requests.Session()
    sign_in(http, b, approver, admin=True)
    dashboard = f"{b.url}{reverse('stats_admin:dashboard')}"
    started = post(
        http,
        f"{b.url}{reverse('stats_admin:report_start')}",
        {"csrfmiddlewaretoken": csrf_token(http, dashboard)},
    )
    assert started.status_code == 302, (started.status_code, started.text[:300])
    job = ReportJob.objects.get()
    assert started.headers["Location"].rstrip("/").endswith(job.token)

    def done() -> bool:
        status = http.get(
            f"{a.url}{reverse('stats_admin:report_status_json', args=[job.token])}", timeout=30
        )
        assert status.status_code == 200
        assert status.json()["state"] != "failed", status.json()
        return status.json()["state"] == "done"

    # Only node B's worker takes the reports queue.
    assert wait_until(done, timeout=30, interval=0.3), b.worker.log_path.read_text()[-3000:]
    job.refresh_from_db()
    stored = s3_server.client().get_object(Bucket=bucket, Key=f"private/{job.file.name}")
    workbook = http.get(
        f"{a.url}{reverse('stats_admin:report_download', args=[job.token])}",
        allow_redirects=False,
        timeout=30,
    )
    assert workbook.status_code == 200
    assert workbook.content == stored["Body"].read()
    assert workbook.content.startswith(b"PK")  # an .xlsx is a zip archive
    return http


def _page_cached_on_b_purged_by_a_publish(
    a: Node, b: Node, staff: requests.Session, *, activity: ActivityPage, approver
) -> None:
    path = ActivityPage.objects.get(pk=activity.pk).url
    first, second = anonymous_get(b, path), anonymous_get(b, path)
    assert (first.status_code, first.headers.get("X-Cache")) == (200, "miss")
    assert (second.status_code, second.headers.get("X-Cache")) == (200, "hit")
    assert "Metrology lab tour" in second.text
    # The cache is shared: node A answers with the page node B stored.
    assert anonymous_get(a, path).headers.get("X-Cache") == "hit"

    # An editor's draft with a new title, published by an approver in node A's admin.
    draft = ActivityPage.objects.get(pk=activity.pk)
    draft.title = "Calibration lab tour"
    draft.save_revision(user=approver)
    publish_url = f"{a.url}/cms-admin/bulk/wagtailcore/page/publish/?id={activity.pk}"
    published = post(staff, publish_url, {"csrfmiddlewaretoken": csrf_token(staff, publish_url)})
    assert published.status_code == 302, (published.status_code, published.text[:300])
    assert ActivityPage.objects.get(pk=activity.pk).title == "Calibration lab tour"

    after = anonymous_get(b, path)
    assert (after.status_code, after.headers.get("X-Cache")) == (200, "miss")
    assert "Calibration lab tour" in after.text
    assert "Metrology lab tour" not in after.text


def _registration_attempts_counted_across_nodes(
    a: Node, b: Node, visitor: Registrant, session: Session
) -> None:
    """Attempt 1 was the registration on node A; the others are the same registration sent
    again from another browser (the number is taken: refused, and counted, since only
    submissions that reach the service count), to B and A in turn. The limit is reached at
    the same count as on one node."""
    path = en_url("events:register", session_id=session.pk)
    other_browser = requests.Session()
    token = CSRF_TOKEN.search(other_browser.get(f"{b.url}{path}", timeout=30).text).group(1)
    data = {
        "csrfmiddlewaretoken": token,
        "name": "Another Name",
        "phone": visitor.phone,
        "email": "",
        "organisation": "",
        "party_size": "1",
        "language": "en",
        "consent": "on",
        "website": "",
    }
    answers = [
        post(other_browser, f"{node.url}{path}", data).status_code
        for node in [b, a] * (REGISTRATION_LIMIT // 2 + 1)
    ]
    assert answers == [400] * (REGISTRATION_LIMIT - 1) + [429] * (
        len(answers) - REGISTRATION_LIMIT + 1
    )


def _ticket_email_sent_once(a: Node, b: Node, registration: Registration) -> None:
    """Both workers take the mail queue; exactly one of them sent the ticket."""

    def sent() -> bool:
        return Reminder.objects.filter(
            registration=registration, purpose=Reminder.Purpose.TICKET, state=Reminder.State.SENT
        ).exists()

    assert wait_until(sent, timeout=20), a.worker.log_path.read_text()[-3000:]
    time.sleep(1)  # a second copy, if any worker were to send one, would be written by now
    tickets = {
        node.name: [
            message["Subject"]
            for message in node.delivered()
            if message["To"] == VISITOR_EMAIL and message["Subject"].startswith("Your ticket")
        ]
        for node in (a, b)
    }
    assert sorted(len(subjects) for subjects in tickets.values()) == [0, 1], tickets


def _health_of_each_node_sees_beat_and_every_queue(a: Node, b: Node) -> None:
    """Each node runs two of the three queues, and only A runs beat; the heartbeats are in
    the database, so the strict health check of either node finds all of them alive."""

    def healthy(node: Node) -> bool:
        return requests.get(f"{node.url}/healthz?strict=1", timeout=30).status_code == 200

    assert wait_until(lambda: healthy(a) and healthy(b), timeout=20), [
        requests.get(f"{node.url}/healthz", timeout=30).json() for node in (a, b)
    ]
    for node in (a, b):
        health = requests.get(f"{node.url}/healthz", timeout=30).json()
        assert health["beat"]["state"] == "ok"
        assert {queue: w["state"] for queue, w in health["workers"].items()} == {
            "default": "ok",
            "mail": "ok",
            "reports": "ok",
        }
