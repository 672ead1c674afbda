"""The web server under faults: a gunicorn worker killed in the middle of a registration
rush, and PostgreSQL unreachable for a while.

Each test starts ``gunicorn portal.wsgi`` (DEBUG off, several workers) against the test
database and drives it over HTTP like browsers do: the registration page for the CSRF token
and cookie, then the form POST.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.db.models import Sum
from django.test import override_settings

from events.models import PLACE_HOLDING_STATUSES, Registration, Session
from events.services.notices import registration_followups_run
from events.tickets import manage_token_read
from reminders.models import Reminder
from tests.factories import ActivityPageFactory, SessionFactory, UserFactory
from tests.faults.web_support import (
    CSRF_TOKEN,
    SERVER_SECRET_KEY,
    Gunicorn,
    Registrant,
    TcpProxy,
    redis_flush,
    server_env,
)

CACHE_DB = 7
BROKER_DB = 8
OUTAGE_TEXT = "The portal cannot reach its database for a moment."
ERROR_PAGE_TEXT = "Sorry, something went wrong on our side."
PASSWORD = "correct horse battery staple"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def server_factory(transactional_site_tree, subprocess_env, tmp_path):
    """Starts gunicorn; stops it (and empties its Redis databases) before the test
    database is flushed."""
    servers: list[Gunicorn] = []

    def start(*, database_url: str | None = None, workers: int = 3) -> Gunicorn:
        env = server_env(subprocess_env, cache_db=CACHE_DB, broker_db=BROKER_DB)
        if database_url:
            env["DATABASE_URL"] = database_url
        server = Gunicorn(env=env, workdir=tmp_path, workers=workers)
        servers.append(server)
        server.start()
        return server

    redis_flush(CACHE_DB)
    redis_flush(BROKER_DB)
    yield start
    for server in servers:
        server.stop()
    redis_flush(CACHE_DB)
    redis_flush(BROKER_DB)


@pytest.fixture
def open_session(transactional_site_tree) -> Session:
    activity = ActivityPageFactory(parent=transactional_site_tree.en.campaign)
    return SessionFactory(activity=activity, capacity=12, max_party_size=2)


def ticket_code(response: requests.Response) -> str:
    """The ticket a successful registration redirects to (its signed manage link)."""
    token = response.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    with override_settings(SECRET_KEY=SERVER_SECRET_KEY):
        return manage_token_read(token)


def assert_registrations_complete(session: Session) -> list[Registration]:
    """No half-written registration: every row has its ticket, consent and first status
    record; every confirmed one is marked for its follow-up, which then plans its
    reminders and its ticket e-mail exactly once; the places taken fit the capacity."""
    rows = list(Registration.objects.filter(session=session).prefetch_related("changes"))
    for row in rows:
        assert len(row.ticket_code) == 8, row.pk
        assert row.name and row.phone and row.consent_at, row.pk
        first = [c for c in row.changes.all() if c.from_state == ""]
        assert [c.to_state for c in first] == [row.status], row.pk
    confirmed = [r for r in rows if r.status == Registration.Status.CONFIRMED]
    # No worker runs here: the follow-up of every confirmed registration is still to do,
    # whatever happened to the web worker that wrote it. Run it as the worker would.
    assert all(row.followup_pending for row in confirmed)
    registration_followups_run()
    offsets = len(settings.REMINDER_OFFSETS["registration"])
    for row in confirmed:
        purposes = Counter(row.reminders.values_list("purpose", flat=True))
        channels = 2 if row.email else 1  # text messages, and e-mail when given
        assert purposes[Reminder.Purpose.REMINDER] == offsets * channels, row.pk
        assert purposes[Reminder.Purpose.TICKET] == (1 if row.email else 0), row.pk
    taken = sum(r.party_size for r in rows if r.status in PLACE_HOLDING_STATUSES)
    counted = Session.objects.with_places().get(pk=session.pk).places_taken
    stored = (
        Registration.objects.filter(session=session, status__in=PLACE_HOLDING_STATUSES).aggregate(
            n=Sum("party_size")
        )["n"]
        or 0
    )
    assert taken == counted == stored
    assert taken <= session.capacity
    # Nobody was turned away or waitlisted while their party still fitted: with no
    # cancellations the places taken only grew, so each of them must not fit now either.
    for row in rows:
        if row.status == Registration.Status.WAITLISTED:
            assert taken + row.party_size > session.capacity, row.pk
    assert len({r.phone for r in rows}) == len(rows)
    return rows


@pytest.mark.timeout(300)
def test_worker_killed_during_registration_rush_leaves_no_half_written_registration(
    server_factory, open_session
):
    server = server_factory(workers=3)
    registrants = [
        Registrant(
            base_url=server.url,
            session_id=open_session.pk,
            phone=f"1390000{n:04d}",
            name=f"Visitor {n}",
            party_size=1 + n % 2,
            join_waitlist=n % 3 == 0,
        )
        for n in range(48)
    ]
    answered = Counter()
    lock = threading.Lock()
    rush_over = threading.Event()
    cut_off = Counter()  # requests that lost their worker (connection dropped) and were retried

    def register(registrant: Registrant) -> requests.Response:
        """Like a visitor: on a dropped connection or a 5xx, open the form again and resend."""
        for _attempt in range(4):
            try:
                response = registrant.submit(registrant.open_form())
            except requests.RequestException:
                with lock:
                    cut_off["dropped"] += 1
                continue
            with lock:
                answered[response.status_code] += 1
            if response.status_code < 500:
                return response
        raise AssertionError(f"{registrant.phone} got no answer after 4 attempts")

    killed: set[int] = set()

    def kill_workers() -> None:
        # Twice, once the rush is under way and again a little later, each time while
        # requests are in flight on every worker.
        for answers in (6, 20):
            while sum(answered.values()) < answers and not rush_over.is_set():
                rush_over.wait(0.02)
            killed.add(server.kill_worker(sparing=killed))

    killer = threading.Thread(target=kill_workers)
    killer.start()
    try:
        with ThreadPoolExecutor(max_workers=10) as pool:
            responses = list(pool.map(register, registrants))
    finally:
        rush_over.set()
        killer.join(timeout=60)

    # Shown with the output of a failing test (and with -s).
    print(f"killed workers {sorted(killed)}; answers {dict(answered)}; dropped {dict(cut_off)}")
    assert len(killed) == 2
    # The kills interrupted requests in flight (ten clients keep three workers busy).
    assert cut_off["dropped"] >= 1
    # The master replaced the killed workers and the site answers.
    server.wait_for_workers(replacing=killed)
    assert requests.get(f"{server.url}/healthz", timeout=10).status_code == 200
    assert requests.get(registrants[0].form_url, timeout=10).status_code == 200
    # A killed worker drops its connections; it never turns into a server error page.
    assert not [code for code in answered if code >= 500], answered

    connection.close()  # read what the server committed, not a stale snapshot
    rows = assert_registrations_complete(open_session)
    by_phone = {r.phone.removeprefix("+86"): r for r in rows}
    registered = {}
    for registrant, response in zip(registrants, responses, strict=True):
        if response.status_code == 302:
            registered[registrant.phone] = ticket_code(response)
        else:
            # Refused because the session is full and the visitor did not want the list.
            assert response.status_code == 400, response.status_code
            assert not registrant.join_waitlist
            assert "This session is full" in response.text
    # Every visitor told "registered" holds exactly the ticket shown to them, and nobody
    # else has a row: a request cut off mid-way either committed whole and its retry was
    # shown the same ticket, or left nothing.
    assert {phone: r.ticket_code for phone, r in by_phone.items()} == registered
    assert sum(r.party_size for r in rows if r.status == "confirmed") > 0
    assert any(r.status == "waitlisted" for r in rows)


@pytest.mark.timeout(300)
def test_database_unreachable_answers_503_and_recovers(server_factory, open_session):
    db = connection.settings_dict
    proxy = TcpProxy(target_host=db["HOST"] or "127.0.0.1", target_port=int(db["PORT"] or 5432))
    proxy.start()
    try:
        database_url = (
            f"postgres://{db['USER']}{':' + db['PASSWORD'] if db['PASSWORD'] else ''}"
            f"@127.0.0.1:{proxy.port}/{db['NAME']}"
        )
        server = server_factory(database_url=database_url, workers=2)
        _database_outage(server, proxy, open_session)
    finally:
        proxy.cut()


def _database_outage(server: Gunicorn, proxy: TcpProxy, session: Session) -> None:
    def registrant(n: int) -> Registrant:
        return Registrant(
            base_url=server.url,
            session_id=session.pk,
            phone=f"1370000{n:04d}",
            name=f"Visitor {n}",
            party_size=1,
            join_waitlist=False,
        )

    before = [registrant(n) for n in range(2)]
    tickets_before = {}
    for visitor in before:
        response = visitor.submit(visitor.open_form())
        assert response.status_code == 302
        tickets_before[visitor.phone] = ticket_code(response)
    during = registrant(2)
    token = during.open_form()  # the form was open when the database went away
    member = _signed_in(server.url)
    assert requests.get(f"{server.url}/healthz", timeout=10).status_code == 200

    proxy.cut()

    # Every worker meets its dropped connection, then the refused new ones. (The home pages
    # were not requested before the cut, so no shared page cache can answer for them.)
    for path in ("/en/", "/zh-hans/", "/en/", "/zh-hans/"):
        _assert_outage_page(requests.get(f"{server.url}{path}", timeout=10))
    # The form that was just opened may still come from the page cache (kept for
    # REGISTRATION_PAGE_CACHE_SECONDS): a visitor can read it, and its submit below gets
    # the outage page. The same form in the other language was not stored: it needs the
    # database.
    opened = requests.get(during.form_url, timeout=10)
    if opened.status_code == 200:
        assert opened.headers["X-Cache"] == "hit"
    else:
        _assert_outage_page(opened)
    _assert_outage_page(requests.get(during.form_url.replace("/en/", "/zh-hans/", 1), timeout=10))
    # A signed-in visitor: the session and the user live in the database, and "My
    # registrations" reads them before anything else.
    for path in ("/en/open-day/registration/mine/", "/en/"):
        _assert_outage_page(member.get(f"{server.url}{path}", timeout=10))
    health = requests.get(f"{server.url}/healthz", timeout=10)
    assert health.status_code == 503
    assert health.json()["database"] == "down"
    refused = during.submit(token)
    _assert_outage_page(refused)

    proxy.restore()

    answers = [requests.get(f"{server.url}{p}", timeout=10) for p in ("/en/", "/zh-hans/") * 2]
    assert [r.status_code for r in answers] == [200] * 4
    assert requests.get(f"{server.url}/healthz", timeout=10).status_code == 200
    after = registrant(3)
    response = after.submit(after.open_form())
    assert response.status_code == 302

    connection.close()
    rows = assert_registrations_complete(session)
    assert {r.phone.removeprefix("+86"): r.ticket_code for r in rows} == {
        **tickets_before,
        after.phone: ticket_code(response),
    }


def _signed_in(base_url: str) -> requests.Session:
    """A browser signed in through the sign-in form (a session row in the database)."""
    user = UserFactory()
    # The server checks passwords with the production hashers, not the tests' fast one.
    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(PASSWORD, hasher.salt())
    user.save(update_fields=["password"])
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    http = requests.Session()
    login_url = f"{base_url}/en/accounts/login/"
    page = http.get(login_url, timeout=30)
    response = http.post(
        login_url,
        data={
            "csrfmiddlewaretoken": CSRF_TOKEN.search(page.text).group(1),
            "login": user.email,
            "password": PASSWORD,
        },
        headers={"Referer": login_url},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302 and http.cookies.get("sessionid"), response.text[:300]
    return http


def _assert_outage_page(response: requests.Response) -> None:
    assert response.status_code == 503, (response.status_code, response.text[:300])
    assert response.headers["Retry-After"] == "30"
    assert OUTAGE_TEXT in response.text
    assert 'id="unavailable-zh-hans"' in response.text
    assert ERROR_PAGE_TEXT not in response.text
    assert "Traceback" not in response.text
