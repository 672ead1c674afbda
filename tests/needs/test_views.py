"""The needs pages through HTTP, as every role: anonymous, a member of another enterprise,
the enterprise's owner, an institution contact, an expert and regulator staff."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from needs.models import Need, Offer
from needs.privacy import needs_erase
from portal.privacy import personal_data_export
from tests import factories
from tests.needs.factories import NeedFactory, OfferFactory

ENTERPRISE_NAME = "甲汽车零部件公司"


def url(name: str, language: str = "en", **kwargs) -> str:
    with translation.override(language):
        return reverse(f"needs:{name}", kwargs=kwargs or None)


@pytest.fixture
def need(owner_a):
    return NeedFactory(
        enterprise=owner_a.enterprise,
        posted_by=owner_a,
        title="Brake disc noise bench test",
        contact_phone="+8613800001111",
    )


def signed_in(client, user):
    client.force_login(user)
    return client


# --- The board ----------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_board_lists_open_needs_without_enterprise_name(client, need, language):
    NeedFactory(title="Expired need", deadline=timezone.localdate() - datetime.timedelta(days=1))
    NeedFactory(title="Matched need", state=Need.State.MATCHED, matched_at=timezone.now())
    response = client.get(url("board", language))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Brake disc noise bench test" in body
    assert "Expired need" not in body and "Matched need" not in body
    assert ENTERPRISE_NAME not in body
    assert "138" not in body  # no contact phone
    assert f'lang="{language}"' in body or f'lang="{language.split("-")[0]}' in body


def test_board_filters_by_field_and_district(client, need):
    NeedFactory(title="Shelf life of hotpot base", field="food", district="yuzhong")
    body = client.get(url("board"), {"field": "food"}).content.decode()
    assert "Shelf life of hotpot base" in body and "Brake disc" not in body
    body = client.get(url("board"), {"district": "banan"}).content.decode()
    assert "Brake disc" in body and "Shelf life" not in body
    # An unknown value shows the whole board rather than an error.
    response = client.get(url("board"), {"field": "nonsense"})
    assert response.status_code == 200 and "Shelf life" in response.content.decode()


def test_board_paginates(client, owner_a):
    for n in range(23):
        NeedFactory(enterprise=owner_a.enterprise, title=f"Need number {n:02d}")
    first = client.get(url("board")).content.decode()
    second = client.get(url("board"), {"page": 2}).content.decode()
    assert first.count("Need number") == 20 and second.count("Need number") == 3
    assert 'rel="next"' in first


def test_board_offers_actions_by_role(client, need, institution, owner_b):
    body = client.get(url("board")).content.decode()
    assert url("post") in body and url("offer", pk=need.pk) not in body
    body = signed_in(client, institution.contact).get(url("board")).content.decode()
    assert url("offer", pk=need.pk) in body


def test_header_links_my_needs_for_the_roles_that_have_them(
    client, site_tree, owner_a, institution, expert_user
):
    """On a page of another app (the board itself has its own button)."""
    link = f'href="{url("mine")}"'
    with translation.override("en"):
        page = reverse("events:my_registrations")
    for user in (owner_a, institution.contact, expert_user):
        assert link in signed_in(client, user).get(page).content.decode()
    assert link not in signed_in(client, factories.UserFactory()).get(page).content.decode()


# --- Posting ------------------------------------------------------------------------------


def test_post_sends_anonymous_to_sign_in_with_return(client):
    response = client.get(url("post"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"] and "next=/en/needs/post/" in response[
        "Location"
    ].replace("%2F", "/")


def test_post_sends_user_without_enterprise_to_create_one(client, institution):
    response = signed_in(client, institution.contact).get(url("post"))
    assert response.status_code == 302 and response["Location"] == "/en/enterprise/start/"


def test_post_form_prefilled_from_enterprise_and_posts(client, owner_a):
    client.force_login(owner_a)
    response = client.get(url("post"))
    assert response.status_code == 200
    assert response.context["form"].initial["district"] == owner_a.enterprise.district
    deadline = timezone.localdate() + datetime.timedelta(days=7)
    response = client.post(
        url("post"),
        {
            "title": "EMC pre-test of a controller",
            "field": "electronics",
            "district": "yubei",
            "description": "Conducted and radiated emissions before certification.",
            "deadline": deadline.isoformat(),
            "budget_note": "",
            "contact_name": "Wang Fang",
            "contact_phone": "138 0000 2222",
        },
    )
    need = Need.objects.get()
    assert response.status_code == 302 and response["Location"] == url("detail", pk=need.pk)
    assert need.enterprise == owner_a.enterprise and need.contact_phone == "+8613800002222"


def test_post_refuses_past_deadline_with_field_error(client, owner_a):
    client.force_login(owner_a)
    response = client.post(
        url("post"),
        {
            "title": "X",
            "field": "food",
            "district": "banan",
            "description": "Y",
            "deadline": timezone.localdate().isoformat(),
            "contact_name": "Wang Fang",
            "contact_phone": "13800002222",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["deadline"]
    assert not Need.objects.exists()


# --- A need's page ------------------------------------------------------------------------


def test_detail_hides_enterprise_from_public_and_other_enterprise(client, need, owner_b):
    for viewer in (None, owner_b):
        if viewer:
            client.force_login(viewer)
        response = client.get(url("detail", pk=need.pk))
        assert response.status_code == 200
        body = response.content.decode()
        assert need.title in body and ENTERPRISE_NAME not in body
        assert url("withdraw", pk=need.pk) not in body


def test_detail_shows_owner_the_offers_and_accept_buttons(client, need, owner_a, institution):
    offer = OfferFactory(need=need, institution=institution.page, message="We have a bench.")
    body = signed_in(client, owner_a).get(url("detail", pk=need.pk)).content.decode()
    assert ENTERPRISE_NAME in body and "We have a bench." in body
    assert url("accept", pk=offer.pk) in body and url("withdraw", pk=need.pk) in body


def test_detail_shows_staff_everything_with_masked_phone(client, need, staff, institution):
    OfferFactory(need=need, institution=institution.page, message="We have a bench.")
    body = signed_in(client, staff).get(url("detail", pk=need.pk)).content.decode()
    assert ENTERPRISE_NAME in body and "We have a bench." in body
    assert "1111" in body and "138 0000 1111" not in body


def test_detail_offers_hidden_from_responders(client, need, institution, expert_user):
    OfferFactory(need=need, institution=institution.page, message="We have a bench.")
    body = signed_in(client, expert_user).get(url("detail", pk=need.pk)).content.decode()
    assert "We have a bench." not in body and ENTERPRISE_NAME not in body
    assert url("offer", pk=need.pk) in body


def test_matched_need_shown_to_parties_only(
    client, need, owner_a, owner_b, institution, expert_user
):
    accepted = OfferFactory(need=need, institution=institution.page)
    OfferFactory(need=need, expert=expert_user.expert_profile)
    signed_in(client, owner_a).post(url("accept", pk=accepted.pk))
    need.refresh_from_db()
    assert need.state == Need.State.MATCHED
    # The accepted responder sees the enterprise's name and contact.
    body = signed_in(client, institution.contact).get(url("detail", pk=need.pk)).content.decode()
    assert ENTERPRISE_NAME in body and "138 0000 1111" in body
    # The one not chosen still sees the need, not who posted it.
    body = signed_in(client, expert_user).get(url("detail", pk=need.pk)).content.decode()
    assert need.title in body and ENTERPRISE_NAME not in body
    # Everyone else: no such page.
    assert signed_in(client, owner_b).get(url("detail", pk=need.pk)).status_code == 404
    client.logout()
    assert client.get(url("detail", pk=need.pk)).status_code == 404


# --- Offers -------------------------------------------------------------------------------


def test_offer_page_refused_to_non_responders(client, need, owner_a, owner_b):
    response = client.get(url("offer", pk=need.pk))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    for user in (owner_a, owner_b):
        assert signed_in(client, user).get(url("offer", pk=need.pk)).status_code == 403


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_institution_contact_makes_offer(client, need, institution, owner_a, language):
    client.force_login(institution.contact)
    page = client.get(url("offer", language, pk=need.pk))
    assert page.status_code == 200
    response = client.post(
        url("offer", language, pk=need.pk),
        {
            "responder": f"institution:{institution.page.pk}",
            "message": "We test brake noise on a dynamometer.",
            "approach": "Bench test to the industry standard.",
            "fee_note": "",
            "earliest_start": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    offer = Offer.objects.get()
    assert offer.institution == institution.page and offer.submitted_by == institution.contact
    assert owner_a.notifications.count() == 1
    # A second visit: the offer is made, the form is not offered again.
    again = client.get(url("offer", language, pk=need.pk))
    assert again.status_code == 302


def test_expert_makes_offer(client, need, expert_user):
    client.force_login(expert_user)
    response = client.post(
        url("offer", pk=need.pk),
        {
            "responder": f"expert:{expert_user.expert_profile.pk}",
            "message": "I can advise.",
            "approach": "Review the test plan.",
            "earliest_start": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    assert Offer.objects.get().expert == expert_user.expert_profile


def test_offer_for_someone_elses_institution_rejected_by_form(
    client, need, expert_user, institution
):
    client.force_login(expert_user)
    response = client.post(
        url("offer", pk=need.pk),
        {
            "responder": f"institution:{institution.page.pk}",
            "message": "x",
            "approach": "y",
            "earliest_start": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 400 and not Offer.objects.exists()


# --- Accept, withdraw ---------------------------------------------------------------------


def test_accept_only_by_owner(client, need, owner_b, institution, staff, owner_a):
    offer = OfferFactory(need=need, institution=institution.page)
    assert client.post(url("accept", pk=offer.pk)).status_code == 302  # to sign in
    for user in (owner_b, institution.contact, staff):
        response = signed_in(client, user).post(url("accept", pk=offer.pk))
        assert response.status_code == 404
    assert signed_in(client, owner_a).get(url("accept", pk=offer.pk)).status_code == 405
    offer.refresh_from_db()
    assert offer.state == Offer.State.PENDING
    response = client.post(url("accept", pk=offer.pk))
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.state == Offer.State.ACCEPTED


def test_withdraw_only_by_member(client, need, owner_b, member_a):
    assert signed_in(client, owner_b).post(url("withdraw", pk=need.pk)).status_code == 404
    response = signed_in(client, member_a).post(url("withdraw", pk=need.pk))
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.state == Need.State.CLOSED
    # Off the board, but its members still see it.
    assert client.get(url("detail", pk=need.pk)).status_code == 200


def test_mine_lists_needs_and_offers(client, need, owner_a, institution):
    OfferFactory(need=need, institution=institution.page)
    NeedFactory(
        enterprise=owner_a.enterprise,
        title="Old salt spray test",
        deadline=timezone.localdate() - datetime.timedelta(days=1),
    )
    mine = signed_in(client, owner_a).get(url("mine")).content.decode()
    assert need.title in mine
    assert "Old salt spray test</a> · Expired" in mine
    body = signed_in(client, institution.contact).get(url("mine")).content.decode()
    assert need.title in body and institution.page.title in body


# --- Privacy, the open-day activity ---------------------------------------------------------


def test_export_holds_the_needs_contact(need, owner_a):
    part = personal_data_export(user=owner_a)["needs"]
    assert part[0]["contact_phone"] == "+8613800001111" and part[0]["title"] == need.title


def test_erase_anonymises_the_needs_contact(need, owner_a):
    needs_erase(owner_a)
    need.refresh_from_db()
    assert need.contact_name == "***" and need.contact_phone == ""


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_matching_activity_links_to_the_board(client, site_tree, language):
    activity = factories.ActivityPageFactory(parent=site_tree.zh.campaign, activity_type="matching")
    tour = factories.ActivityPageFactory(parent=site_tree.zh.campaign, activity_type="lab_tour")
    target = activity if language == "zh-hans" else factories.translate(activity, "en")
    body = client.get(target.url).content.decode()
    assert f'href="{url("board", language)}"' in body
    assert url("board", language) not in client.get(tour.url).content.decode()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_home_page_links_to_the_board(client, site_tree, language):
    home = site_tree.zh.home if language == "zh-hans" else site_tree.en.home
    html = client.get(home.url).content.decode()
    section = html.split('id="quick-links-heading"', 1)[1].split("</section>", 1)[0]
    assert f'href="{url("board", language)}"' in section


def test_pages_speak_chinese_by_default(client, need, owner_a):
    board = client.get(url("board", "zh-hans")).content.decode()
    assert "需求板" in board and "发布需求" in board
    detail = signed_in(client, owner_a).get(url("detail", "zh-hans", pk=need.pk)).content.decode()
    assert "撤回需求" in detail and "征集中" in detail
