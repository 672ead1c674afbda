"""The "Reminders" admin: staff see reminders (never a recipient) and retry failed ones."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from reminders.models import Broadcast, Reminder
from reminders.services import reminders_plan
from tests import factories

INDEX = "reminders_reminders:index"


@pytest.fixture
def failed(registration):
    reminders_plan(registration=registration)
    row = Reminder.objects.get(offset_minutes=1440, channel=Reminder.Channel.EMAIL)
    Reminder.objects.filter(pk=row.pk).update(
        state=Reminder.State.FAILED,
        attempts=5,
        last_error="ConnectionRefusedError: 550 mailbox unavailable: [recipient]",
        due_at=timezone.now() - datetime.timedelta(hours=1),
    )
    return row


def test_failed_reminder_listed_for_approver_and_retried(client, staff_approver, failed):
    client.force_login(staff_approver)
    response = client.get(reverse(INDEX), {"state": "failed"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "550 mailbox unavailable" in html
    assert failed.registration.ticket_code in html
    assert "reg@example.com" not in html and "13812345678" not in html
    retry_url = reverse("reminders_reminders:retry", args=[failed.pk])
    assert retry_url in html
    assert client.get(retry_url).status_code == 200
    response = client.post(retry_url)
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.state == Reminder.State.PENDING and failed.attempts == 0


def test_editor_sees_reminders_but_cannot_retry(client, staff_editor, failed):
    client.force_login(staff_editor)
    response = client.get(reverse(INDEX))
    assert response.status_code == 200
    retry_url = reverse("reminders_reminders:retry", args=[failed.pk])
    assert retry_url not in response.content.decode()
    assert client.post(retry_url).status_code in (302, 403)
    failed.refresh_from_db()
    assert failed.state == Reminder.State.FAILED


def test_public_user_is_kept_out(client, failed):
    client.force_login(factories.UserFactory())
    response = client.get(reverse(INDEX))
    assert response.status_code in (302, 403)
    response = client.post(reverse("reminders_reminders:retry", args=[failed.pk]))
    assert response.status_code in (302, 403)
    failed.refresh_from_db()
    assert failed.state == Reminder.State.FAILED


def test_admin_only_user_without_permission_is_forbidden(client, admin_only_user, failed):
    client.force_login(admin_only_user)
    assert client.get(reverse(INDEX)).status_code in (302, 403)
    assert client.get(reverse("reminders_broadcasts:index")).status_code in (302, 403)


def test_session_notices_show_progress(client, staff_approver, registration):
    broadcast = Broadcast.objects.create(
        session=registration.session,
        kind=Broadcast.Kind.CHANGED,
        state=Broadcast.State.SENDING,
        total=4,
        planned=2,
        created_by=staff_approver,
    )
    Reminder.objects.create(
        key="test-notice",
        registration=registration,
        broadcast=broadcast,
        purpose=Reminder.Purpose.CHANGED,
        audience=Reminder.Audience.REGISTRANT,
        channel=Reminder.Channel.EMAIL,
        due_at=timezone.now(),
        state=Reminder.State.SENT,
        sent_at=timezone.now(),
    )
    client.force_login(staff_approver)
    response = client.get(reverse("reminders_broadcasts:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Planned: 2 of 4" in html and 'value="50"' in html
    assert "Sent: 1 of 2" in html
