"""The enterprise pages over HTTP, in both languages (the redirect after sign-in:
tests/test_signin_redirect.py)."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from enterprises.models import Enterprise, Membership
from enterprises.services import membership_request
from tests.enterprises.conftest import profile
from tests.factories import (
    ConsultationFactory,
    EnterpriseFactory,
    InstitutionPageFactory,
    LabFactory,
    LabVisitFactory,
    UserFactory,
    VisitSlotFactory,
    credit_code_for,
)

pytestmark = pytest.mark.django_db
LANGUAGES = ["zh-hans", "en"]


def url(name: str, language: str = "zh-hans", **kwargs) -> str:
    with translation.override(language):
        return reverse(f"enterprises:{name}", kwargs=kwargs or None)


@pytest.mark.parametrize("name", ["start", "create", "join", "mine", "edit"])
def test_pages_need_sign_in(client, name):
    response = client.get(url(name))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_start_offers_create_and_join(client, language):
    client.force_login(UserFactory())
    response = client.get(url("start", language))
    html = response.content.decode()
    assert response.status_code == 200
    assert f"/{language}/enterprise/" in url("start", language)
    assert url("create", language) in html
    assert url("join", language) in html
    assert 'name="credit_code"' in html
    assert 'name="robots" content="noindex' in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_create_makes_the_user_owner_and_shows_my_enterprise(client, language):
    user = UserFactory()
    client.force_login(user)
    data = profile(credit_code=credit_code_for(777).lower())
    response = client.post(url("create", language), data)
    assert response.status_code == 302
    assert response["Location"] == url("mine", language)
    enterprise = Enterprise.objects.get(credit_code=credit_code_for(777))
    assert enterprise.memberships.get().user == user
    page = client.get(response["Location"]).content.decode()
    assert enterprise.name in page
    assert enterprise.credit_code in page


def test_create_lists_errors_and_keeps_input(client):
    client.force_login(UserFactory())
    data = profile(credit_code="91110000600037341X", contact_phone="12")
    response = client.post(url("create", "en"), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="form-errors"' in html
    assert "should be L" in html
    assert 'aria-invalid="true"' in html
    assert 'value="91110000600037341X"' in html
    assert 'value="重庆两江精密制造有限公司"' in html
    assert not Enterprise.objects.exists()


def test_create_with_a_registered_code_offers_to_join(client):
    existing = EnterpriseFactory(owner=UserFactory())
    client.force_login(UserFactory())
    response = client.post(url("create", "en"), profile(credit_code=existing.credit_code))
    html = response.content.decode()
    assert response.status_code == 400
    assert existing.name in html
    assert f'action="{url("join", "en")}"' in html
    assert f'value="{existing.credit_code}"' in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_join_then_owner_approves(client, language, django_capture_on_commit_callbacks):
    owner = UserFactory()
    enterprise = EnterpriseFactory(owner=owner)
    requester = UserFactory(email="requester@example.com")
    client.force_login(requester)
    response = client.post(url("join", language), {"credit_code": enterprise.credit_code})
    assert response.status_code == 302
    assert response["Location"] == url("start", language)
    status_page = client.get(url("start", language)).content.decode()
    assert enterprise.name in status_page
    membership = Membership.objects.get(user=requester)
    assert url("withdraw", language, pk=membership.pk) in status_page
    # A pending requester cannot use "My enterprise" yet.
    assert client.get(url("mine", language))["Location"] == url("start", language)

    client.force_login(owner)
    mine = client.get(url("mine", language)).content.decode()
    assert "requester@example.com" in mine
    decide = url("decide", language, pk=membership.pk)
    assert decide in mine
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(decide, {"decision": "approve"})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.status == Membership.Status.APPROVED

    client.force_login(requester)
    assert client.get(url("mine", language)).status_code == 200


def test_join_unknown_code_offers_to_create(client):
    client.force_login(UserFactory())
    code = credit_code_for(4321)
    response = client.post(url("join", "en"), {"credit_code": code})
    html = response.content.decode()
    assert response.status_code == 400
    assert "No enterprise with this credit code" in html
    assert f"{url('create', 'en')}?credit_code={code}" in html
    create_page = client.get(f"{url('create', 'en')}?credit_code={code}").content.decode()
    assert f'value="{code}"' in create_page


def test_user_of_enterprise_a_cannot_see_or_decide_requests_of_b(client):
    owner_a, owner_b = UserFactory(), UserFactory()
    EnterpriseFactory(owner=owner_a, name="甲公司")
    b = EnterpriseFactory(owner=owner_b, name="乙公司")
    request = membership_request(
        user=UserFactory(email="asks-b@example.com"), credit_code=b.credit_code
    )
    client.force_login(owner_a)
    assert "asks-b@example.com" not in client.get(url("mine")).content.decode()
    for decision in ("approve", "decline"):
        response = client.post(url("decide", pk=request.pk), {"decision": decision})
        assert response.status_code == 404
    request.refresh_from_db()
    assert request.status == Membership.Status.PENDING


def test_member_who_is_not_owner_cannot_decide(client):
    owner, member = UserFactory(), UserFactory()
    enterprise = EnterpriseFactory(owner=owner)
    Membership.objects.create(enterprise=enterprise, user=member, status="approved")
    request = membership_request(user=UserFactory(), credit_code=enterprise.credit_code)
    client.force_login(member)
    mine = client.get(url("mine")).content.decode()
    assert url("decide", pk=request.pk) not in mine
    client.post(url("decide", pk=request.pk), {"decision": "approve"})
    request.refresh_from_db()
    assert request.status == Membership.Status.PENDING


def test_decide_needs_post(client):
    owner = UserFactory()
    enterprise = EnterpriseFactory(owner=owner)
    request = membership_request(user=UserFactory(), credit_code=enterprise.credit_code)
    client.force_login(owner)
    assert client.get(url("decide", pk=request.pk)).status_code == 405


def test_withdraw_own_request_only(client):
    enterprise = EnterpriseFactory(owner=UserFactory())
    user, other = UserFactory(), UserFactory()
    request = membership_request(user=user, credit_code=enterprise.credit_code)
    client.force_login(other)
    assert client.post(url("withdraw", pk=request.pk)).status_code == 404
    client.force_login(user)
    assert client.post(url("withdraw", pk=request.pk)).status_code == 302
    assert not Membership.objects.filter(pk=request.pk).exists()


@pytest.mark.parametrize("language", LANGUAGES)
def test_edit_saves_profile_and_keeps_code(client, language):
    owner = UserFactory()
    enterprise = EnterpriseFactory(owner=owner)
    client.force_login(owner)
    page = client.get(url("edit", language)).content.decode()
    assert enterprise.credit_code in page
    code = enterprise.credit_code
    data = profile(name="新名称有限公司", credit_code="91110000600037341L")
    response = client.post(url("edit", language), data)
    assert response.status_code == 302
    enterprise.refresh_from_db()
    assert enterprise.name == "新名称有限公司"
    assert enterprise.credit_code == code


def test_edit_errors_keep_input(client):
    owner = UserFactory()
    EnterpriseFactory(owner=owner)
    client.force_login(owner)
    response = client.post(url("edit", "en"), profile(name="留下的名字", contact_phone="12"))
    html = response.content.decode()
    assert response.status_code == 400
    assert 'value="留下的名字"' in html
    assert "area code" in html


def test_mine_and_the_edit_form_show_the_contact_phone_grouped(client):
    owner = UserFactory()
    EnterpriseFactory(owner=owner, contact_phone="+8613800001111")
    client.force_login(owner)
    html = client.get(url("mine", "en")).content.decode()
    assert "138 0000 1111" in html and "8613800001111" not in html
    html = client.get(url("edit", "en")).content.decode()
    assert 'value="138 0000 1111"' in html


def test_mine_shows_a_fixed_line_grouped(client):
    owner = UserFactory()
    EnterpriseFactory(owner=owner, contact_phone="023-63861234")
    client.force_login(owner)
    assert "023-6386 1234" in client.get(url("mine", "en")).content.decode()


def test_mine_lists_the_enterprises_consultations_and_lab_visits_only(client, site_tree):
    owner = UserFactory()
    enterprise = EnterpriseFactory(owner=owner, is_verified=True)
    consultation = ConsultationFactory(
        enterprise=enterprise, requested_by=owner, topic="安全带认证"
    )
    ConsultationFactory(topic="别家的咨询")
    institution = InstitutionPageFactory(parent=site_tree.zh.institutions)
    lab = LabFactory(institution=institution, name="电磁兼容实验室")
    LabVisitFactory(slot=VisitSlotFactory(lab=lab), enterprise=enterprise, requested_by=owner)
    client.force_login(owner)
    response = client.get(url("mine", "en"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "安全带认证" in html
    assert consultation.reference in html
    assert "别家的咨询" not in html
    assert lab.display_name in html
    assert "Verified by the regulator" in html
    # Links to the booking pages appear once those URLs exist (built by other parts).
    with translation.override("en"):
        for name, kwargs in [
            ("consultations:detail", {"reference": consultation.reference}),
            ("consultations:match", None),
            ("labvisits:request_start", None),
        ]:
            try:
                target = reverse(name, kwargs=kwargs)
            except NoReverseMatch:
                continue
            assert f'href="{target}"' in html, name


def test_start_sends_members_to_my_enterprise(client):
    owner = UserFactory()
    EnterpriseFactory(owner=owner)
    client.force_login(owner)
    assert client.get(url("start", "en"))["Location"] == url("mine", "en")


def test_renaming_a_verified_enterprise_says_the_mark_is_gone(client, site_tree):
    owner = UserFactory()
    enterprise = EnterpriseFactory(owner=owner, is_verified=True, name="旧名称有限公司")
    client.force_login(owner)
    response = client.post(url("edit", "en"), profile(name="新名称有限公司"), follow=True)
    assert response.status_code == 200
    assert "The new name is not verified yet" in response.content.decode()
    enterprise.refresh_from_db()
    assert not enterprise.is_verified


def test_staff_verifying_a_name_another_verified_enterprise_carries_is_told_why(
    client, staff_approver
):
    EnterpriseFactory(is_verified=True, name="重庆同名有限公司")
    second = EnterpriseFactory(name="重庆同名有限公司")
    client.force_login(staff_approver)
    verify = reverse("enterprise_services_enterprises:verify", args=[second.pk])
    response = client.post(verify, follow=True)
    assert response.status_code == 200
    assert "Another verified enterprise is called 重庆同名有限公司" in response.content.decode()
    second.refresh_from_db()
    assert not second.is_verified
