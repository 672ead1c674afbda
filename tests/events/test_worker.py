"""The ticket e-mail goes through the configured broker to a real Celery worker: the commit
wakes the follow-up, which writes the ticket row and hands it to the mail queue.

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
    sent = "reminders.tasks.reminder_send_batch_task"
    deadline = time.monotonic() + 30
    while not (mail.outbox and sent in dict(ran_in)) and time.monotonic() < deadline:
        time.sleep(0.1)
    (message,) = mail.outbox
    assert message.to == ["zhao@example.com"]
    assert registration.ticket_code in message.body
    task_postrun.disconnect(record)
    # Run by the worker's thread from broker messages, not inline by the caller: the
    # follow-up the commit woke, then the sending of the ticket row it wrote.
    assert ("events.tasks.registration_followups_task", False) in ran_in
    assert (sent, False) in ran_in
    registration.refresh_from_db()
    assert registration.followup_pending is False
