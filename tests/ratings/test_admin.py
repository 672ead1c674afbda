"""Staff's list of ratings in the Wagtail admin: filters, and "Mark handled" on low ones."""

from __future__ import annotations

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
