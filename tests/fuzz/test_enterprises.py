"""Creating, joining and editing an enterprise take any input without a server error; a
refused form changes no enterprise and no membership, and only valid credit codes enter."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import uscc

from enterprises.models import Enterprise, Membership
from portal.choices import District, Field
from tests import factories
from tests.fuzz.support import FUZZ, LANGUAGES, phone, snapshot, text

TABLES = (Enterprise, Membership)
CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

credit_code = st.one_of(
    st.integers(min_value=1, max_value=10**9).map(factories.credit_code_for),
    st.text(alphabet=CODE_ALPHABET, min_size=18, max_size=18),
    st.integers(min_value=1, max_value=10**9)
    .map(factories.credit_code_for)
    .map(lambda c: f" {c[:6].lower()}-{c[6:]} "),
    text,
)


def profile_fields(extra: dict | None = None):
    fields = {
        "name": st.one_of(st.just("重庆两江精密制造有限公司"), text),
        "industry": st.one_of(st.sampled_from(Field.values), text),
        "district": st.one_of(st.sampled_from(District.values), text),
        "size": st.one_of(st.sampled_from(Enterprise.Size.values), text),
        "address": st.one_of(st.just("重庆市渝北区金开大道 100 号"), text),
        "contact_name": st.one_of(st.just("张经理"), text),
        "contact_phone": phone,
        **(extra or {}),
    }
    return st.fixed_dictionaries({}, optional=fields)


def url(name: str, language: str) -> str:
    with translation.override(language):
        return reverse(f"enterprises:{name}")


def all_codes_valid() -> bool:
    return all(
        uscc.is_valid(code) for code in Enterprise.objects.values_list("credit_code", flat=True)
    )


@pytest.fixture
def existing(db):
    owner = factories.UserFactory(username="owner")
    return factories.EnterpriseFactory(owner=owner)


@FUZZ
@given(data=profile_fields({"credit_code": credit_code}), language=LANGUAGES)
def test_create_never_fails_and_refusals_change_nothing(client, existing, data, language):
    client.force_login(factories.UserFactory())
    before = snapshot(*TABLES)
    response = client.post(url("create", language), data)
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert snapshot(*TABLES) == before
    else:
        assert response["Location"] == url("mine", language)
        assert Enterprise.objects.count() == before[Enterprise._meta.label][0] + 1
    assert all_codes_valid()


@FUZZ
@given(data=st.data(), language=LANGUAGES)
def test_join_never_fails_and_refusals_change_nothing(client, existing, data, language):
    code = existing.credit_code
    posted = data.draw(
        st.fixed_dictionaries(
            {},
            optional={
                "credit_code": st.one_of(
                    st.sampled_from([code, code.lower(), f"{code[:9]} {code[9:]}"]), credit_code
                )
            },
        )
    )
    user = factories.UserFactory()
    client.force_login(user)
    before = snapshot(*TABLES)
    response = client.post(url("join", language), posted)
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert snapshot(*TABLES) == before
    else:
        membership = Membership.objects.get(user=user)
        assert membership.enterprise == existing
        assert membership.status == Membership.Status.PENDING


@FUZZ
@given(data=profile_fields(), language=LANGUAGES)
def test_edit_never_fails_and_refusals_change_nothing(client, existing, data, language):
    client.force_login(existing.memberships.get().user)
    before = snapshot(*TABLES)
    response = client.post(url("edit", language), data)
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert snapshot(*TABLES) == before
    existing.refresh_from_db()
    assert existing.industry in Field.values
    assert existing.district in District.values
    assert all_codes_valid()
