"""The demo rates whatever finished services it holds, once."""

from __future__ import annotations

from demo.pages import Tally
from demo.ratings import SILENT_EVERY, ratings_seed
from ratings.models import Rating
from tests.ratings.conftest import world  # noqa: F401  (the fixture)


def test_finished_services_get_one_rating_and_a_rerun_adds_none(world):  # noqa: F811
    things = {
        "open_day_visit": world.registration.pk,
        "lab_visit": world.lab_visit.pk,
        "consultation": world.consultation.pk,
    }
    expected = {(k, pk) for k, pk in things.items() if pk % SILENT_EVERY}
    tally = Tally()
    assert ratings_seed(tally=tally) == len(expected)
    assert set(Rating.objects.values_list("kind", "object_id")) == expected
    assert all(r.institution_id or r.expert_id for r in Rating.objects.all())

    again = Tally()
    assert ratings_seed(tally=again) == 0
    assert again.unchanged.get("rating", 0) == len(expected)
    assert Rating.objects.count() == len(expected)
