"""Staff's list of ratings in the Wagtail admin: filters, and "Mark handled" on low ones."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ratings.models import Rating
from tests import factories
from tests.conftest import english


def admin_url(name: str, *args) -> str:
    return reverse(f"ratings_ratings:{name}", args=args)


def make_ratings(world):
    low = factories.RatingFactory(
        kind="lab_visit", object_id=world.lab_visit.pk, level=1, comment="讲解员迟到"
    )
    good = factories.RatingFactory(
        kind="open_day_visit", object_id=world.registration.pk, level=5, comment="很有收获"
    )
    return low, good


def test_staff_filter_ratings_by_kind_level_flag_and_handled(client, world, approver):
    low, good = make_ratings(world)
    client.force_login(english(approver))
    body = client.get(admin_url("index")).content.decode()
    assert "讲解员迟到" in body and "很有收获" in body
    assert "Metrology lab" in body or "计量实验室" in body
    for query, shown, hidden in (
        ({"flagged": "true"}, "讲解员迟到", "很有收获"),
        ({"kind": "open_day_visit"}, "很有收获", "讲解员迟到"),
        ({"level": "5"}, "很有收获", "讲解员迟到"),
        ({"flagged": "true", "handled": "false"}, "讲解员迟到", "很有收获"),
    ):
        body = client.get(admin_url("index"), query).content.decode()
        assert shown in body and hidden not in body, query
    assert "Mark handled" in client.get(admin_url("index")).content.decode()

    response = client.post(admin_url("handle", low.pk))
    assert response.status_code == 302
    low.refresh_from_db()
    assert low.handled_by == approver and low.handled_at is not None
    body = client.get(admin_url("index"), {"handled": "true"}).content.decode()
    assert "讲解员迟到" in body and "很有收获" not in body


def test_editors_see_ratings_but_do_not_mark_them_handled(client, world, editor):
    low, _good = make_ratings(world)
    client.force_login(english(editor))
    body = client.get(admin_url("index")).content.decode()
    assert "讲解员迟到" in body and "Mark handled" not in body
    assert client.post(admin_url("handle", low.pk)).status_code in (302, 403)  # Wagtail: home
    assert Rating.objects.get(pk=low.pk).handled_at is None


def test_the_public_and_enterprises_do_not_see_ratings(client, world):
    make_ratings(world)
    client.force_login(world.member)
    response = client.get(admin_url("index"))
    assert response.status_code in (302, 403)


@pytest.mark.parametrize("in_english", [False, True])
def test_the_list_fetches_the_rated_services_with_a_few_queries_per_kind(
    client, world, approver, in_english
):
    """Adding ratings of every kind to the page adds no query: the rated services are
    fetched together (``RateableKind.get_many``), not one query per row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_ratings(world)
    factories.RatingFactory(
        kind="consultation", object_id=world.consultation.pk, level=4, comment="答复及时"
    )
    client.force_login(english(approver) if in_english else approver)
    lab = "Metrology lab" if in_english else "计量实验室"

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            body = client.get(admin_url("index")).content.decode()
        assert "答复及时" in body
        return len(captured)

    before = queries()
    for kind, thing in (
        ("lab_visit", factories.LabVisitFactory(slot=world.lab_visit.slot)),
        ("open_day_visit", factories.RegistrationFactory(session=world.registration.session)),
        ("consultation", factories.ConsultationFactory()),
    ):
        factories.RatingFactory(kind=kind, object_id=thing.pk, level=3)
    assert queries() == before
    body = client.get(admin_url("index")).content.decode()
    assert body.count(lab) >= 2  # both lab visits are named
    assert body.count("Inside the metrology lab" if in_english else "走进计量实验室") >= 2
