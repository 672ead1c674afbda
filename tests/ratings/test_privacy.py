"""A rating's rater and comment are personal data: exported, erased with the account,
cleared past the retention time; the level stays for the statistics."""

from __future__ import annotations

import datetime

from django.utils import timezone

from portal.privacy import personal_data_export, personal_data_purge
from ratings.models import Rating
from ratings.privacy import ratings_erase
from ratings.services import rating_submit


def test_export_lists_the_users_ratings_and_erase_keeps_only_the_level(world):
    rating_submit(
        kind="lab_visit",
        object_id=world.lab_visit.pk,
        level=4,
        comment="我是王经理",
        by=world.member,
    )
    exported = personal_data_export(user=world.member)["ratings"]
    assert [(r["service"], r["comment"]) for r in exported] == [("lab_visit", "我是王经理")]
    assert personal_data_export(user=world.visitor)["ratings"] == []
    ratings_erase(world.member)
    rating = Rating.objects.get()
    assert (rating.rater, rating.comment, rating.level) == (None, "", 4)


def test_purge_clears_old_ratings_only(world):
    old = rating_submit(
        kind="lab_visit", object_id=world.lab_visit.pk, level=5, comment="很好", by=world.member
    )
    new = rating_submit(
        kind="consultation", object_id=world.consultation.pk, level=5, comment="好", by=world.member
    )
    Rating.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=3 * 366)
    )
    assert personal_data_purge()["ratings"] == 1
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.rater, old.comment) == (None, "")
    assert (new.rater, new.comment) == (world.member, "好")
