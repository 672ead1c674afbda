"""One rating per service: levels, who may rate and when, the database's guard, low
ratings flagged to staff, and the registry every booking kind plugs into."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from consultations.models import Consultation
from events.models import Registration
from inbox.models import Notification
from labvisits.models import LabVisit
from ratings import kinds as registry
from ratings.kinds import Asked, RateableKind, kind_register, kind_unregister
from ratings.models import Level, Rating
from ratings.services import RatingError, rating_mark_handled, rating_submit
from tests import factories

KINDS = ("open_day_visit", "lab_visit", "consultation")


def thing(world, kind: str):
    return {
        "open_day_visit": world.registration,
        "lab_visit": world.lab_visit,
        "consultation": world.consultation,
    }[kind]


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_is_rated_once_through_its_link(world, kind):
    obj = thing(world, kind)
    rating = rating_submit(
        kind=kind, object_id=obj.pk, level=Level.SATISFIED, comment=" 很好 ", by_link=True
    )
    assert (rating.level, rating.comment, rating.flagged) == (4, "很好", False)
    with pytest.raises(RatingError) as error:
        rating_submit(kind=kind, object_id=obj.pk, level=Level.NEUTRAL, by_link=True)
    assert error.value.code == "already_rated"
    assert Rating.objects.filter(kind=kind, object_id=obj.pk).count() == 1


def test_database_refuses_a_second_rating_of_the_same_thing(world):
    Rating.objects.create(kind="lab_visit", object_id=world.lab_visit.pk, level=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(kind="lab_visit", object_id=world.lab_visit.pk, level=1)


@pytest.mark.parametrize("level", [0, 6, -1, True, "5", None])
def test_levels_outside_the_five_are_refused(world, level):
    with pytest.raises(RatingError) as error:
        rating_submit(kind="lab_visit", object_id=world.lab_visit.pk, level=level, by_link=True)
    assert error.value.code == "invalid_level"
    assert not Rating.objects.exists()


def test_database_refuses_a_level_outside_the_five(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(kind="lab_visit", object_id=1, level=6)


def test_institution_and_expert_are_kept_for_the_statistics(world):
    visit = rating_submit(
        kind="open_day_visit", object_id=world.registration.pk, level=5, by_link=True
    )
    lab = rating_submit(kind="lab_visit", object_id=world.lab_visit.pk, level=5, by_link=True)
    consultation = rating_submit(
        kind="consultation", object_id=world.consultation.pk, level=5, by_link=True
    )
    assert visit.institution_id == lab.institution_id == world.institution.pk
    assert consultation.expert_id == world.consultation.expert_id is not None


def test_signed_in_the_person_of_the_booking_rates_others_may_not(world):
    stranger = factories.UserFactory()
    for kind, obj, person in (
        ("open_day_visit", world.registration, world.visitor),
        ("lab_visit", world.lab_visit, world.member),
        ("consultation", world.consultation, world.member),
    ):
        with pytest.raises(RatingError) as error:
            rating_submit(kind=kind, object_id=obj.pk, level=5, by=stranger)
        assert error.value.code == "not_allowed"
        rating = rating_submit(kind=kind, object_id=obj.pk, level=5, by=person)
        assert rating.rater == person


def test_without_a_link_or_account_nobody_rates(world):
    with pytest.raises(RatingError) as error:
        rating_submit(kind="open_day_visit", object_id=world.registration.pk, level=5)
    assert error.value.code == "not_allowed"


def test_not_before_it_took_place(world):
    Registration.objects.filter(pk=world.registration.pk).update(
        status=Registration.Status.CONFIRMED
    )
    LabVisit.objects.filter(pk=world.lab_visit.pk).update(checked_in_at=None)
    Consultation.objects.filter(pk=world.consultation.pk).update(state=Consultation.State.CONFIRMED)
    for kind in KINDS:
        with pytest.raises(RatingError) as error:
            rating_submit(kind=kind, object_id=thing(world, kind).pk, level=5, by_link=True)
        assert error.value.code == "not_allowed"


def test_not_before_the_session_ends(world):
    session = world.registration.session
    session.ends_at = timezone.now() + datetime.timedelta(minutes=30)
    session.save(update_fields=["ends_at"])
    with pytest.raises(RatingError) as error:
        rating_submit(kind="open_day_visit", object_id=world.registration.pk, level=5, by_link=True)
    assert error.value.code == "not_allowed"


def test_unknown_kind_or_missing_thing_is_not_allowed(world):
    for kind, object_id in (("nothing", 1), ("lab_visit", 999999)):
        with pytest.raises(RatingError) as error:
            rating_submit(kind=kind, object_id=object_id, level=5, by_link=True)
        assert error.value.code == "not_allowed"


@pytest.mark.parametrize(
    "level,flagged", [(5, False), (4, False), (3, False), (2, True), (1, True)]
)
def test_low_ratings_are_flagged_and_staff_told(world, approver, level, flagged):
    rating = rating_submit(
        kind="lab_visit",
        object_id=world.lab_visit.pk,
        level=level,
        comment="讲解太快",
        by_link=True,
    )
    assert rating.flagged is flagged
    notices = Notification.objects.filter(user=approver)
    assert notices.count() == (1 if flagged else 0)
    if flagged:
        assert "/cms-admin/ratings/" in notices.get().url


def test_staff_mark_a_low_rating_handled_once(world, approver, editor):
    rating = rating_submit(kind="lab_visit", object_id=world.lab_visit.pk, level=1, by_link=True)
    with pytest.raises(RatingError) as error:
        rating_mark_handled(rating_id=rating.pk, by=editor)
    assert error.value.code == "forbidden"
    assert rating_mark_handled(rating_id=rating.pk, by=approver) is True
    assert rating_mark_handled(rating_id=rating.pk, by=approver) is False
    rating.refresh_from_db()
    assert rating.handled_by == approver and rating.handled_at is not None


def test_database_refuses_handling_a_rating_that_is_not_low(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(
            kind="lab_visit", object_id=1, level=5, flagged=False, handled_at=timezone.now()
        )


class _Workshop(RateableKind):
    """A booking kind added later: it plugs in without a change to ``ratings``."""

    kind = "workshop"
    label = "Workshop"

    def get(self, object_id):
        return factories.UserFactory._meta.model.objects.filter(pk=object_id).first()

    def rateable(self, obj, *, now):
        return True

    def may_rate(self, obj, *, user):
        return obj.pk == user.pk

    def title(self, obj):
        return "Workshop"

    def institution_id(self, obj):
        return None

    def url(self, obj):
        return "/"

    def ended(self, *, since, until):
        return []

    def asked(self, obj):
        return [Asked(language="en", user=obj)]


def test_a_new_kind_plugs_in(db):
    user = factories.UserFactory()
    kind_register(_Workshop())
    try:
        assert "workshop" in [k.kind for k in registry.kinds()]
        rating = rating_submit(kind="workshop", object_id=user.pk, level=3, by=user)
        assert rating.kind == "workshop"
    finally:
        kind_unregister("workshop")


def test_two_submissions_at_once_only_the_first_counts(world, monkeypatch):
    """The second passed the checks before the first was saved: the unique constraint
    refuses it, and the service answers ``already_rated``."""
    from ratings import services

    rating_submit(kind="lab_visit", object_id=world.lab_visit.pk, level=5, by_link=True)
    monkeypatch.setattr(services, "rating_refusal", lambda **kwargs: None)
    with pytest.raises(RatingError) as error:
        rating_submit(kind="lab_visit", object_id=world.lab_visit.pk, level=1, by_link=True)
    assert error.value.code == "already_rated"
    assert Rating.objects.get(kind="lab_visit").level == 5
