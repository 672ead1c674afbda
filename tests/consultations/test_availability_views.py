"""The availability page (expert and staff), the matching page and the roster's slots."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone, translation

from consultations.models import Availability, AvailabilityException, Slot
from tests.factories import EnterpriseFactory, ExpertFactory, SlotFactory, UserFactory

pytestmark = pytest.mark.django_db


def url(name, language="zh-hans", **kwargs):
    with translation.override(language):
        return reverse(f"consultations:{name}", kwargs=kwargs or None)


@pytest.fixture
def expert_user():
    return UserFactory()


@pytest.fixture
def expert(expert_user):
    return ExpertFactory(services=("consulting", "certification"), user=expert_user)


def weekly_post(**overrides):
    monday = timezone.localdate() + datetime.timedelta(days=2)
    monday += datetime.timedelta(days=(0 - monday.weekday()) % 7)
    data = {
        "action": "weekly",
        "weekly-weekday": "0",
        "weekly-start_date": monday.isoformat(),
        "weekly-end_date": (monday + datetime.timedelta(days=14)).isoformat(),
        "weekly-start_time": "09:00",
        "weekly-end_time": "11:00",
        "weekly-slot_minutes": "60",
        "weekly-mode": "centre",
        "weekly-services": [],
    }
    data.update(overrides)
    return data


def test_anonymous_visitor_is_sent_to_log_in(client, expert):
    for target in (url("availability"), url("availability_for", expert_id=expert.pk)):
        response = client.get(target)
        assert response.status_code == 302
        assert "login" in response["Location"]


def test_user_without_expert_profile_gets_404(client):
    client.force_login(UserFactory())
    assert client.get(url("availability")).status_code == 404


def test_expert_adds_weekly_hours_and_sees_the_slots(client, expert, expert_user):
    client.force_login(expert_user)
    certification = expert.services.get(code="certification")

    response = client.post(
        url("availability"), weekly_post(**{"weekly-services": [certification.pk]})
    )

    assert response.status_code == 302
    rule = Availability.objects.get(expert=expert)
    assert rule.created_by == expert_user
    assert Slot.objects.filter(expert=expert).count() == 6
    page = client.get(url("availability"))
    assert page.status_code == 200
    assert page.context["own"] is True
    assert len(page.context["slots"]) == 6
    assert 'name="robots" content="noindex, nofollow"' in page.content.decode()


def test_form_errors_are_shown_in_both_languages(client, expert, expert_user):
    client.force_login(expert_user)
    data = weekly_post(**{"weekly-end_time": "08:00"})

    response = client.post(url("availability", "en"), data)
    body = response.content.decode()
    assert response.status_code == 400
    assert "The end time must be later than the start time." in body
    assert "Choose at least one service." in body
    assert 'aria-invalid="true"' in body

    response = client.post(url("availability"), data)
    assert response.status_code == 400
    assert 'lang="zh-Hans"' in response.content.decode()
    assert response.context["weekly_form"].errors
    assert not Availability.objects.exists()


def test_service_error_is_put_on_the_form(client, expert, expert_user):
    client.force_login(expert_user)
    certification = expert.services.get(code="certification")
    client.post(url("availability"), weekly_post(**{"weekly-services": [certification.pk]}))

    response = client.post(
        url("availability", "en"),
        weekly_post(**{"weekly-services": [certification.pk], "weekly-end_time": "10:30"}),
    )

    assert response.status_code == 400
    assert "overlaps another available time" in response.content.decode()
    assert Availability.objects.count() == 1


def test_services_offered_are_limited_to_the_experts_own(client, expert, expert_user):
    client.force_login(expert_user)
    page = client.get(url("availability"))
    choices = {str(label) for _, label in page.context["weekly_form"].fields["services"].choices}
    assert len(choices) == 2

    from portal.models import ServiceType

    diagnosis = ServiceType.objects.get(code="diagnosis")
    response = client.post(url("availability"), weekly_post(**{"weekly-services": [diagnosis.pk]}))
    assert response.status_code == 400
    assert not Availability.objects.exists()


def test_exception_and_deletions_through_the_page(client, expert, expert_user):
    client.force_login(expert_user)
    certification = expert.services.get(code="certification")
    client.post(url("availability"), weekly_post(**{"weekly-services": [certification.pk]}))
    rule = Availability.objects.get()
    first_day = rule.start_date

    response = client.post(
        url("availability"), {"action": "exception", "exception-date": first_day.isoformat()}
    )
    assert response.status_code == 302
    assert Slot.objects.filter(expert=expert).count() == 4

    exception = AvailabilityException.objects.get()
    client.post(url("availability"), {"action": "delete_exception", "id": exception.pk})
    assert Slot.objects.filter(expert=expert).count() == 6

    client.post(url("availability"), {"action": "delete_rule", "id": rule.pk})
    assert not Availability.objects.exists()
    assert not Slot.objects.filter(expert=expert).exists()


def test_expert_cannot_open_or_change_another_experts_page(client, expert, expert_user):
    other = ExpertFactory(user=UserFactory())
    client.force_login(other.user)
    other_rule_url = url("availability_for", expert_id=other.pk)
    assert client.get(other_rule_url).status_code == 200  # their own id works

    client.force_login(expert_user)
    assert client.get(other_rule_url).status_code == 404
    assert client.post(other_rule_url, weekly_post()).status_code == 404
    assert client.get(url("availability_for", expert_id=999999)).status_code == 404


def test_expert_cannot_delete_another_experts_rule(client, expert, expert_user):
    other = ExpertFactory(user=UserFactory())
    rule = Availability.objects.create(
        expert=other,
        kind="single",
        start_date=timezone.localdate() + datetime.timedelta(days=3),
        start_time=datetime.time(9),
        end_time=datetime.time(10),
        slot_minutes=60,
        mode="online",
    )
    client.force_login(expert_user)
    response = client.post(url("availability"), {"action": "delete_rule", "id": rule.pk})
    assert response.status_code == 404
    assert Availability.objects.filter(pk=rule.pk).exists()


def test_staff_with_permission_manage_on_the_experts_behalf(client, expert):
    staff = UserFactory()
    client.force_login(staff)
    target = url("availability_for", expert_id=expert.pk)
    assert client.get(target).status_code == 404

    staff.user_permissions.add(Permission.objects.get(codename="change_availability"))
    response = client.get(target)
    assert response.status_code == 200
    assert response.context["own"] is False

    consulting = expert.services.get(code="consulting")
    response = client.post(target, weekly_post(**{"weekly-services": [consulting.pk]}))
    assert response.status_code == 302
    assert Availability.objects.get().created_by == staff


def test_match_page_ranks_experts_and_prefills_the_enterprises_district(client):
    user = UserFactory()
    EnterpriseFactory(owner=user, district="banan")
    expert = ExpertFactory(
        name="王认证", services=("certification",), fields=("automotive",), district="banan"
    )
    free = SlotFactory(expert=expert, services=["certification"])
    client.force_login(user)

    form_page = client.get(url("match"))
    assert form_page.status_code == 200
    assert form_page.context["form"]["district"].value() == "banan"
    assert form_page.context["matches"] is None

    response = client.get(
        url("match", "en"),
        {"service": "certification", "field": "automotive", "district": "banan", "text": ""},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert [m.expert for m in response.context["matches"]] == [expert]
    assert "matches: Certification support, Automotive (motorcycle) testing" in body
    assert timezone.localtime(free.starts_at).strftime("%H:%M") in body


def test_match_page_works_for_anonymous_visitors(client):
    ExpertFactory(services=("consulting",))
    response = client.get(url("match"), {"service": "consulting"})
    assert response.status_code == 200
    assert len(response.context["matches"]) == 1


def test_roster_and_profile_show_next_free_slots(client, site_tree):
    expert = ExpertFactory(name="陈专家", services=("consulting",))
    slots = [
        SlotFactory(
            expert=expert,
            starts_at=timezone.localtime().replace(hour=14, minute=0, second=0, microsecond=0)
            + datetime.timedelta(days=day),
            ends_at=timezone.localtime().replace(hour=15, minute=0, second=0, microsecond=0)
            + datetime.timedelta(days=day),
        )
        for day in (2, 3, 4, 5)
    ]
    roster = client.get(site_tree.zh.roster.url)
    assert roster.status_code == 200
    assert roster.context["experts"][0].next_slots == slots[:3]
    assert "14:00" in roster.content.decode()

    profile = client.get(site_tree.zh.roster.url + expert.slug + "/")
    assert profile.status_code == 200
    assert profile.context["next_slots"] == slots[:3]


@pytest.mark.parametrize(
    "field, value",
    [
        ("weekly-start_date", "9999-12-31"),
        ("weekly-end_date", "9999-12-31"),
        ("weekly-start_date", "0001-01-01"),
        ("weekly-services", "99999999999999999999"),
    ],
)
def test_dates_and_keys_at_the_edges_are_refused_on_the_form(
    client, expert, expert_user, field, value
):
    """Not a 500 from the database: the form says what it takes, nothing is saved."""
    client.force_login(expert_user)
    certification = expert.services.get(code="certification")
    data = weekly_post(**{"weekly-services": [certification.pk]})
    data[field] = value
    response = client.post(url("availability", "en"), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Enter a date between" in body or "Please choose one of the options." in body
    assert not Availability.objects.exists() and not Slot.objects.exists()
