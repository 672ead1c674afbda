"""Sessions edited inline on the activity page in the Wagtail page editor."""

from __future__ import annotations

import pytest
from django.urls import reverse
from wagtail.test.utils.form_data import querydict_from_html

from events.models import ActivityPage, Registration, Session
from tests import factories

REFUSED = "This session cannot be deleted: people have registered for it."


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def activity(site_tree) -> ActivityPage:
    return factories.ActivityPageFactory(parent=site_tree.zh.campaign, title="实验室参观")


def edit_form_data(client, page: ActivityPage):
    """The page editor's form as the browser would submit it, unchanged."""
    response = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    assert response.status_code == 200
    return querydict_from_html(response.content.decode(), form_id="page-edit-form")


def session_form_prefix(data, session: Session) -> str:
    total = int(data["sessions-TOTAL_FORMS"])
    for index in range(total):
        if data.get(f"sessions-{index}-id") == str(session.pk):
            return f"sessions-{index}"
    raise AssertionError(f"session {session.pk} is not in the editor's form")


def publish_edit(client, page: ActivityPage, data):
    data["action-publish"] = "action-publish"
    return client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data)


def test_session_with_registrations_cannot_be_deleted_in_the_editor(admin_client, activity):
    session = factories.SessionFactory(activity=activity)
    factories.RegistrationFactory(session=session)
    data = edit_form_data(admin_client, activity)
    data[f"{session_form_prefix(data, session)}-DELETE"] = "1"

    response = publish_edit(admin_client, activity, data)

    assert response.status_code == 200  # the editor is shown again, with the error
    assert REFUSED in response.content.decode()
    assert Session.objects.filter(pk=session.pk).exists()
    assert Registration.objects.filter(session=session).count() == 1


def test_session_with_only_cancelled_registrations_is_still_protected(admin_client, activity):
    # A cancelled registration is history staff may need ("what happened to my booking?").
    session = factories.SessionFactory(activity=activity)
    factories.RegistrationFactory(session=session, status=Registration.Status.CANCELLED)
    data = edit_form_data(admin_client, activity)
    data[f"{session_form_prefix(data, session)}-DELETE"] = "1"

    response = publish_edit(admin_client, activity, data)

    assert REFUSED in response.content.decode()
    assert Session.objects.filter(pk=session.pk).exists()


def test_session_without_registrations_can_be_deleted_in_the_editor(admin_client, activity):
    kept = factories.SessionFactory(activity=activity, capacity=20)
    empty = factories.SessionFactory(activity=activity, capacity=10)
    factories.RegistrationFactory(session=kept)
    data = edit_form_data(admin_client, activity)
    data[f"{session_form_prefix(data, empty)}-DELETE"] = "1"

    response = publish_edit(admin_client, activity, data)

    assert response.status_code == 302
    assert not Session.objects.filter(pk=empty.pk).exists()
    assert Session.objects.filter(pk=kept.pk).exists()


def test_publishing_an_edited_session_keeps_its_identity(admin_client, activity):
    session = factories.SessionFactory(activity=activity, capacity=30)
    registration = factories.RegistrationFactory(session=session)
    data = edit_form_data(admin_client, activity)
    data[f"{session_form_prefix(data, session)}-capacity"] = "45"
    data["title"] = "实验室参观（扩容）"

    response = publish_edit(admin_client, activity, data)

    assert response.status_code == 302
    assert list(Session.objects.filter(activity=activity).values_list("pk", flat=True)) == [
        session.pk
    ]
    session.refresh_from_db()
    assert session.capacity == 45
    registration.refresh_from_db()
    assert registration.session_id == session.pk
    activity.refresh_from_db()
    assert activity.title == "实验室参观（扩容）"


def test_publishing_a_saved_draft_keeps_the_sessions_identity(admin_client, activity):
    session = factories.SessionFactory(activity=activity)
    factories.RegistrationFactory(session=session)
    data = edit_form_data(admin_client, activity)
    data["title"] = "实验室参观（草稿）"
    draft = admin_client.post(reverse("wagtailadmin_pages:edit", args=[activity.pk]), data)
    assert draft.status_code == 302

    ActivityPage.objects.get(pk=activity.pk).get_latest_revision().publish()

    assert list(Session.objects.filter(activity=activity).values_list("pk", flat=True)) == [
        session.pk
    ]
    assert ActivityPage.objects.get(pk=activity.pk).title == "实验室参观（草稿）"


def test_session_added_outside_the_editor_survives_publishing_the_page(admin_client, activity):
    # Sessions created by code (imports, demo data) are not in the page's latest revision;
    # publishing the page must neither delete them nor fail on their registrations.
    session = factories.SessionFactory(activity=activity, sync_revision=False)
    factories.RegistrationFactory(session=session)
    data = edit_form_data(admin_client, activity)
    data["title"] = "实验室参观（更新）"

    response = publish_edit(admin_client, activity, data)

    assert response.status_code in (200, 302)
    assert Session.objects.filter(pk=session.pk).exists()
