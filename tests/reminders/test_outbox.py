"""Every e-mail sent through Django's mail API (account e-mails, copies of in-site notices,
error reports) is an outbox row written in the sender's transaction, sent by the mail queue
after the commit, and kept when the broker is down."""

from __future__ import annotations

import logging
from email.mime.text import MIMEText
from unittest import mock

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives, mail_admins
from django.db import DatabaseError, connection, transaction
from kombu.exceptions import OperationalError

from inbox.models import Notification
from reminders.letters import letter_fields, letter_message
from reminders.models import Letter, Reminder
from reminders.services import reminders_send_due
from tests.consultations.test_booking_support import World

pytestmark = pytest.mark.django_db

BROKER_DOWN = mock.patch(
    "reminders.tasks.reminder_send_batch_task.delay",
    side_effect=OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused."),
)


def letters() -> list[Reminder]:
    return list(Reminder.objects.filter(purpose=Reminder.Purpose.LETTER).select_related("letter"))


def test_a_message_comes_back_from_its_row_as_it_was_composed():
    message = EmailMultiAlternatives(
        "主题 Subject",
        "正文",
        "portal@example.gov.cn",
        to=["a@example.com"],
        cc=["b@example.com"],
        bcc=["c@example.com"],
        reply_to=["d@example.com"],
        headers={"X-Portal": "1"},
    )
    message.attach_alternative("<p>正文</p>", "text/html")
    message.attach("invite.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")
    message.attach("report.bin", b"\x00\x01\xff", "application/octet-stream")
    message.attach(MIMEText("inline part"))

    again = letter_message(letter_fields(message))

    assert (again.subject, again.body, again.from_email) == (
        "主题 Subject",
        "正文",
        "portal@example.gov.cn",
    )
    assert (again.to, again.cc, again.bcc, again.reply_to) == (
        ["a@example.com"],
        ["b@example.com"],
        ["c@example.com"],
        ["d@example.com"],
    )
    assert again.extra_headers == {"X-Portal": "1"}
    assert again.alternatives[0][:2] == ("<p>正文</p>", "text/html")
    assert again.attachments[0][:2] == ("invite.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    assert again.attachments[1][:2] == ("report.bin", b"\x00\x01\xff")
    assert again.attachments[2].get_payload() == "inline part"
    # The whole message still renders.
    assert b"report.bin" in again.message().as_bytes()


def test_sign_up_succeeds_with_the_broker_down_and_its_e_mail_goes_out_after(
    client, site_tree, django_capture_on_commit_callbacks, caplog
):
    with BROKER_DOWN, django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/en/accounts/signup/",
            {
                "email": "new.user@example.com",
                "password1": "a-long-pass-2026",
                "password2": "a-long-pass-2026",
            },
        )
    assert response.status_code == 302
    assert mail.outbox == []
    [row] = letters()
    assert (row.state, row.queued_at) == (Reminder.State.PENDING, None)
    assert row.letter.message["to"] == ["new.user@example.com"]
    assert "confirm-email" in row.letter.message["body"]
    # The warning says how many, never to whom.
    assert "new.user" not in caplog.text

    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send_due() == 1
    [message] = mail.outbox
    assert message.to == ["new.user@example.com"]
    assert "/accounts/confirm-email/" in message.body
    assert message.extra_headers["Message-ID"].startswith("<reminder-")
    row.refresh_from_db()
    row.letter.refresh_from_db()
    assert row.state == Reminder.State.SENT
    # The confirmation link does not stay in the database.
    assert row.letter.message == {}


def test_a_booking_notice_is_written_with_the_booking_and_sent_once_the_broker_is_back(
    django_capture_on_commit_callbacks,
):
    from consultations.services import booking

    world = World()
    with BROKER_DOWN, django_capture_on_commit_callbacks(execute=True):
        consultation = booking.consultation_request(
            enterprise=world.enterprise,
            user=world.owner,
            service="consulting",
            topic="安全带认证",
            description="想了解CCC认证流程",
            contact_name="王经理",
            contact_phone="+8613800001111",
            slot=world.slot(),
        )
    assert consultation.pk
    assert Notification.objects.count() == 2
    assert len(letters()) == 2 and mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        reminders_send_due()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [world.owner.email, world.expert_user.email]
    )
    # A second sweep sends nothing again.
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders_send_due() == 0
    assert len(mail.outbox) == 2


def test_a_booking_rolled_back_leaves_no_e_mail(django_capture_on_commit_callbacks):
    from inbox.services import notify

    world = World()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify(user=world.owner, template="notice", context={"subject": "S", "message": "M"})
        raise RuntimeError("the booking failed")
    assert not Letter.objects.exists() and mail.outbox == []


def test_error_reports_to_admins_go_through_the_outbox(
    settings, django_capture_on_commit_callbacks
):
    settings.ADMINS = [("Ops", "ops@example.gov.cn")]
    with django_capture_on_commit_callbacks(execute=True):
        mail_admins("Internal Server Error: /en/", "Traceback ...")
    [row] = letters()
    assert row.state == Reminder.State.SENT
    assert mail.outbox[0].to == ["ops@example.gov.cn"]


def test_an_error_report_that_cannot_be_written_does_not_raise(settings, caplog):
    """The error being reported may be the database itself: the report is dropped with a
    warning (the error is in the log), the request's own error handling goes on."""
    settings.ADMINS = [("Ops", "ops@example.gov.cn")]
    with (
        mock.patch("reminders.backends.letters_write", side_effect=DatabaseError("gone")),
        caplog.at_level(logging.WARNING, logger="reminders.backends"),
    ):
        mail_admins("Internal Server Error: /en/", "Traceback ...", fail_silently=True)
        with pytest.raises(DatabaseError):
            mail_admins("Internal Server Error: /en/", "Traceback ...")
    assert "Could not write 1 e-mail(s) to the outbox" in caplog.text
    assert "ops@" not in caplog.text
    assert connection.is_usable()


def test_a_letter_the_mail_server_refuses_is_retried_then_shown_failed_without_its_address(
    settings, client, staff_approver, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    settings.REMINDER_MAX_ATTEMPTS = 1
    settings.EMAIL_DELIVERY_BACKEND = "tests.reminders.test_services.RefusingEmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        EmailMultiAlternatives("Password reset", "link", to=["someone@example.com"]).send()
    [row] = letters()
    assert row.state == Reminder.State.FAILED
    assert "someone@example.com" not in row.last_error
    # Not sent: kept, so staff can send it again.
    assert row.letter.message["to"] == ["someone@example.com"]

    client.force_login(staff_approver)
    html = client.get(reverse("reminders_reminders:index"), {"state": "failed"}).content.decode()
    assert "Password reset" in html
    assert "someone@example.com" not in html

    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reminders_reminders:retry", args=[row.pk]))
        reminders_send_due()
    row.refresh_from_db()
    assert row.state == Reminder.State.SENT
    assert [m.to for m in mail.outbox] == [["someone@example.com"]]
