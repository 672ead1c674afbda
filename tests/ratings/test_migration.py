"""Consultations' 1–5 stars move into ratings (``ratings`` 0002, ``consultations`` 0007):
the level keeps the number (1 very dissatisfied ... 5 very satisfied), with its comment,
rater, expert, time and low flag; and back."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from consultations.models import Consultation
from tests import factories
from tests.migrations import migrate, migrate_to_latest

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE = [("consultations", "0005_changes_created_at_settable"), ("ratings", "0001_initial")]
AFTER = [("consultations", "0007_rating_moved_to_ratings"), ("ratings", "0003_group_permissions")]


def test_consultation_stars_become_ratings_and_back(transactional_site_tree):
    rated_at = timezone.now().replace(microsecond=0) - datetime.timedelta(days=20)
    low, high, unrated = (
        factories.ConsultationFactory(state=Consultation.State.COMPLETED) for _ in range(3)
    )
    old = migrate(BEFORE)
    OldConsultation = old.get_model("consultations", "Consultation")
    OldConsultation.objects.filter(pk=low.pk).update(
        rating=2, rating_comment="没讲清楚", rated_at=rated_at
    )
    OldConsultation.objects.filter(pk=high.pk).update(rating=5, rated_at=rated_at)
    try:
        new = migrate(AFTER)
        Rating = new.get_model("ratings", "Rating")
        rows = {
            r.object_id: (r.kind, r.level, r.comment, r.rater_id, r.expert_id, r.flagged)
            for r in Rating.objects.all()
        }
        assert rows == {
            low.pk: ("consultation", 2, "没讲清楚", low.requested_by_id, low.expert_id, True),
            high.pk: ("consultation", 5, "", high.requested_by_id, high.expert_id, False),
        }
        assert set(Rating.objects.values_list("created_at", flat=True)) == {rated_at}
        assert unrated.pk not in rows

        back = migrate(BEFORE).get_model("consultations", "Consultation")
        assert back.objects.get(pk=low.pk).rating == 2
        assert back.objects.get(pk=high.pk).rating == 5
        assert back.objects.get(pk=unrated.pk).rating is None
    finally:
        migrate_to_latest()
