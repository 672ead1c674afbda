"""The rating page of each kind, reached by its signed link, in both languages; and the
consultation's own page, which shows the same five-level form."""

from __future__ import annotations

import re

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import translation

from ratings.links import rating_path, rating_token_make
from ratings.models import Rating
from tests import factories
from tests.ratings.test_services import KINDS, thing

LEVELS = {
    "en": ["Very satisfied", "Satisfied", "Neutral", "Dissatisfied", "Very dissatisfied"],
    "zh-hans": ["非常满意", "满意", "一般", "不满意", "非常不满意"],
}
TITLES = {
    "en": {
        "open_day_visit": "Inside the metrology lab",
        "lab_visit": "Metrology lab",
        "consultation": "Expert consultation",
    },
    "zh-hans": {
        "open_day_visit": "走进计量实验室",
        "lab_visit": "计量实验室",
        "consultation": "专家咨询",
    },
}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("kind", KINDS)
def test_link_shows_the_five_levels_and_rates_once_without_signing_in(
    client, world, kind, language
):
    obj = thing(world, kind)
    path = rating_path(kind=kind, object_id=obj.pk, language=language)
    assert path.startswith("/en/" if language == "en" else "/zh-hans/")
    body = client.get(path).content.decode()
    assert TITLES[language][kind] in body
    assert "<fieldset" in body and "<legend>" in body
    for value, label in zip((5, 4, 3, 2, 1), LEVELS[language], strict=True):
        assert f'id="id_level_{value}" value="{value}"' in body
        assert f'<label for="id_level_{value}">{label}</label>' in body

    response = client.post(path, {"level": "2", "comment": "等待太久"})
    assert response.status_code == 302
    rating = Rating.objects.get(kind=kind, object_id=obj.pk)
    assert (rating.level, rating.comment, rating.rater, rating.flagged) == (
        2,
        "等待太久",
        None,
        True,
    )

    page = client.get(path).content.decode()
    assert LEVELS[language][3] in page
    assert 'name="level"' not in page  # no second form
    client.post(path, {"level": "5"})
    assert Rating.objects.get(kind=kind, object_id=obj.pk).level == 2


def test_signed_in_rater_is_recorded(client, world):
    client.force_login(world.visitor)
    path = rating_path(kind="open_day_visit", object_id=world.registration.pk, language="en")
    client.post(path, {"level": "5"})
    assert Rating.objects.get().rater == world.visitor


def test_missing_level_is_announced_and_nothing_saved(client, world):
    path = rating_path(kind="lab_visit", object_id=world.lab_visit.pk, language="en")
    response = client.post(path, {"comment": "x"})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'role="alert"' in body and 'href="#id_level"' in body and 'id="id_level"' in body
    assert not Rating.objects.exists()


def test_forged_or_changed_link_is_refused(client, world):
    good = rating_token_make(kind="lab_visit", object_id=world.lab_visit.pk)
    forged = signing.dumps(["lab_visit", world.lab_visit.pk], salt="something else")
    for token in (forged, good[:-2] + "xx", "nonsense"):
        with translation.override("en"):
            path = reverse("ratings:rate", kwargs={"token": token})
        assert client.get(path).status_code == 404
        assert client.post(path, {"level": "5"}).status_code == 404
    assert not Rating.objects.exists()


def test_old_link_is_refused(client, world, settings):
    settings.RATING_LINK_MAX_AGE_DAYS = -1
    path = rating_path(kind="lab_visit", object_id=world.lab_visit.pk, language="en")
    assert "does not work" in client.get(path).content.decode()


def test_before_it_took_place_the_page_says_so(client, world):
    world.lab_visit.checked_in_at = None
    world.lab_visit.save(update_fields=["checked_in_at"])
    path = rating_path(kind="lab_visit", object_id=world.lab_visit.pk, language="en")
    body = client.get(path).content.decode()
    assert "once it has taken place" in body and 'name="level"' not in body
    client.post(path, {"level": "5"})
    assert not Rating.objects.exists()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_consultation_page_shows_the_five_levels_and_records_the_rating(client, world, language):
    client.force_login(world.member)
    with translation.override(language):
        detail = reverse("consultations:detail", kwargs={"reference": world.consultation.reference})
        rate = reverse("consultations:rate", kwargs={"reference": world.consultation.reference})
    body = client.get(detail).content.decode()
    for label in LEVELS[language]:
        assert label in body
    assert "<legend>" in body
    client.post(rate, {"level": "1", "comment": "没有解决问题"})
    rating = Rating.objects.get(kind="consultation", object_id=world.consultation.pk)
    assert (rating.level, rating.rater, rating.flagged) == (1, world.member, True)
    body = client.get(detail).content.decode()
    assert LEVELS[language][4] in body and 'name="level"' not in body


def test_the_visitors_ticket_page_offers_the_rating_then_shows_it(client, world):
    from events.tickets import manage_token_make

    with translation.override("en"):
        ticket = reverse(
            "events:registration_manage",
            kwargs={"token": manage_token_make(world.registration.ticket_code)},
        )
    body = client.get(ticket).content.decode()
    assert "Rate the service" in body
    link = re.search(r'href="(/en/rate/[^"]+)"', body).group(1)
    client.post(link, {"level": "4"})
    body = client.get(ticket).content.decode()
    assert "Rate the service" not in body and "Satisfied" in body


def test_the_lab_visit_page_offers_the_rating_to_the_enterprise_only(client, world):
    with translation.override("en"):
        detail = reverse("labvisits:detail", kwargs={"pk": world.lab_visit.pk})
    client.force_login(world.member)
    assert "Rate the service" in client.get(detail).content.decode()
    contact = factories.InstitutionContactFactory(institution=world.institution).user
    client.force_login(contact)
    response = client.get(detail)
    assert response.status_code == 200 and "Rate the service" not in response.content.decode()
