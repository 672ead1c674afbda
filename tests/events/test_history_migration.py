"""The migration of registrations' history to the shared shape keeps every row: who, when,
from, to and the note (``events`` 0014-0016), and back."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from events.models import RegistrationChange
from tests import factories
from tests.migrations import migrate, migrate_to_latest

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE = [("events", "0013_registration_phone_verified")]
AFTER = [("events", "0016_delete_statuschange")]


def test_every_history_row_is_kept_with_who_when_from_to_and_note(transactional_site_tree):
    site_tree = transactional_site_tree
    staff = factories.UserFactory(username="door")
    activity = factories.ActivityPageFactory(parent=site_tree.zh.campaign, title="开放日")
    session = factories.SessionFactory(activity=activity, capacity=10, max_party_size=4)
    first = factories.RegistrationFactory(session=session)
    second = factories.RegistrationFactory(session=session)
    at = timezone.now().replace(microsecond=0) - datetime.timedelta(days=3)
    rows = [
        (first.pk, "", "confirmed", None, "", at),
        (first.pk, "confirmed", "confirmed", staff.pk, "party size 3 -> 2", at),
        (second.pk, "", "waitlisted", None, "", at + datetime.timedelta(minutes=1)),
        (second.pk, "waitlisted", "confirmed", staff.pk, "promoted", at),
        (first.pk, "confirmed", "checked_in", staff.pk, "é" * 200, at),
    ]
    RegistrationChange.objects.all().delete()

    old = migrate(BEFORE)
    StatusChange = old.get_model("events", "StatusChange")
    for registration_id, from_status, to_status, by, note, changed_at in rows:
        StatusChange.objects.create(
            registration_id=registration_id,
            from_status=from_status,
            to_status=to_status,
            changed_by_id=by,
            note=note,
            changed_at=changed_at,
        )
    try:
        new = migrate(AFTER)
        moved = new.get_model("events", "RegistrationChange").objects.order_by("pk")
        assert [
            (c.registration_id, c.from_state, c.to_state, c.changed_by_id, c.note, c.created_at)
            for c in moved
        ] == rows
        assert [c.event for c in moved] == [
            "confirmed",
            "changed",
            "waitlisted",
            "confirmed",
            "checked_in",
        ]

        back = migrate(BEFORE).get_model("events", "StatusChange").objects.order_by("pk")
        assert [
            (c.registration_id, c.from_status, c.to_status, c.changed_by_id, c.note, c.changed_at)
            for c in back
        ] == rows
    finally:
        migrate_to_latest()
