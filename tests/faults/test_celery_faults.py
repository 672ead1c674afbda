"""Reminders survive a killed worker, a restarted broker and two beat schedulers.

Real ``celery worker`` subprocesses (with embedded beat) run against the test database and
Redis, sending through the file-based e-mail and text-message backends into the test's own
var directory. What counts is what was delivered: every due reminder is sent exactly once
(the rows) and reaches its recipient (the files), whatever happens to the processes.
"""

from __future__ import annotations

import datetime
import signal
import warnings
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from portal.phones import phone_mask
from reminders.models import Reminder
from reminders.services import _message_id, reminders_plan
from tests import factories
from tests.faults.celery_support import (
    RedisServer,
    delivered_message_ids,
    delivered_sms_recipients,
    purge_broker,
    wait_until,
)
from tests.reminders.conftest import make_session

SWEEP_INTERVAL = 1.0
REQUEUE_AFTER = 3
CLAIM_TIMEOUT = 4

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def broker_url():
    """The configured broker, without any message an earlier run left behind."""
    url = str(settings.CELERY_BROKER_URL)
    purge_broker(url)
    yield url
    purge_broker(url)


def worker_env(subprocess_env: dict[str, str], broker_url: str, **extra: str) -> dict[str, str]:
    env = dict(subprocess_env)
    env.update(
        CELERY_BROKER_URL=broker_url,
        EMAIL_DELIVERY_BACKEND="tests.faults.celery_support.SlowFileEmailBackend",
        SMS_BACKEND="reminders.sms.MaskedFileBackend",
        FAULT_SWEEP_INTERVAL=str(SWEEP_INTERVAL),
        REMINDER_REQUEUE_AFTER=str(REQUEUE_AFTER),
        REMINDER_CLAIM_TIMEOUT=str(CLAIM_TIMEOUT),
        REMINDER_BATCH_SIZE="5",
    )
    env.update(extra)
    return env


def plan_due_reminders(tree, count: int) -> list[Reminder]:
    """``count`` registrations, each with a due e-mail and a due text-message reminder (the
    day-before ones); their two-hours-before reminders stay ahead."""
    session = make_session(tree)
    for n in range(count):
        registration = factories.RegistrationFactory(
            session=session, email=f"fault{n}@example.com", phone=f"+86139{n:08d}"
        )
        reminders_plan(registration=registration)
    due = Reminder.objects.filter(offset_minutes=1440)
    due.update(due_at=timezone.now() - datetime.timedelta(minutes=1))
    rows = list(due.select_related("registration"))
    assert len(rows) == 2 * count
    assert Reminder.objects.exclude(offset_minutes=1440).count() == 2 * count
    return rows


def sent_count() -> int:
    return Reminder.objects.filter(offset_minutes=1440, state=Reminder.State.SENT).count()


def assert_delivered_once(rows: list[Reminder], var_dir: Path, *, repeats_allowed=()) -> None:
    """Every due row is sent, and its message was delivered: e-mails told apart by their
    Message-ID (stable per row), text messages by their masked recipient. A repeat is only
    accepted for a row in ``repeats_allowed``."""
    states = Counter(Reminder.objects.filter(offset_minutes=1440).values_list("state", flat=True))
    assert states == {Reminder.State.SENT: len(rows)}
    # Not due yet, so not touched by any sweep.
    assert set(Reminder.objects.exclude(offset_minutes=1440).values_list("state", flat=True)) == {
        Reminder.State.PENDING
    }

    email_rows = {_message_id(r): r.pk for r in rows if r.channel == Reminder.Channel.EMAIL}
    sms_rows = {
        phone_mask(r.registration.phone, keep_prefix=True).encode(): r.pk
        for r in rows
        if r.channel == Reminder.Channel.SMS
    }
    message_ids = Counter(m.decode() for m in delivered_message_ids(var_dir / "mail"))
    recipients = Counter(delivered_sms_recipients(var_dir / "sms"))
    assert set(message_ids) == set(email_rows)
    assert len(message_ids) == len(email_rows)
    assert set(recipients) == set(sms_rows)
    repeated = {email_rows[m] for m, n in message_ids.items() if n > 1}
    repeated |= {sms_rows[r] for r, n in recipients.items() if n > 1}
    assert repeated <= set(repeats_allowed)


@pytest.mark.timeout(120, func_only=True)
def test_worker_killed_mid_batch_every_due_reminder_sent_once(
    transactional_site_tree, subprocess_env, processes, broker_url
):
    rows = plan_due_reminders(transactional_site_tree, 24)
    var_dir = Path(subprocess_env["PORTAL_VAR_DIR"])
    # A slow mail server: the batches take seconds, so the kill lands in the middle.
    env = worker_env(subprocess_env, broker_url, FAULT_SEND_DELAY="0.3")

    first = processes.worker("first", env, beat=True)
    assert wait_until(lambda: sent_count() >= 8, timeout=60), first.log_path.read_text()
    processes.kill(first, signal.SIGKILL)
    sent_before = sent_count()
    in_flight = list(
        Reminder.objects.filter(state=Reminder.State.SENDING).values_list("pk", flat=True)
    )
    # Killed in the middle: some sent, some not.
    assert 8 <= sent_before < len(rows)

    second = processes.worker("second", env, beat=True)
    assert wait_until(lambda: sent_count() == len(rows), timeout=60), second.log_path.read_text()
    # A few more sweeps: a late duplicate would show now.
    wait_until(lambda: False, timeout=3 * SWEEP_INTERVAL)
    processes.kill(second, signal.SIGTERM)

    # Only a row the killed worker was sending may have gone out twice (killed between the
    # mail server's accept and the "sent" UPDATE); it was then claimed a second time.
    repeatable = set(in_flight) & set(
        Reminder.objects.filter(attempts__gte=2).values_list("pk", flat=True)
    )
    assert_delivered_once(rows, var_dir, repeats_allowed=repeatable)


@pytest.mark.timeout(120, func_only=True)
@pytest.mark.skipif(not RedisServer.available(), reason="needs redis-server to restart a broker")
def test_broker_restarted_without_persistence_due_reminders_still_go_out(
    transactional_site_tree, subprocess_env, processes
):
    redis_server = RedisServer(processes)
    redis_server.start()
    rows = plan_due_reminders(transactional_site_tree, 10)
    var_dir = Path(subprocess_env["PORTAL_VAR_DIR"])
    # A longer hand-over timeout here: the broker is restarted right after the first
    # hand-over, long before the sweeper hands the rows over again.
    requeue_after = 8
    env = worker_env(subprocess_env, redis_server.url, REMINDER_REQUEUE_AFTER=str(requeue_after))

    # The sweeping worker (beat and the "default" queue) hands the rows to the mail queue;
    # no mail worker is running yet, so they wait in Redis.
    sweeper = processes.worker("sweeper", env, queues=["default"], beat=True)
    assert wait_until(
        lambda: (
            not Reminder.objects.filter(offset_minutes=1440, queued_at__isnull=True).exists()
            and redis_server.client().llen("mail") > 0
        ),
        timeout=60,
        interval=0.05,
    ), sweeper.log_path.read_text()

    # The broker dies and comes back empty: every queued message is gone.
    redis_server.kill()
    redis_server.start()
    assert redis_server.client().llen("mail") == 0
    assert sent_count() == 0

    # The rows are the source of truth: the sweeper hands them over again once the
    # hand-over timeout has passed, and a mail worker sends them. A worker whose task ended
    # while the connection was being re-established may exit with "Unrecoverable error"
    # (a Celery/kombu race, e.g. celery/kombu#582); in production its supervisor starts it
    # again, and so does the test.
    processes.worker("mailer", env, queues=["mail"])

    def all_sent() -> bool:
        processes.keep_running()
        return sent_count() == len(rows)

    assert wait_until(all_sent, timeout=requeue_after + 2 * SWEEP_INTERVAL + 45), (
        sweeper.log_path.read_text()
    )
    wait_until(lambda: False, timeout=3 * SWEEP_INTERVAL)
    processes.stop_all()
    if processes.restarts:
        warnings.warn(
            f"worker(s) {', '.join(processes.restarts)} exited on the broker restart and were "
            "started again",
            stacklevel=1,
        )

    assert_delivered_once(rows, var_dir)
    # Nothing was sent before the restart, and each row was claimed once after it.
    assert set(Reminder.objects.filter(offset_minutes=1440).values_list("attempts", flat=True)) == {
        1
    }


@pytest.mark.timeout(120, func_only=True)
def test_two_beat_schedulers_send_no_reminder_twice(
    transactional_site_tree, subprocess_env, processes, broker_url
):
    rows = plan_due_reminders(transactional_site_tree, 20)
    var_dir = Path(subprocess_env["PORTAL_VAR_DIR"])
    # Every second both schedulers sweep, and rows still waiting in the mail queue are
    # handed over again after two seconds: many duplicate messages for the same rows.
    env = worker_env(
        subprocess_env, broker_url, REMINDER_REQUEUE_AFTER="2", FAULT_SEND_DELAY="0.05"
    )

    one = processes.worker("one", env, beat=True)
    two = processes.worker("two", env, beat=True)
    assert wait_until(lambda: sent_count() == len(rows), timeout=60), one.log_path.read_text()
    wait_until(lambda: False, timeout=3 * SWEEP_INTERVAL)
    processes.stop_all()

    # Both schedulers did schedule the sweep.
    for worker in (one, two):
        assert "Sending due task reminders-send-due" in worker.log_path.read_text()
    assert_delivered_once(rows, var_dir)
    # No row was ever claimed twice.
    assert set(Reminder.objects.filter(offset_minutes=1440).values_list("attempts", flat=True)) == {
        1
    }
