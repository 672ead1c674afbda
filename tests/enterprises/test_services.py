"""Enterprise services: owner on create, one profile per credit code, joining with the
owner's approval, one active membership per user."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from enterprises.models import Enterprise, Membership
from enterprises.services import (
    EnterpriseError,
    contact_phone_normalise,
    enterprise_create,
    enterprise_update,
    enterprise_verify,
    membership_decide,
    membership_request,
    membership_withdraw,
)
from inbox.models import Notification
from tests.enterprises.conftest import profile
from tests.factories import EnterpriseFactory, UserFactory, credit_code_for

pytestmark = pytest.mark.django_db


def test_create_makes_the_creator_approved_owner():
    user = UserFactory()
    enterprise = enterprise_create(user=user, **profile(credit_code=credit_code_for(5).lower()))
    assert enterprise.credit_code == credit_code_for(5)
    assert enterprise.contact_phone == "+8613800138000"
    membership = Membership.objects.get(enterprise=enterprise)
    assert membership.user == user
    assert membership.role == Membership.Role.OWNER
    assert membership.status == Membership.Status.APPROVED
    assert not enterprise.is_verified


def test_create_accepts_a_fixed_line():
    enterprise = enterprise_create(user=UserFactory(), **profile(contact_phone="023 6386 1234"))
    assert enterprise.contact_phone == "023-63861234"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13800138000", "+8613800138000"),
        ("+86 138-0013-8000", "+8613800138000"),
        ("02363861234", "023-63861234"),
        ("010-12345678", "010-12345678"),
        ("0755 1234567", "0755-1234567"),
        # typed with a Chinese input method: full-width digits, hyphen, ideographic space
        ("０２３－６３８６\u3000１２３４", "023-63861234"),
        ("＋８６ ２３ ６３８６１２３４", "023-63861234"),
        ("１３８００１３８０００", "+8613800138000"),
    ],
)
def test_contact_phone_normalise(raw, expected):
    assert contact_phone_normalise(raw) == expected


@pytest.mark.parametrize("raw", ["12345", "2363861234", "phone", ""])
def test_contact_phone_refuses_other_numbers(raw):
    with pytest.raises(EnterpriseError) as info:
        contact_phone_normalise(raw)
    assert info.value.code == "invalid_phone"


def test_create_refuses_an_invalid_credit_code():
    with translation.override("en"), pytest.raises(EnterpriseError) as info:
        enterprise_create(user=UserFactory(), **profile(credit_code="91110000600037341X"))
    assert info.value.code == "invalid_credit_code"
    assert "should be L" in info.value.message
    assert not Enterprise.objects.exists()


def test_create_with_a_registered_code_offers_the_existing_enterprise():
    existing = EnterpriseFactory(owner=UserFactory())
    user = UserFactory()
    with pytest.raises(EnterpriseError) as info:
        enterprise_create(user=user, **profile(credit_code=existing.credit_code))
    assert info.value.code == "exists"
    assert info.value.enterprise == existing
    assert not Membership.objects.filter(user=user).exists()


def test_create_race_on_the_unique_code_answers_exists():
    """Two users submit the same licence at once: both pass the existence check, the
    unique index refuses the second insert, and the loser is told to join the winner."""
    code = credit_code_for(31)
    winner = EnterpriseFactory(credit_code=code, owner=UserFactory())
    loser = UserFactory()
    real_filter = Enterprise.objects.filter
    calls = []

    def filter_missing_the_winner_once(*args, **kwargs):
        # The loser's existence check ran just before the winner committed.
        calls.append(kwargs)
        if len(calls) == 1:
            return Enterprise.objects.none()
        return real_filter(*args, **kwargs)

    with (
        mock.patch.object(Enterprise.objects, "filter", side_effect=filter_missing_the_winner_once),
        pytest.raises(EnterpriseError) as info,
    ):
        enterprise_create(user=loser, **profile(credit_code=code))
    assert len(calls) == 2  # the check, then the lookup after the IntegrityError
    assert info.value.code == "exists"
    assert info.value.enterprise == winner
    assert Enterprise.objects.filter(credit_code=code).count() == 1
    assert not Membership.objects.filter(user=loser).exists()


def test_create_refused_while_the_user_acts_for_another_enterprise():
    user = UserFactory()
    EnterpriseFactory(owner=user)
    with pytest.raises(EnterpriseError) as info:
        enterprise_create(user=user, **profile())
    assert info.value.code == "has_enterprise"
    assert Enterprise.objects.count() == 1


def test_join_request_is_pending_and_notifies_the_owner(
    django_capture_on_commit_callbacks, mailoutbox
):
    owner = UserFactory()
    enterprise = EnterpriseFactory(owner=owner)
    user = UserFactory(first_name="小明", last_name="王")
    with django_capture_on_commit_callbacks(execute=True):
        membership = membership_request(user=user, credit_code=" " + enterprise.credit_code.lower())
    assert membership.status == Membership.Status.PENDING
    assert membership.role == Membership.Role.MEMBER
    note = Notification.objects.get(user=owner)
    assert enterprise.name in note.subject
    assert "/enterprise/" in note.url
    assert [m.to for m in mailoutbox] == [[owner.email]]
    assert enterprise.name in mailoutbox[0].body


@pytest.mark.parametrize(
    ("setup", "code"),
    [("none", "not_found"), ("pending_here", "already_member"), ("other", "has_enterprise")],
)
def test_join_request_refusals(setup, code):
    enterprise = EnterpriseFactory(owner=UserFactory())
    user = UserFactory()
    credit_code = enterprise.credit_code
    if setup == "none":
        credit_code = credit_code_for(4242)
    elif setup == "pending_here":
        membership_request(user=user, credit_code=credit_code)
    else:
        EnterpriseFactory(owner=user)
    with pytest.raises(EnterpriseError) as info:
        membership_request(user=user, credit_code=credit_code)
    assert info.value.code == code


def test_owner_approves_and_the_requester_is_told(django_capture_on_commit_callbacks, mailoutbox):
    owner = UserFactory()
    enterprise = EnterpriseFactory(owner=owner)
    user = UserFactory()
    membership = membership_request(user=user, credit_code=enterprise.credit_code)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        membership = membership_decide(membership=membership, by=owner, approve=True)
    membership.refresh_from_db()
    assert membership.status == Membership.Status.APPROVED
    assert membership.decided_by == owner
    assert membership.decided_at is not None
    assert Notification.objects.filter(user=user, subject__contains=enterprise.name).exists()
    assert [m.to for m in mailoutbox] == [[user.email]]

    from enterprises.selectors import enterprise_for_user

    assert enterprise_for_user(user=user) == enterprise


def test_declined_user_may_ask_again():
    owner = UserFactory()
    enterprise = EnterpriseFactory(owner=owner)
    user = UserFactory()
    membership = membership_request(user=user, credit_code=enterprise.credit_code)
    membership_decide(membership=membership, by=owner, approve=False)
    membership.refresh_from_db()
    assert membership.status == Membership.Status.DECLINED
    again = membership_request(user=user, credit_code=enterprise.credit_code)
    assert again.pk == membership.pk
    assert again.status == Membership.Status.PENDING
    assert again.decided_by is None


def test_non_owner_member_cannot_decide():
    owner, member = UserFactory(), UserFactory()
    enterprise = EnterpriseFactory(owner=owner)
    membership_decide(
        membership=membership_request(user=member, credit_code=enterprise.credit_code),
        by=owner,
        approve=True,
    )
    request = membership_request(user=UserFactory(), credit_code=enterprise.credit_code)
    for by in (member, EnterpriseFactory(owner=UserFactory()).memberships.get().user):
        with pytest.raises(EnterpriseError) as info:
            membership_decide(membership=request, by=by, approve=True)
        assert info.value.code == "forbidden"
    request.refresh_from_db()
    assert request.status == Membership.Status.PENDING


def test_a_request_is_decided_only_once():
    owner = UserFactory()
    enterprise = EnterpriseFactory(owner=owner)
    request = membership_request(user=UserFactory(), credit_code=enterprise.credit_code)
    membership_decide(membership=request, by=owner, approve=True)
    with pytest.raises(EnterpriseError) as info:
        membership_decide(membership=request, by=owner, approve=False)
    assert info.value.code == "not_pending"
    request.refresh_from_db()
    assert request.status == Membership.Status.APPROVED


def test_withdraw_removes_only_ones_own_pending_request():
    enterprise = EnterpriseFactory(owner=UserFactory())
    user = UserFactory()
    request = membership_request(user=user, credit_code=enterprise.credit_code)
    with pytest.raises(EnterpriseError) as info:
        membership_withdraw(membership=request, by=UserFactory())
    assert info.value.code == "forbidden"
    membership_withdraw(membership=request, by=user)
    assert not Membership.objects.filter(user=user).exists()


def test_database_allows_one_active_membership_per_user():
    user = UserFactory()
    EnterpriseFactory(owner=user)
    other = EnterpriseFactory(owner=UserFactory())
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(enterprise=other, user=user, status=Membership.Status.PENDING)
    # A declined membership does not count.
    Membership.objects.create(enterprise=other, user=user, status=Membership.Status.DECLINED)


def test_member_edits_the_profile_but_not_the_code():
    owner = UserFactory()
    enterprise = EnterpriseFactory(owner=owner)
    code = enterprise.credit_code
    data = profile(name="  新 名称  ", contact_phone="13900001111")
    del data["credit_code"]
    enterprise_update(enterprise=enterprise, by=owner, **data)
    enterprise.refresh_from_db()
    assert enterprise.name == "新 名称"
    assert enterprise.contact_phone == "+8613900001111"
    assert enterprise.credit_code == code
    with pytest.raises(TypeError):
        enterprise_update(enterprise=enterprise, by=owner, credit_code=credit_code_for(1), **data)


def test_outsider_cannot_edit_the_profile():
    enterprise = EnterpriseFactory(owner=UserFactory())
    data = profile(name="改名")
    del data["credit_code"]
    with pytest.raises(EnterpriseError) as info:
        enterprise_update(enterprise=enterprise, by=UserFactory(), **data)
    assert info.value.code == "forbidden"
    enterprise.refresh_from_db()
    assert enterprise.name != "改名"


def test_verify_and_unverify():
    staff = UserFactory(is_staff=True)
    enterprise = EnterpriseFactory()
    enterprise_verify(enterprise=enterprise, by=staff)
    enterprise.refresh_from_db()
    assert enterprise.is_verified and enterprise.verified_by == staff and enterprise.verified_at
    enterprise_verify(enterprise=enterprise, by=staff, verified=False)
    enterprise.refresh_from_db()
    assert not enterprise.is_verified and enterprise.verified_by is None


def test_a_verified_enterprise_that_renames_itself_loses_the_mark_until_verified_again():
    owner, staff = UserFactory(), UserFactory(is_staff=True)
    enterprise = EnterpriseFactory(owner=owner, name="重庆甲公司")
    enterprise_verify(enterprise=enterprise, by=staff)
    data = profile(name="重庆甲公司")
    del data["credit_code"]
    # Other fields change, the name does not: the mark stays.
    enterprise_update(enterprise=enterprise, by=owner, **{**data, "address": "新地址"})
    enterprise.refresh_from_db()
    assert enterprise.is_verified

    enterprise_update(enterprise=enterprise, by=owner, **{**data, "name": "重庆乙公司"})
    enterprise.refresh_from_db()
    assert (enterprise.is_verified, enterprise.verified_at, enterprise.verified_by) == (
        False,
        None,
        None,
    )
    enterprise_verify(enterprise=enterprise, by=staff)
    enterprise.refresh_from_db()
    assert enterprise.is_verified and enterprise.name == "重庆乙公司"


def test_two_verified_enterprises_never_carry_the_same_name():
    owner, staff = UserFactory(), UserFactory(is_staff=True)
    first = EnterpriseFactory(name="重庆同名检测有限公司")
    enterprise_verify(enterprise=first, by=staff)
    # The other takes the same name (any case and spacing) and asks to be verified.
    second = EnterpriseFactory(owner=owner)
    data = profile(name=" 重庆同名检测有限公司 ")
    del data["credit_code"]
    enterprise_update(enterprise=second, by=owner, **data)
    with pytest.raises(EnterpriseError) as refused:
        enterprise_verify(enterprise=second, by=staff)
    assert refused.value.code == "name_taken"
    second.refresh_from_db()
    assert not second.is_verified
    # A renamed verified enterprise loses its mark in the same write, so taking a verified
    # name never trips the index.
    enterprise_verify(enterprise=EnterpriseFactory(name="Other Co"), by=staff)
    Enterprise.objects.filter(name="Other Co").update(name="OTHER CO")
    with pytest.raises(IntegrityError), transaction.atomic():
        Enterprise.objects.filter(pk=first.pk).update(name="other co")
