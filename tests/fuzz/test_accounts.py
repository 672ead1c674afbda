"""Sign-up, sign-in, password reset and account deletion take any input without a server
error; a refused attempt creates, changes or deletes no account."""

from __future__ import annotations

import pytest
from allauth.account import app_settings as allauth_settings
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from reminders.models import Letter
from tests import factories
from tests.fuzz.support import FUZZ, LANGUAGES, snapshot, text

PASSWORD = "correct horse battery staple"
User = get_user_model()

email = st.one_of(
    st.emails(),
    st.sampled_from(
        ["member@example.com", "MEMBER@example.com", "a@b", "@example.com", "x@例子.中国"]
    ),
    text,
)
password = st.one_of(st.sampled_from([PASSWORD, "", "12345678", "password"]), text)


def url(name: str, language: str) -> str:
    with translation.override(language):
        return reverse(name)


@pytest.fixture
def member(db, settings):
    # Every limit of allauth raised, so the fuzz reaches the forms and not the 429 page.
    settings.ACCOUNT_RATE_LIMITS = {
        key: ",".join("100000/" + part.split("/", 1)[1] for part in rate.split(","))
        for key, rate in allauth_settings.RATE_LIMITS.items()
        if rate
    }
    user = factories.UserFactory(username="member", email="member@example.com")
    # As after signing up and verifying the address.
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@FUZZ
@given(
    data=st.fixed_dictionaries(
        {}, optional={"email": email, "password1": password, "password2": password}
    ),
    language=LANGUAGES,
)
def test_signup_never_fails_and_refusals_create_nothing(client, member, data, language):
    before = snapshot(User, EmailAddress)
    typed = str(data.get("email", "")).strip().lower()
    # Compared here, not in SQL: PostgreSQL refuses a NUL in a query parameter.
    known = {e.lower() for e in EmailAddress.objects.values_list("email", flat=True)}
    taken = typed in known
    letters_before = Letter.objects.count()
    response = client.post(url("account_signup", language), data)
    assert response.status_code in (200, 302, 400)
    if response.status_code != 302:
        assert snapshot(User, EmailAddress) == before
    elif taken:
        # The address has an account already: the answer is the same as for a new one, so
        # nobody learns whether an address is registered; its owner is told by e-mail.
        assert snapshot(User, EmailAddress) == before
        # Written to the outbox; the worker sends it once the request's work commits.
        written = Letter.objects.order_by("pk")[letters_before:]
        sent_to = [[address.lower() for address in letter.message["to"]] for letter in written]
        assert sent_to == [[typed]]
        assert "_auth_user_id" not in client.session
        client.cookies.clear()
    else:
        # A new, unverified account; nobody is signed in before verifying.
        assert User.objects.count() == before[User._meta.label][0] + 1
        assert "_auth_user_id" not in client.session
        client.cookies.clear()
    assert User.objects.filter(email__iexact="member@example.com").count() == 1


@FUZZ
@given(
    data=st.fixed_dictionaries(
        {}, optional={"login": st.one_of(email, st.just("member")), "password": password}
    ),
    language=LANGUAGES,
)
def test_login_never_fails_and_refusals_change_nothing(client, member, data, language):
    before = snapshot(User, EmailAddress)
    response = client.post(url("account_login", language), data)
    assert response.status_code in (200, 302, 400, 429)
    if response.status_code != 302:
        assert snapshot(User, EmailAddress) == before
        assert "_auth_user_id" not in client.session
    client.cookies.clear()


@FUZZ
@given(data=st.fixed_dictionaries({}, optional={"email": email}), language=LANGUAGES)
def test_password_reset_never_fails_nor_changes_accounts(client, member, data, language):
    before = snapshot(User, EmailAddress)
    response = client.post(url("account_reset_password", language), data)
    assert response.status_code in (200, 302, 400, 429)
    assert snapshot(User, EmailAddress) == before


@FUZZ
@given(data=st.fixed_dictionaries({}, optional={"password": password}), language=LANGUAGES)
def test_delete_account_needs_the_password(client, member, data, language):
    user = factories.UserFactory()
    client.force_login(user)
    before = snapshot(User, EmailAddress)
    response = client.post(url("privacy:delete_account", language), data)
    assert response.status_code in (200, 302)
    if data.get("password") == PASSWORD:
        assert response.status_code == 302
        assert not User.objects.filter(pk=user.pk, is_active=True).exists()
    else:
        assert response.status_code == 200
        assert snapshot(User, EmailAddress) == before
    client.cookies.clear()
