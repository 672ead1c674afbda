"""Site search and the language switch take any input without a server error, and the
language switch never sends the visitor to another site."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inbox.models import Notification
from portal.choices import Field, Service
from tests import factories
from tests.fuzz.support import FUZZ, LANGUAGES, date_text, number, text

# Redirect targets an attacker would try, with and without the language prefix.
OFF_SITE = st.sampled_from(
    [
        "//evil.example",
        "///evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "https://evil.example/en/",
        "http:evil.example",
        " //evil.example",
        "\t//evil.example",
        "/%2F/evil.example",
        "javascript:alert(1)",
        "/en//evil.example",
        "/zh-hans/\\\\evil.example",
        "http://testserver@evil.example/",
        "/en/search/?q=x",
        "/",
    ]
)


def stays_on_site(location: str) -> bool:
    """Whether a browser following this Location stays on the site. Browsers drop leading
    and trailing controls and spaces and every tab or line break, and read a backslash as a
    slash; a relative path (even one full of junk) stays on the site."""
    target = location.strip("".join(map(chr, range(33))))
    target = re.sub(r"[\t\n\r]", "", target).replace("\\", "/")
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", target):
        return target.startswith(("http://testserver/", "https://testserver/"))
    return not target.startswith("//")


@pytest.fixture
def site(site_tree):
    return site_tree


@pytest.fixture
def reader(db):
    """A user with an unread notification, next to someone else's."""
    user = factories.UserFactory()
    for owner in (user, factories.UserFactory()):
        Notification.objects.create(user=owner, subject="预约已确认", body="您的预约已确认。")
    return user


@FUZZ
@given(q=text, page=number, language=LANGUAGES)
def test_search_never_fails(client, site, q, page, language):
    response = client.get(f"/{language}/search/", {"q": q, "page": page})
    assert response.status_code == 200


@FUZZ
@given(
    language=st.one_of(st.sampled_from(["en", "zh-hans", "zh-Hans", "EN", "fr", ""]), text),
    next_url=st.one_of(OFF_SITE, text, OFF_SITE.map(lambda u: u + "\x00")),
    referer=st.one_of(st.none(), OFF_SITE),
)
def test_language_switch_never_redirects_off_site(client, site, language, next_url, referer):
    headers = {"Referer": referer} if referer is not None else {}
    response = client.post(
        "/i18n/setlang/", {"language": language, "next": next_url}, headers=headers
    )
    assert response.status_code in (302, 204)
    if response.status_code == 302:
        assert stays_on_site(response["Location"]), response["Location"]


# Numbers as a query string may carry them: Unicode digits that str.isdigit() accepts but
# int() refuses, huge values, signs and junk.
query_number = st.one_of(st.sampled_from(["²", "²²²²", "٣", "2026", "0", "-1"]), number)


@FUZZ
@given(
    query=st.fixed_dictionaries(
        {},
        optional={
            "date": date_text,
            "type": text,
            "district": text,
            "institution": query_number,
            "tag": text,
            "year": query_number,
            "page": query_number,
        },
    ),
    language=LANGUAGES,
)
def test_listing_filters_never_fail(client, site, query, language):
    tree = site.zh if language == "zh-hans" else site.en
    for page in (tree.campaign, tree.news):
        response = client.get(page.url, query)
        assert response.status_code == 200, page.url


@pytest.mark.parametrize("value", ["\x00", "检测\x00", " \x00 "])
def test_search_and_listing_text_take_a_nul_character(client, site, value):
    # PostgreSQL refuses NUL in a text value: the filters must not pass it on.
    assert client.get("/zh-hans/search/", {"q": value}).status_code == 200
    assert client.get(site.zh.news.url, {"tag": value}).status_code == 200


@FUZZ
@given(
    query=st.fixed_dictionaries(
        {"service": st.one_of(st.sampled_from(Service.values), text)},
        optional={
            "field": st.one_of(st.sampled_from(Field.values), text),
            "district": text,
            "product": text,
            "text": text,
        },
    ),
    language=LANGUAGES,
)
def test_expert_matching_never_fails(client, site, query, language):
    response = client.get(f"/{language}/consultations/find-an-expert/", query)
    assert response.status_code == 200


@FUZZ
@given(
    data=st.fixed_dictionaries(
        {}, optional={"notification": query_number, "next": st.one_of(OFF_SITE, text)}
    ),
    language=LANGUAGES,
)
def test_marking_notifications_read_never_fails(client, site, reader, data, language):
    client.force_login(reader)
    response = client.post(f"/{language}/notifications/read/", data)
    assert response.status_code == 302
    assert stays_on_site(response["Location"]), response["Location"]
    # Whatever was posted, nobody else's notification is marked read.
    assert not Notification.objects.exclude(user=reader).filter(read_at__isnull=False).exists()
