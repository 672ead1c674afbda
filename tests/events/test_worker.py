"""The ticket e-mail goes through the configured broker to a real Celery worker.

On the embedded default that is the file-system broker; in CI's second run it is Redis.
"""

from __future__ import annotations

import threading
import time

from celery.signals import task_postrun
from django.core import mail

from events.services.registration import registration_create
from tests import factories


def test_ticket_email_is_sent_by_a_worker_after_commit(
    transactional_site_tree, celery_worker_all_queues
):
    ran_in = []

    def record(sender=None, **kwargs):
        ran_in.append((sender.name, threading.current_thread() is threading.main_thread()))

    task_postrun.connect(record, weak=False)
    activity = factories.ActivityPageFactory(parent=transactional_site_tree.zh.campaign)
    session = factories.SessionFactory(activity=activity, capacity=5)
    registration = registration_create(
        session_id=session.pk, name="赵六", phone="13700001111", email="zhao@example.com"
    )
    deadline = time.monotonic() + 30
    while not (mail.outbox and ran_in) and time.monotonic() < deadline:
        time.sleep(0.1)
    (message,) = mail.outbox
    assert message.to == ["zhao@example.com"]
    assert registration.ticket_code in message.body
    task_postrun.disconnect(record)
    # Run by the worker's thread from a broker message, not inline by the caller.
    assert ("events.tasks.registration_notify_task", False) in ran_in
