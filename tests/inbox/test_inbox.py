"""In-site notifications: rendered in the recipient's language, e-mailed after commit,
listed only to their owner."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from inbox.models import Notification
from inbox.services import notify, user_language, user_language_set
from reminders.models import Reminder
from reminders.services import Outcome, reminder_send
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:CANCEL\r\nEND:VCALENDAR\r\n"


def test_notification_is_written_in_the_recipients_language(
    mailoutbox, django_capture_on_commit_callbacks
):
    english = UserFactory()
    user_language_set(user=english, language="en")
    chinese = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        for user in (english, chinese):
            notify(
                user=user,
                template="notice",
                context={"subject": "C1", "message": "Body"},
                url="/en/x/",
                ics=ICS,
                ics_method="CANCEL",
            )
    assert user_language(chinese) == "zh-hans"
    by_user = {m.to[0]: m for m in mailoutbox}
    assert "Open it on the portal" in by_user[english.email].body
    assert (
        "在平台上查看" in by_user[chinese.email].body
        or "Open it" not in by_user[chinese.email].body
    )
    name, content, mimetype = by_user[english.email].attachments[0]
    assert name == "invite.ics" and "METHOD:CANCEL" in content
    assert mimetype.startswith("text/calendar")
    sent = Reminder.objects.filter(purpose=Reminder.Purpose.LETTER, state=Reminder.State.SENT)
    assert sent.count() == 2, list(Reminder.objects.values_list("purpose", "state", "last_error"))


def test_rolled_back_change_notifies_nobody(mailoutbox, django_capture_on_commit_callbacks):
    user = UserFactory()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify(user=user, template="notice", context={"subject": "S", "message": "M"})
        raise RuntimeError("the booking failed")
    assert mailoutbox == []
    assert not Notification.objects.exists()


def test_email_of_a_notification_is_an_outbox_row_sent_once(
    mailoutbox, django_capture_on_commit_callbacks
):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=user, template="notice", context={"subject": "S", "message": "M"})
    row = Reminder.objects.get(purpose=Reminder.Purpose.LETTER)
    assert row.state == Reminder.State.SENT
    assert reminder_send(reminder_id=row.pk) == Outcome.BUSY  # a retried task
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [user.email]
    # Sent: the stored copy is emptied; the in-site notification keeps the text.
    row.letter.refresh_from_db()
    assert row.letter.message == {}
    assert Notification.objects.get(user=user).body.strip()


def test_list_shows_only_own_notifications_and_marks_read(client, site_tree):
    owner, other = UserFactory(), UserFactory()
    mine = notify(
        user=owner, template="notice", context={"subject": "Mine", "message": "M"}, email=False
    )
    notify(
        user=other, template="notice", context={"subject": "Theirs", "message": "T"}, email=False
    )
    client.force_login(owner)
    html = client.get("/en/notifications/").content.decode()
    assert "Mine" in html and "Theirs" not in html
    assert '1<span class="visually-hidden"> unread' in html
    # Marking someone else's notification read does nothing.
    theirs = Notification.objects.get(user=other)
    client.post(reverse("inbox:notifications_read"), {"notification": theirs.pk})
    theirs.refresh_from_db()
    assert theirs.read_at is None
    response = client.post(
        "/en/notifications/read/", {"notification": mine.pk, "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and "evil" not in response["Location"]
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_notifications_need_sign_in(client, site_tree):
    response = client.get("/zh-hans/notifications/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_sign_in_remembers_the_language(client, site_tree):
    user = UserFactory(username="lang-user")
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client.post(
        "/en/accounts/login/",
        {"login": user.email, "password": "correct horse battery staple"},
    )
    assert user_language(user) == "en"


def test_notice_saying_calendar_file_attached_links_the_file(client):
    """A notice whose e-mail carried the .ics ("The calendar file is attached.") links the
    same file in the site's list; the link serves it to its recipient only."""
    from consultations.services import booking
    from tests.consultations.test_booking_support import World

    world = World()
    user_language_set(user=world.owner, language="en")
    consultation = world.consultation(state="requested")
    booking.consultation_confirm(consultation=consultation, by=world.expert_user)
    notification = Notification.objects.get(user=world.owner)
    assert "calendar file is attached" in notification.body

    client.force_login(world.owner)
    with translation.override("en"):
        html = client.get(reverse("inbox:notifications")).content.decode()
        link = reverse("inbox:notification_calendar", kwargs={"pk": notification.pk})
    assert f'href="{link}"' in html and "Add to my calendar" in html

    response = client.get(link)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR") and consultation.reference in body
    assert body == notification.ics

    # Someone else's notice, or a notice without a file: not found.
    client.force_login(world.stranger)
    assert client.get(link).status_code == 404
    client.force_login(world.owner)
    plain = notify(user=world.owner, template="notice", context={"subject": "S", "message": "M"})
    assert (
        client.get(reverse("inbox:notification_calendar", kwargs={"pk": plain.pk})).status_code
        == 404
    )
    with translation.override("en"):
        html = client.get(reverse("inbox:notifications")).content.decode()
    assert html.count("Add to my calendar") == 1
