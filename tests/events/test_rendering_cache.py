"""A batch of e-mails looks up an activity's translation and a session's state once."""

from __future__ import annotations

from events.selectors import activity_in_language, rendering_cache, ticket_details
from events.services.session import session_cancel
from tests.factories import ActivityPageFactory, RegistrationFactory, SessionFactory


def test_inside_a_batch_each_lookup_runs_once(site_tree, django_assert_num_queries):
    activity = ActivityPageFactory(parent=site_tree.zh.campaign)

    with django_assert_num_queries(2):  # the locale, then the translation
        activity_in_language(activity=activity, language="en")
    with rendering_cache():
        with django_assert_num_queries(2):
            first = activity_in_language(activity=activity, language="en")
        with django_assert_num_queries(0):
            again = activity_in_language(activity=activity, language="en")
    assert again is first
    with django_assert_num_queries(2):  # the block is over: looked up afresh
        activity_in_language(activity=activity, language="en")


def test_the_memo_ends_with_the_block(site_tree, approver):
    session = SessionFactory(activity=ActivityPageFactory(parent=site_tree.zh.campaign))
    registration = RegistrationFactory(session=session)

    with rendering_cache():
        assert ticket_details(registration=registration)["session_cancelled"] is False
    session_cancel(session_id=session.pk, by=approver, reason="Power cut")

    with rendering_cache():
        assert ticket_details(registration=registration)["session_cancelled"] is True
