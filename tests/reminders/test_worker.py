"""Due reminders go through the configured broker to a real Celery worker, end to end.

On the embedded default that is the file-system broker; in CI's second run it is Redis.
Nothing is sent inline: the sweep task is queued to "default", the send tasks to "mail",
and a worker consuming both delivers every due reminder once.
"""

from __future__ import annotations

import datetime
import threading
import time

import pytest
from celery.signals import after_task_publish, task_postrun
from django.core import mail
from django.utils import timezone

from reminders.models import Reminder
from reminders.services import reminders_plan
from reminders.tasks import reminders_send_due_task
from tests import factories
from tests.reminders.conftest import make_session


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_sends_due_reminders_once(
    transactional_site_tree, settings, _sms_outbox, celery_worker_all_queues
):
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    ran = []
    published = []

    def record(sender=None, **kwargs):
        ran.append((sender.name, threading.current_thread() is threading.main_thread()))

    def record_published(sender=None, **kwargs):
        published.append(sender)

    task_postrun.connect(record, weak=False)
    after_task_publish.connect(record_published, weak=False)
    try:
        session = make_session(transactional_site_tree)
        registrations = [
            factories.RegistrationFactory(session=session, email=f"w{n}@example.com")
            for n in range(3)
        ]
        for registration in registrations:
            reminders_plan(registration=registration)
        Reminder.objects.filter(offset_minutes=1440).update(
            due_at=timezone.now() - datetime.timedelta(minutes=1)
        )
        # Beat's job, queued twice as two schedulers would: still sent once each.
        reminders_send_due_task.delay()
        reminders_send_due_task.delay()
        # Settled when every task published so far has run: a task publishes the tasks it
        # hands work to before it ends, so a duplicated message cannot be still to come.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            sent = Reminder.objects.filter(offset_minutes=1440, state=Reminder.State.SENT)
            if sent.count() == 6 and len(ran) == len(published):
                break
            time.sleep(0.1)
    finally:
        task_postrun.disconnect(record)
        after_task_publish.disconnect(record_published)
    assert len(ran) == len(published), (ran, published)
    assert sorted(m.to[0] for m in mail.outbox) == [f"w{n}@example.com" for n in range(3)]
    assert len(_sms_outbox) == 3
    assert set(Reminder.objects.filter(offset_minutes=120).values_list("state", flat=True)) == {
        Reminder.State.PENDING
    }
    assert ("reminders.tasks.reminder_send_batch_task", False) in ran
    assert ("reminders.tasks.reminders_send_due_task", False) in ran
