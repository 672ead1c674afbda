"""Every text message is a provider template with parameters (reminders/sms.py)."""

from __future__ import annotations

import pytest
from django.core import checks
from django.utils import translation

from reminders.checks import sms_templates_configured
from reminders.models import Reminder
from reminders.services import reminder_send, reminders_plan
from reminders.sms import TEMPLATES, MaskedDemoBackend, TextMessage, template_id
from tests.reminders.test_services import PHONE, due_now

SAMPLE = {
    "code": "A1B2C3",
    "minutes": "10",
    "activity": "Open lab & tour",
    "date": "2026-09-18",
    "time": "09:30",
    "link": "https://portal.example/t/abc",
    "reference": "C-2026-0001",
    "lab": "EMC lab",
    "title": "Lab tour & talk",
}


@pytest.mark.parametrize("key", sorted(TEMPLATES))
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_template_renders_its_parameters_and_nothing_else(key, language):
    spec = TEMPLATES[key]
    params = {name: SAMPLE[name] for name in spec.params}
    message = TextMessage(template=key, params=params, language=language, recipients=[PHONE])
    for value in params.values():
        assert value in message.body  # not HTML-escaped: "&" stays "&"
    assert message.param_values == [params[name] for name in spec.params]
    assert "{" not in message.body and "%(" not in message.body
    with translation.override("zh-hans"):
        chinese = TextMessage(template=key, params=params, language="zh-hans", recipients=[])
    with translation.override("en"):
        english = TextMessage(template=key, params=params, language="en", recipients=[])
    assert chinese.body != english.body  # every text is translated


def test_a_message_with_a_missing_or_unknown_parameter_is_refused():
    with pytest.raises(ValueError, match="missing"):
        TextMessage(template="verify_code", params={"code": "1"}, language="en", recipients=[])
    with pytest.raises(ValueError, match="unknown"):
        TextMessage(
            template="verify_code",
            params={"code": "1", "minutes": "5", "name": "x"},
            language="en",
            recipients=[],
        )


def test_template_ids_by_language(settings):
    settings.SMS_TEMPLATES = {
        "verify_code": {"zh-hans": "100", "en": "200"},
        "notice_ticket": {"zh-hans": "300"},
    }
    assert template_id("verify_code", "zh-hans") == "100"
    assert template_id("verify_code", "en") == "200"
    # No English template filed: the Chinese one is sent.
    assert template_id("notice_ticket", "en") == "300"
    assert template_id("notice_changed", "zh-hans") == ""


class TemplateOnlyBackend(MaskedDemoBackend):
    requires_templates = True


def test_a_template_only_provider_without_every_id_refuses_to_start(settings):
    settings.SMS_BACKEND = f"{__name__}.TemplateOnlyBackend"
    settings.SMS_TEMPLATES = {"verify_code": {"zh-hans": "100"}}
    (error,) = sms_templates_configured()
    assert error.level == checks.ERROR and error.id == "reminders.E002"
    assert "SMS_TEMPLATE_NOTICE_TICKET" in error.msg and "SMS_TEMPLATE_VERIFY_CODE" not in error.msg
    settings.SMS_TEMPLATES = {key: {"zh-hans": str(n)} for n, key in enumerate(TEMPLATES)}
    assert sms_templates_configured() == []
    # The demo backends write the text and need no ids.
    settings.SMS_BACKEND = "reminders.sms.MaskedDemoBackend"
    settings.SMS_TEMPLATES = {}
    assert sms_templates_configured() == []


def test_a_reminder_is_sent_as_its_template_with_parameters(registration, settings):
    import sms

    settings.SMS_BACKEND = "sms.backends.locmem.SmsBackend"
    settings.SMS_TEMPLATES = {"reminder_registration": {"zh-hans": "900"}}
    sms.outbox = []
    reminders_plan(registration=registration)
    rows = Reminder.objects.filter(channel=Reminder.Channel.SMS)
    due_now(rows)
    reminder_send(reminder_id=rows.first().pk)
    (message,) = sms.outbox
    assert message.template == "reminder_registration"
    assert message.template_id == "900"
    activity, date, time, code, link = message.param_values
    assert code == registration.ticket_code
    assert (
        link.startswith("http") and "/manage/" in link or "/t/" in link or link.startswith("http")
    )
    assert activity in message.body and code in message.body and link in message.body


def test_demo_backend_writes_the_file_and_the_console_masked(settings, tmp_path, capsys):
    settings.SMS_BACKEND = "reminders.sms.MaskedDemoBackend"
    settings.SMS_FILE_PATH = str(tmp_path)
    TextMessage(
        template="verify_code",
        params={"code": "482913", "minutes": "10"},
        language="en",
        recipients=[PHONE],
    ).send()
    (written,) = tmp_path.iterdir()
    content = written.read_text()
    printed = capsys.readouterr().out
    for text in (content, printed):
        assert "482913" in text and "template: verify_code" in text
        assert "+86138****5678" in text and PHONE not in text
