"""One-time codes that prove a phone number (verification/services.py)."""

from __future__ import annotations

import datetime
import re

import pytest
import sms
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from events.models import Registration
from events.services.registration import noshow_restricted_until
from reminders.models import Letter, Reminder
from tests import factories
from verification.models import MAX_ATTEMPTS, PhoneCode
from verification.services import (
    VerificationError,
    phone_code_check,
    phone_code_send,
    phone_verified_on_account,
)

PHONE = "+8613812345678"

pytestmark = pytest.mark.django_db


def send(django_capture_on_commit_callbacks, phone=PHONE, client="10.0.0.1", **kwargs) -> str:
    """Send a code; returns it as the text message carried it."""
    before = len(sms.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        phone_code_send(phone=phone, language="zh-hans", client=client, **kwargs)
    (message,) = sms.outbox[before:]
    assert message.recipients == [phone]
    return message.params["code"]


def test_a_code_is_sent_through_the_outbox_and_stored_only_hashed(
    django_capture_on_commit_callbacks,
):
    code = send(django_capture_on_commit_callbacks)
    assert re.fullmatch(r"\d{6}", code)
    message = sms.outbox[-1]
    assert message.template == "verify_code" and code in message.body
    row = PhoneCode.objects.get()
    # Only the keyed hash: without SECRET_KEY, a copy of the table does not give it away.
    assert (
        row.code_hash
        == salted_hmac("verification.phone_code", f"{PHONE}:{code}", algorithm="sha256").hexdigest()
    )
    assert code not in {str(value) for value in PhoneCode.objects.values().get().values()}
    # The text was an outbox row; once sent, its stored copy holds no code.
    reminder = Reminder.objects.get(channel=Reminder.Channel.SMS)
    assert reminder.state == Reminder.State.SENT
    assert Letter.objects.get().message == {}


def test_the_right_code_verifies_once(django_capture_on_commit_callbacks):
    user = factories.UserFactory()
    code = send(django_capture_on_commit_callbacks)
    verified = phone_code_check(phone=PHONE, code=code[:3] + " " + code[3:], user=user)
    assert verified.verified_at is not None and verified.user == user
    assert verified.attempts == 0
    with pytest.raises(VerificationError) as error:
        phone_code_check(phone=PHONE, code=code)
    assert error.value.code == "no_code"


def test_wrong_codes_are_counted_and_spend_the_code(django_capture_on_commit_callbacks):
    code = send(django_capture_on_commit_callbacks)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for left in range(MAX_ATTEMPTS - 1, 0, -1):
        with pytest.raises(VerificationError) as error:
            phone_code_check(phone=PHONE, code=wrong)
        assert error.value.code == "wrong_code" and error.value.attempts_left == left
    with pytest.raises(VerificationError) as error:
        phone_code_check(phone=PHONE, code=wrong)
    assert error.value.code == "attempts_exhausted"
    # Even the right code is refused now: a new one is needed.
    with pytest.raises(VerificationError) as error:
        phone_code_check(phone=PHONE, code=code)
    assert error.value.code == "attempts_exhausted"
    assert PhoneCode.objects.get().attempts == MAX_ATTEMPTS


def test_the_database_refuses_more_attempts_than_allowed(django_capture_on_commit_callbacks):
    send(django_capture_on_commit_callbacks)
    with pytest.raises(IntegrityError), transaction.atomic():
        PhoneCode.objects.update(attempts=MAX_ATTEMPTS + 1)


def test_an_expired_code_and_an_older_code_are_refused(
    settings, django_capture_on_commit_callbacks
):
    settings.PHONE_CODE_RATE_INTERVAL = "5/60"
    first = send(django_capture_on_commit_callbacks)
    PhoneCode.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=2))
    second = send(django_capture_on_commit_callbacks, client="10.0.0.2")
    if first != second:
        with pytest.raises(VerificationError):
            phone_code_check(phone=PHONE, code=first)
    later = timezone.now() + datetime.timedelta(minutes=11)
    with pytest.raises(VerificationError) as error:
        phone_code_check(phone=PHONE, code=second, now=later)
    assert error.value.code == "no_code"
    assert phone_code_check(phone=PHONE, code=second).verified_at is not None


def test_codes_are_limited_per_number_and_per_client(settings, django_capture_on_commit_callbacks):
    send(django_capture_on_commit_callbacks)
    # A second code for the same number within the interval: refused, nothing sent.
    with pytest.raises(VerificationError) as error:
        phone_code_send(phone=PHONE, language="en", client="10.0.0.9")
    assert error.value.code == "rate_limited"
    assert PhoneCode.objects.count() == 1
    settings.PHONE_CODE_RATE_IP = "2/3600"
    for n in range(2):
        send(django_capture_on_commit_callbacks, phone=f"+861390000000{n}", client="10.0.0.7")
    with pytest.raises(VerificationError):
        phone_code_send(phone="+8613900000009", language="en", client="10.0.0.7")


def test_a_code_not_sent_before_it_expired_is_not_sent_at_all(
    django_capture_on_commit_callbacks, settings
):
    from reminders.services import reminders_send_due

    settings.CELERY_BROKER_URL = "memory://"
    # Written, but the hand-over to the worker was lost (no commit hooks run here).
    phone_code_send(phone=PHONE, language="zh-hans", client="10.0.0.1")
    Letter.objects.update(
        message={
            **Letter.objects.get().message,
            "expires_at": (timezone.now() - datetime.timedelta(seconds=1)).isoformat(),
        }
    )
    Reminder.objects.update(queued_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        reminders_send_due()
    assert sms.outbox == []
    assert Reminder.objects.get().state == Reminder.State.SKIPPED


def test_a_number_stays_verified_on_the_account_for_the_configured_days(
    settings, django_capture_on_commit_callbacks
):
    user = factories.UserFactory()
    other = factories.UserFactory()
    code = send(django_capture_on_commit_callbacks, user=user)
    phone_code_check(phone=PHONE, code=code)  # the account the code was asked for
    assert phone_verified_on_account(user=user, phone=PHONE)
    assert not phone_verified_on_account(user=other, phone=PHONE)
    assert not phone_verified_on_account(user=user, phone="+8613800000000")
    later = timezone.now() + datetime.timedelta(days=settings.PHONE_VERIFICATION_DAYS, minutes=1)
    assert not phone_verified_on_account(user=user, phone=PHONE, now=later)


def test_only_no_shows_of_verified_numbers_count_toward_the_policy(settings, site_tree):
    settings.NOSHOW_THRESHOLD = 2
    activity = factories.ActivityPageFactory(parent=site_tree.zh.campaign)
    for days, verified in ((30, False), (20, False), (10, True)):
        session = factories.SessionFactory(
            activity=activity, starts_at=timezone.now() - datetime.timedelta(days=days)
        )
        factories.RegistrationFactory(
            session=session,
            phone=PHONE,
            status=Registration.Status.NO_SHOW,
            phone_verified=verified,
        )
    # Someone typed this number twice without proving it: no restriction.
    assert noshow_restricted_until(phone=PHONE) is None
    Registration.objects.filter(phone=PHONE).update(phone_verified=True)
    assert noshow_restricted_until(phone=PHONE) is not None
