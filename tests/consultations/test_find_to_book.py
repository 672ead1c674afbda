"""From find-an-expert to the booking form: the need carried over, the status of an expert
without free times, and asking the team to arrange a consultation with that expert."""

from __future__ import annotations

import html
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import translation

from consultations.models import Consultation
from tests.factories import EnterpriseFactory, ExpertFactory, SlotFactory, UserFactory

pytestmark = pytest.mark.django_db

NEED = '制动盘异响 <b>&"急"</b>'


def url(name, language="zh-hans"):
    with translation.override(language):
        return reverse(f"consultations:{name}")


def links(response, marker: str) -> list[dict[str, list[str]]]:
    """The query parameters of every link in the page whose href contains ``marker``."""
    body = response.content.decode()
    found = []
    for part in body.split('href="')[1:]:
        href = html.unescape(part.split('"', 1)[0])
        if marker in href:
            found.append(parse_qs(urlsplit(href).query))
    return found


@pytest.fixture
def owner():
    user = UserFactory()
    EnterpriseFactory(owner=user, district="banan", industry="automotive")
    return user


def test_results_carry_the_need_to_the_booking_form_and_show_no_free_time_as_a_status(client):
    free = ExpertFactory(name="有时段", services=("diagnosis",), fields=("automotive",))
    slot = SlotFactory(expert=free, services=["diagnosis"])
    busy = ExpertFactory(name="无时段", services=("diagnosis",), fields=("automotive",))

    response = client.get(
        url("match", "en"),
        {"service": "diagnosis", "field": "automotive", "text": NEED, "product": "QC/T 564"},
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert "<b>" not in body  # the need is escaped wherever it is shown
    booking = links(response, f"slot={slot.pk}")
    assert booking == [
        {
            "slot": [str(slot.pk)],
            "service": ["diagnosis"],
            "field": ["automotive"],
            "need": [NEED],
            "product": ["QC/T 564"],
        }
    ]
    arrange = links(response, f"expert={busy.pk}")
    assert arrange and arrange[0]["need"] == [NEED] and arrange[0]["service"] == ["diagnosis"]
    assert not links(response, f"expert={free.pk}")
    # "No free times" is a status under the busy expert, not one of the green reasons.
    reasons = body.split('class="match__reasons"')
    assert all("No free times" not in part.split("</ul>", 1)[0] for part in reasons[1:])
    assert body.count('<p class="match__status">No free times are published') == 1
    assert "Ask the team to arrange a consultation with" in body


def test_booking_form_is_prefilled_with_the_need_escaped(client, owner):
    slot = SlotFactory(services=["diagnosis", "consulting"])
    client.force_login(owner)

    response = client.get(
        url("request"),
        {"slot": slot.pk, "service": "diagnosis", "need": NEED, "product": "QC/T 564"},
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert form["description"].value() == NEED
    assert form["product_or_standard"].value() == "QC/T 564"
    assert form["service"].value() == "diagnosis"
    body = response.content.decode()
    assert "&lt;b&gt;&amp;&quot;急&quot;&lt;/b&gt;" in body and "<b>" not in body


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_asking_the_team_to_arrange_with_an_expert_without_free_times(
    client, owner, approver, language
):
    expert = ExpertFactory(name="林专家", services=("diagnosis", "consulting"))
    client.force_login(owner)

    page = client.get(
        url("request", language), {"expert": expert.pk, "service": "diagnosis", "need": NEED}
    )
    assert page.status_code == 200
    body = page.content.decode()
    assert (expert.name_en if language == "en" and expert.name_en else "林专家") in body
    assert f'name="expert" value="{expert.pk}"' in body
    assert page.context["form"]["description"].value() == NEED

    response = client.post(
        url("request", language),
        {
            "expert": expert.pk,
            "service": "diagnosis",
            "field": "automotive",
            "topic": "制动盘异响",
            "description": NEED,
            "contact_name": "王经理",
            "contact_phone": "+8613800001111",
        },
    )

    assert response.status_code == 302
    consultation = Consultation.objects.get()
    assert consultation.expert == expert and consultation.slot is None
    assert consultation.service == "diagnosis" and consultation.starts_at is None
    assert consultation.description == NEED.strip()
    # Staff see the request, with its expert, in the admin's list of consultations.
    client.force_login(approver)
    admin = client.get(reverse("enterprise_services_consultations:index"))
    assert consultation in admin.context["object_list"]
    assert "林专家" in admin.content.decode()


def test_arranging_with_an_expert_for_a_service_they_do_not_offer_is_refused(client, owner):
    expert = ExpertFactory(services=("consulting",))
    client.force_login(owner)
    response = client.post(
        url("request", "en"),
        {
            "expert": expert.pk,
            "service": "certification",
            "topic": "CCC",
            "description": "需要认证",
            "contact_name": "王经理",
            "contact_phone": "+8613800001111",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].has_error("service")
    assert not Consultation.objects.exists()


def test_unknown_or_inactive_expert_is_not_found(client, owner):
    inactive = ExpertFactory(services=("consulting",), is_active=False)
    client.force_login(owner)
    assert client.get(url("request"), {"expert": inactive.pk}).status_code == 404
    assert client.get(url("request"), {"expert": "99999"}).status_code == 404
    assert client.get(url("request"), {"expert": "9" * 30}).status_code == 404


def test_profile_without_free_times_offers_to_ask_the_team(client, site_tree):
    expert = ExpertFactory(name="无时段专家", services=("consulting",))
    profile = client.get(site_tree.zh.roster.url + expert.slug + "/")
    assert profile.status_code == 200
    assert links(profile, f"expert={expert.pk}")
    assert "未来几周暂无公布的可预约时段" in profile.content.decode()


def test_a_long_need_is_cut_so_the_link_stays_short_enough_for_servers(client):
    ExpertFactory(services=("consulting",))
    long_need = "制动盘异响" * 199  # 995 characters, the finder allows 1000
    response = client.get(
        url("match"), {"service": "consulting", "text": long_need, "product": "品" * 200}
    )
    arrange = response.context["carry"]
    assert len(f"/zh-hans/consultations/request/?expert=123&{arrange}") < 8000
    assert parse_qs(arrange)["need"] == [long_need[:600]]
