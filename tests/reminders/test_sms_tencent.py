"""Text messages through Tencent Cloud SMS (reminders/sms_tencent.py), sent through the SDK
to a local server that answers as the API does (tests/reminders/tencent_fake.py)."""

from __future__ import annotations

import logging

import pytest
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone, translation
from django.utils.formats import date_format, time_format
from sms.message import Message

from reminders.checks import sms_backend_settings, sms_templates_configured
from reminders.models import Reminder
from reminders.services import reminder_send, reminders_plan
from reminders.sms import TEMPLATES, TextMessage
from reminders.sms_tencent import TencentSmsBackend, TencentSmsError
from tests.reminders.tencent_fake import FakeTemplate, FakeTencentSms, tc3_signature
from tests.reminders.test_services import PHONE, due_now

SECRET_ID = "AKIDportaltest0001"
SECRET_KEY = "portal-test-secret-key"
APP_ID = "1400654321"
SIGN_NAME = "检验检测平台"
UNAPPROVED = "2999999"
# One approved template per text, numbered as TEMPLATES orders their parameters.
TEMPLATE_IDS = {key: str(2000100 + n) for n, key in enumerate(sorted(TEMPLATES))}
BACKEND = "reminders.sms_tencent.TencentSmsBackend"


@pytest.fixture(scope="module")
def fake():
    server = FakeTencentSms(
        secret_id=SECRET_ID,
        secret_key=SECRET_KEY,
        sdk_app_id=APP_ID,
        sign_name=SIGN_NAME,
        templates={
            TEMPLATE_IDS[key]: FakeTemplate(
                params=len(spec.params), verification=key == "verify_code"
            )
            for key, spec in TEMPLATES.items()
        },
    ).start()
    yield server
    server.stop()


@pytest.fixture
def tencent(fake, settings):
    """SMS_BACKEND is Tencent Cloud, pointed at the fake."""
    fake.reset()
    settings.SMS_BACKEND = BACKEND
    settings.TENCENTCLOUD_SECRET_ID = SECRET_ID
    settings.TENCENTCLOUD_SECRET_KEY = SECRET_KEY
    settings.TENCENT_SMS_SDK_APP_ID = APP_ID
    settings.TENCENT_SMS_SIGN_NAME = SIGN_NAME
    settings.TENCENT_SMS_REGION = "ap-guangzhou"
    settings.TENCENT_SMS_ENDPOINT = fake.url
    settings.TENCENT_SMS_TIMEOUT = 5
    settings.SMS_TEMPLATES = {key: {"zh-hans": id_} for key, id_ in TEMPLATE_IDS.items()}
    return fake


def _sms_reminder(registration) -> Reminder:
    reminders_plan(registration=registration)
    rows = Reminder.objects.filter(registration=registration, channel=Reminder.Channel.SMS)
    row = rows.order_by("due_at").first()
    due_now(Reminder.objects.filter(pk=row.pk))
    return row


def test_a_registration_reminder_is_sent_as_the_approved_template(tencent, registration):
    row = _sms_reminder(registration)

    reminder_send(reminder_id=row.pk)

    row.refresh_from_db()
    assert row.state == Reminder.State.SENT and row.last_error == ""
    (text,) = tencent.sent
    assert text.phone == PHONE == "+8613812345678"
    assert text.template_id == TEMPLATE_IDS["reminder_registration"]
    assert text.sign_name == SIGN_NAME and text.sdk_app_id == APP_ID
    # The registrant reads English; no English template is filed, so the Chinese one is
    # sent, with the English values in the template's order (activity, date, time, code, link).
    local = timezone.localtime(registration.session.starts_at)
    with translation.override("en"):
        date, time = date_format(local, "SHORT_DATE_FORMAT"), time_format(local, "TIME_FORMAT")
    activity, sent_date, sent_time, code, link = text.params
    assert (activity, sent_date, sent_time, code) == (
        "Lab open day",
        date,
        time,
        registration.ticket_code,
    )
    assert link.startswith("http")
    (request,) = tencent.requests
    assert request["headers"]["x-tc-action"] == "SendSms"
    assert request["headers"]["x-tc-version"] == "2021-01-11"
    assert request["headers"]["x-tc-region"] == "ap-guangzhou"


def test_a_wrong_secret_key_leaves_the_reminder_to_retry_without_the_number(
    tencent, registration, settings
):
    settings.TENCENTCLOUD_SECRET_KEY = "not-the-secret-key"
    row = _sms_reminder(registration)

    reminder_send(reminder_id=row.pk)

    row.refresh_from_db()
    assert row.state == Reminder.State.PENDING and row.retry_at is not None
    assert "AuthFailure.SignatureFailure" in row.last_error
    assert PHONE not in row.last_error and "13812345678" not in row.last_error
    assert tencent.sent == [] and tencent.requests == []


def test_an_unapproved_template_is_recorded_with_the_providers_code(
    tencent, registration, settings
):
    settings.SMS_TEMPLATES = {
        **settings.SMS_TEMPLATES,
        "reminder_registration": {"zh-hans": UNAPPROVED},
    }
    row = _sms_reminder(registration)

    reminder_send(reminder_id=row.pk)

    row.refresh_from_db()
    assert row.state == Reminder.State.PENDING
    assert row.last_error.startswith("TencentSmsError: ")
    assert "FailedOperation.TemplateIncorrectOrUnapproved" in row.last_error
    assert "13812345678" not in row.last_error
    assert tencent.sent == []


def test_the_error_names_the_code_with_the_number_masked(tencent, settings):
    settings.TENCENT_SMS_SIGN_NAME = "未审核签名"
    message = TextMessage(
        template="verify_code",
        params={"code": "482913", "minutes": "10"},
        language="zh-hans",
        recipients=[PHONE],
    )
    with pytest.raises(TencentSmsError) as raised:
        TencentSmsBackend().send_messages([message])
    error = raised.value
    assert error.code == "FailedOperation.SignatureIncorrectOrUnapproved" and error.request_id
    assert "+86138****5678" in str(error) and "13812345678" not in str(error)


def test_an_unreachable_api_raises_without_the_number(tencent, settings):
    settings.TENCENT_SMS_ENDPOINT = "http://127.0.0.1:9"  # discard port: nothing listens
    message = TextMessage(
        template="verify_code",
        params={"code": "482913", "minutes": "10"},
        language="zh-hans",
        recipients=[PHONE],
    )
    with pytest.raises(TencentSmsError) as raised:
        TencentSmsBackend().send_messages([message])
    assert raised.value.code == "ClientNetworkError"
    assert "13812345678" not in str(raised.value)
    # The SDK's exception, whose text may quote the request, is not chained to it.
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


def test_a_verification_code_is_sent_directly_through_the_backend(tencent):
    message = TextMessage(
        template="verify_code",
        params={"code": "482913", "minutes": "10"},
        language="en",
        recipients=[PHONE],
    )

    assert TencentSmsBackend().send_messages([message]) == 1

    (text,) = tencent.sent
    assert text.template_id == TEMPLATE_IDS["verify_code"]
    assert text.params == ["482913", "10"] and text.phone == PHONE


def test_the_sdk_does_not_log_the_numbers_even_at_debug_level(tencent, caplog):
    message = TextMessage(
        template="verify_code",
        params={"code": "482913", "minutes": "10"},
        language="en",
        recipients=[PHONE],
    )
    with caplog.at_level(logging.DEBUG):
        TencentSmsBackend().send_messages([message])
    assert tencent.sent
    assert "13812345678" not in caplog.text


def test_a_verification_code_that_is_not_digits_is_refused_by_the_provider(tencent):
    message = TextMessage(
        template="verify_code",
        params={"code": "A1B2C3", "minutes": "10"},
        language="en",
        recipients=[PHONE],
    )
    with pytest.raises(TencentSmsError, match="TemplateParameterFormatError"):
        TencentSmsBackend().send_messages([message])


def test_messages_without_a_template_id_or_template_are_refused_before_sending(tencent, settings):
    settings.SMS_TEMPLATES = {}
    message = TextMessage(
        template="verify_code",
        params={"code": "482913", "minutes": "10"},
        language="zh-hans",
        recipients=[PHONE],
    )
    with pytest.raises(ImproperlyConfigured, match="SMS_TEMPLATE_VERIFY_CODE"):
        TencentSmsBackend().send_messages([message])
    with pytest.raises(ValueError, match="TextMessage"):
        TencentSmsBackend().send_messages([Message("free text", recipients=[PHONE])])
    assert tencent.requests == []


def test_the_portal_refuses_to_start_without_credentials_or_template_ids(tencent, settings):
    assert sms_backend_settings() == [] and sms_templates_configured() == []

    settings.TENCENTCLOUD_SECRET_KEY = ""
    settings.TENCENT_SMS_SIGN_NAME = " "
    (error,) = sms_backend_settings()
    assert error.level == checks.ERROR and error.id == "reminders.E003"
    assert "TENCENTCLOUD_SECRET_KEY" in error.msg and "TENCENT_SMS_SIGN_NAME" in error.msg
    assert "TENCENTCLOUD_SECRET_ID" not in error.msg

    settings.SMS_TEMPLATES = {"verify_code": {"zh-hans": TEMPLATE_IDS["verify_code"]}}
    (error,) = sms_templates_configured()
    assert error.id == "reminders.E002" and "SMS_TEMPLATE_REMINDER_REGISTRATION" in error.msg

    # The development backends need neither.
    settings.SMS_BACKEND = "reminders.sms.MaskedDemoBackend"
    assert sms_backend_settings() == [] and sms_templates_configured() == []


def test_the_fake_signs_as_the_documented_example():
    """The fake's signature is the algorithm of Tencent Cloud's documentation, checked
    against its worked example (CVM DescribeInstances, 2019-02-25), not against the SDK."""
    payload = (
        b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
    )
    signature = tc3_signature(
        secret_key="Gu5t9xGARNpq86cd98joQYCN3*******",
        method="POST",
        path="/",
        query="",
        headers={
            "content-type": "application/json; charset=utf-8",
            "host": "cvm.tencentcloudapi.com",
        },
        signed_headers=["content-type", "host"],
        payload=payload,
        timestamp=1551113065,
        date="2019-02-25",
        service="cvm",
    )
    assert signature == "2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c"
