"""allauth's account pages and e-mails in one language: its Chinese catalogue writes
"Email地址" and greets "来自…的 Hello!", which the portal's catalogue and templates replace."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.utils.html import strip_tags

from tests import factories

# Latin words that are not part of an address, a link or a code.
LATIN_WORD = re.compile(r"(?<![A-Za-z0-9_@/.:-])[A-Za-z]{3,}(?![A-Za-z0-9_@/.:-])")
SIGN_UP = {
    "email": "new.user@example.com",
    "password1": "a-long-pass-2026",
    "password2": "a-long-pass-2026",
}


def main_text(html: str) -> str:
    """The visible text and the labels of the page's main content."""
    main = html.split("<main", 1)[-1].split("</main>", 1)[0].split(">", 1)[-1]
    main = re.sub(r"<(script|style)\b.*?</\1>", "", main, flags=re.S)
    attributes = re.findall(r'(?:placeholder|aria-label|title)="([^"]*)"', main)
    return "\n".join([strip_tags(main), *attributes])


@pytest.fixture
def member(db):
    return factories.UserFactory(username="member", email="member@example.com")


@pytest.mark.parametrize(
    "path, signed_in",
    [
        ("login/", False),
        ("signup/", False),
        ("password/reset/", False),
        ("email/", True),
        ("confirm-email/", False),
    ],
)
def test_chinese_account_pages_are_in_chinese(client, site_tree, member, path, signed_in):
    if signed_in:
        client.force_login(member)

    text = main_text(client.get(f"/zh-hans/accounts/{path}", follow=True).content.decode())

    assert "Email" not in text
    assert LATIN_WORD.findall(text.replace("member@example.com", "")) == []


def test_english_account_pages_say_email(client, site_tree, member):
    client.force_login(member)

    text = main_text(client.get("/en/accounts/email/").content.decode())

    assert "Email Address" in text
    assert re.search(r"[\u4e00-\u9fff]", text) is None


def _sign_up(client, language, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/{language}/accounts/signup/", SIGN_UP)
    assert response.status_code == 302
    (message,) = mail.outbox
    return message


def test_chinese_sign_up_e_mail_is_in_chinese_with_the_portal_name(
    client, site_tree, django_capture_on_commit_callbacks
):
    message = _sign_up(client, "zh-hans", django_capture_on_commit_callbacks)

    assert message.body.startswith("您好，这里是检验检测公共服务平台。")
    assert "Hello" not in message.body
    assert LATIN_WORD.findall(message.body) == []


def test_english_sign_up_e_mail_is_in_english(
    client, site_tree, django_capture_on_commit_callbacks
):
    message = _sign_up(client, "en", django_capture_on_commit_callbacks)

    assert message.body.startswith("Hello, this is Testing & Inspection Public Service Portal.")
    assert re.search(r"[\u4e00-\u9fff]", message.body) is None
