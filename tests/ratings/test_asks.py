"""The one request to rate: sent once per service after it ends, as rows (in-site notice,
outbox e-mail or text message), never twice."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from events.models import Registration
from inbox.models import Notification
from inbox.services import user_language_set
from ratings.models import RatingAsk
from ratings.services import rating_ask, rating_asks_send, rating_submit
from reminders.models import Letter, Reminder
from tests.ratings.test_services import KINDS, thing


def test_every_finished_service_is_asked_once(world, django_capture_on_commit_callbacks):
    user_language_set(user=world.member, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        assert rating_asks_send() == 3
    assert set(RatingAsk.objects.values_list("kind", "object_id")) == {
        (kind, thing(world, kind).pk) for kind in KINDS
    }
    assert Notification.objects.filter(user=world.visitor).count() == 1
    member_notices = Notification.objects.filter(user=world.member)
    assert member_notices.count() == 2
    assert all("/en/rate/" in n.url for n in member_notices)
    assert all(n.subject.startswith("How was it?") for n in member_notices)
    visitor_notice = Notification.objects.get(user=world.visitor)
    assert visitor_notice.url.startswith("/zh-hans/rate/") and "请评价" in visitor_notice.subject
    assert len(mail.outbox) == 3
    assert any("/en/rate/" in m.body for m in mail.outbox)

    # The next sweeps (and a repeated call) ask nobody again.
    with django_capture_on_commit_callbacks(execute=True):
        assert rating_asks_send() == 0
        assert rating_ask(kind="lab_visit", object_id=world.lab_visit.pk) is None
    assert Notification.objects.count() == 3 and len(mail.outbox) == 3


def test_database_refuses_a_second_ask(world):
    RatingAsk.objects.create(kind="lab_visit", object_id=world.lab_visit.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        RatingAsk.objects.create(kind="lab_visit", object_id=world.lab_visit.pk)


def test_a_visitor_without_account_gets_an_email_else_a_text_message(world):
    Registration.objects.filter(pk=world.registration.pk).update(user=None)
    rating_ask(kind="open_day_visit", object_id=world.registration.pk)
    letter = Letter.objects.get()
    assert letter.message["to"] == [world.registration.email]
    assert "/zh-hans/rate/" in letter.message["body"]

    Letter.objects.all().delete()
    RatingAsk.objects.all().delete()
    Registration.objects.filter(pk=world.registration.pk).update(email="")
    rating_ask(kind="open_day_visit", object_id=world.registration.pk)
    text = Reminder.objects.get(channel=Reminder.Channel.SMS).letter
    assert text.message["template"] == "rating_ask"
    assert text.message["to"] == [world.registration.phone]
    assert "/rate/" in text.message["params"]["link"]


def test_not_before_the_end_nor_long_after_nor_once_rated(world):
    now = timezone.now()
    session = world.registration.session
    session.ends_at = now + datetime.timedelta(hours=1)
    session.save(update_fields=["ends_at"])
    slot = world.lab_visit.slot
    slot.starts_at = now - datetime.timedelta(days=30, hours=2)
    slot.ends_at = now - datetime.timedelta(days=30)
    slot.save(update_fields=["starts_at", "ends_at"])
    rating_submit(kind="consultation", object_id=world.consultation.pk, level=5, by_link=True)
    assert rating_asks_send(now=now) == 0
    assert not RatingAsk.objects.exists()


def test_the_sweep_runs_as_a_command(world):
    call_command("rating_asks_send", stdout=io.StringIO())
    assert RatingAsk.objects.count() == 3
