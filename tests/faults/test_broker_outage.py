"""The broker is down while people register: every registration succeeds, and once the
broker is back every registrant gets exactly one ticket e-mail.

A real gunicorn server (``DEBUG=0``, PostgreSQL, Redis as cache) whose Celery broker is a
private Redis server, killed once the server is up; then the broker starts again (empty),
and a real worker with its beat (the minute's sweep, every second here) follows the
registrations up. What counts is what was delivered: the e-mails the file backend wrote.
"""

from __future__ import annotations

import email
import email.policy
from collections import Counter
from pathlib import Path

import pytest
import requests
from django.db import connection

from events.models import Registration
from reminders.models import Reminder
from tests.factories import ActivityPageFactory, SessionFactory
from tests.faults.celery_support import RedisServer, wait_until
from tests.faults.web_support import Gunicorn, Registrant, redis_flush, server_env

CACHE_DB = 9
SWEEP_INTERVAL = 1.0
REGISTRANTS = 20

pytestmark = pytest.mark.django_db(transaction=True)


def delivered(mail_dir: Path) -> list[tuple[str, str]]:
    """(recipient, subject) of every e-mail the file backend wrote, repeats included."""
    if not mail_dir.exists():
        return []
    messages = []
    for path in sorted(mail_dir.iterdir()):
        # The file backend separates messages with a line of 79 dashes.
        for raw in path.read_bytes().split(b"-" * 79 + b"\n"):
            if raw.strip():
                message = email.message_from_bytes(raw, policy=email.policy.default)
                messages.append((str(message["To"]), str(message["Subject"])))
    return messages


@pytest.mark.timeout(240)
def test_broker_down_registrations_succeed_and_each_ticket_goes_out_once(
    transactional_site_tree, subprocess_env, processes, tmp_path
):
    broker = RedisServer(processes)
    broker.start()
    env = server_env(subprocess_env, cache_db=CACHE_DB, broker_db=0)
    env["CELERY_BROKER_URL"] = broker.url
    var_dir = Path(subprocess_env["PORTAL_VAR_DIR"])
    activity = ActivityPageFactory(parent=transactional_site_tree.en.campaign)
    session = SessionFactory(activity=activity, capacity=REGISTRANTS + 5, max_party_size=1)
    redis_flush(CACHE_DB)
    server = Gunicorn(env=env, workdir=tmp_path, workers=2)
    try:
        server.start()  # answers once its health check reaches the broker
        broker.kill()  # the broker goes down
        registrants = [
            Registrant(
                base_url=server.url,
                session_id=session.pk,
                phone=f"1370000{n:04d}",
                name=f"Visitor {n}",
                party_size=1,
                join_waitlist=False,
                email=f"visitor{n}@example.com",
            )
            for n in range(REGISTRANTS)
        ]
        for registrant in registrants:
            response = registrant.submit(registrant.open_form())
            assert response.status_code == 302, (response.status_code, server.log_tail())
            ticket = registrant.http.get(
                requests.compat.urljoin(server.url, response.headers["Location"]), timeout=30
            )
            assert ticket.status_code == 200
    finally:
        server.stop()

    connection.close()  # read what the server committed
    rows = list(Registration.objects.filter(session=session))
    assert len(rows) == REGISTRANTS
    assert {r.status for r in rows} == {Registration.Status.CONFIRMED}
    # Nothing could be handed to a worker: every follow-up is still to do, and nothing went out.
    assert all(r.followup_pending for r in rows)
    assert delivered(var_dir / "mail") == []

    # The broker is back (empty: it keeps nothing on disk); a worker and its beat start,
    # as a supervisor would start them.
    broker.start()
    worker_env = dict(subprocess_env)
    worker_env.update(
        CELERY_BROKER_URL=broker.url,
        CACHE_URL=f"redis://127.0.0.1:6379/{CACHE_DB}",
        EMAIL_DELIVERY_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        SMS_BACKEND="reminders.sms.MaskedFileBackend",
        FAULT_SWEEP_INTERVAL=str(SWEEP_INTERVAL),
    )
    worker = processes.worker("worker", worker_env, beat=True)

    def all_sent() -> bool:
        processes.keep_running()
        return (
            Reminder.objects.filter(
                purpose=Reminder.Purpose.TICKET, state=Reminder.State.SENT
            ).count()
            == REGISTRANTS
        )

    assert wait_until(all_sent, timeout=90), worker.log_path.read_text()[-4000:]
    wait_until(lambda: False, timeout=3 * SWEEP_INTERVAL)  # later sweeps send nothing more
    processes.stop_all()
    redis_flush(CACHE_DB)

    assert not Registration.objects.filter(session=session, followup_pending=True).exists()
    messages = delivered(var_dir / "mail")
    assert Counter(to for to, _ in messages) == {
        f"visitor{n}@example.com": 1 for n in range(REGISTRANTS)
    }
    assert {subject.split(":")[0] for _, subject in messages} == {"Your ticket"}
