"""Every public page renders in both languages; listings filter, paginate and keep their
query count when content grows."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events.models import ActivityPage, ActivityType
from portal.choices import District
from tests import factories

SKIP_LINK_EN = "Skip to main content"
ZH_CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


@dataclass
class Content:
    """One published item of every kind, in Chinese and in English."""

    urls: dict[str, dict[str, str]]
    titles: dict[str, dict[str, str]]


@pytest.fixture
def content(site_tree) -> Content:
    zh, en = site_tree.zh, site_tree.en
    institution = factories.InstitutionPageFactory(
        parent=zh.institutions, title="重庆市计量质量检测研究院", slug="cqi"
    )
    institution_en = factories.translate(
        institution, "en", title="Chongqing Academy of Metrology and Quality Inspection"
    )
    activity = factories.ActivityPageFactory(
        parent=zh.campaign, title="走进食品检测实验室", slug="food-lab", institution=institution
    )
    factories.SessionFactory(activity=activity)
    activity_en = factories.translate(activity, "en", title="Inside a food testing lab")
    article = factories.NewsPageFactory(
        parent=zh.news, title="开放日活动启动", slug="launch", tags=["开放日"]
    )
    article_en = factories.translate(article, "en", title="Open day launched")
    expert = factories.ExpertFactory(name="王建国", name_en="Wang Jianguo", slug="wang-jianguo")

    def pair(zh_page, en_page) -> dict[str, str]:
        return {"zh-hans": zh_page.url, "en": en_page.url}

    urls = {
        "home": pair(zh.home, en.home),
        "news index": pair(zh.news, en.news),
        "news article": pair(article, article_en),
        "standard page": pair(zh.about, en.about),
        "open-day campaign": pair(zh.campaign, en.campaign),
        "activity": pair(activity, activity_en),
        "institution index": pair(zh.institutions, en.institutions),
        "institution": pair(institution, institution_en),
        "expert roster": pair(zh.roster, en.roster),
        "expert profile": {
            "zh-hans": f"{zh.roster.url}{expert.slug}/",
            "en": f"{en.roster.url}{expert.slug}/",
        },
    }
    titles = {
        "home": {"zh-hans": zh.home.title, "en": en.home.title},
        "news index": {"zh-hans": zh.news.title, "en": en.news.title},
        "news article": {"zh-hans": article.title, "en": article_en.title},
        "standard page": {"zh-hans": zh.about.title, "en": en.about.title},
        "open-day campaign": {"zh-hans": zh.campaign.title, "en": en.campaign.title},
        "activity": {"zh-hans": activity.title, "en": activity_en.title},
        "institution index": {"zh-hans": zh.institutions.title, "en": en.institutions.title},
        "institution": {"zh-hans": institution.title, "en": institution_en.title},
        "expert roster": {"zh-hans": zh.roster.title, "en": en.roster.title},
        "expert profile": {"zh-hans": "王建国", "en": "Wang Jianguo"},
    }
    return Content(urls=urls, titles=titles)


PAGE_KINDS = [
    "home",
    "news index",
    "news article",
    "standard page",
    "open-day campaign",
    "activity",
    "institution index",
    "institution",
    "expert roster",
    "expert profile",
]


def html_lang(html: str) -> str | None:
    match = re.search(r"<html[^>]*\blang=\"([^\"]+)\"", html)
    return match.group(1) if match else None


@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_page_renders_in_both_languages(client, content, kind):
    zh_url, en_url = content.urls[kind]["zh-hans"], content.urls[kind]["en"]
    assert zh_url.startswith("/zh-hans/")
    assert en_url.startswith("/en/")

    zh_response = client.get(zh_url)
    en_response = client.get(en_url)

    assert zh_response.status_code == 200
    assert en_response.status_code == 200
    zh_html, en_html = zh_response.content.decode(), en_response.content.decode()
    assert html_lang(zh_html) == "zh-Hans"
    assert html_lang(en_html) == "en"
    assert content.titles[kind]["zh-hans"] in zh_html
    assert content.titles[kind]["en"] in en_html
    assert SKIP_LINK_EN in en_html
    if ZH_CATALOGUE.exists():
        assert SKIP_LINK_EN not in zh_html


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_search_results_page_renders_in_both_languages(client, content, language):
    response = client.get(f"/{language}/search/", {"q": "开放日"})

    assert response.status_code == 200
    assert html_lang(response.content.decode()) == ("zh-Hans" if language == "zh-hans" else "en")


@pytest.mark.parametrize(
    ("feed", "content_type", "marker"),
    [
        ("rss", "application/rss+xml", "<rss"),
        ("atom", "application/atom+xml", "<feed"),
    ],
)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_news_feeds_list_the_articles_of_their_language(
    client, content, feed, content_type, marker, language
):
    other = "en" if language == "zh-hans" else "zh-hans"
    index_url = content.urls["news index"][language]

    response = client.get(f"{index_url}feed/{feed}/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    body = response.content.decode()
    assert marker in body
    assert content.titles["news article"][language] in body
    assert content.titles["news article"][other] not in body


# --- News index ---------------------------------------------------------------------------


def article_titles(html: str, candidates: list[str]) -> set[str]:
    return {title for title in candidates if title in html}


def test_news_index_filters_by_tag_and_year(client, site_tree):
    news = site_tree.zh.news
    factories.NewsPageFactory(
        parent=news, title="开放日回顾", date=datetime.date(2024, 5, 20), tags=["开放日"]
    )
    factories.NewsPageFactory(
        parent=news, title="开放日预告", date=datetime.date(2025, 5, 10), tags=["开放日"]
    )
    factories.NewsPageFactory(
        parent=news, title="质量月政策解读", date=datetime.date(2025, 9, 1), tags=["政策"]
    )
    titles = ["开放日回顾", "开放日预告", "质量月政策解读"]

    by_tag = client.get(news.url, {"tag": "开放日"}).content.decode()
    by_year = client.get(news.url, {"year": "2025"}).content.decode()
    by_both = client.get(news.url, {"tag": "开放日", "year": "2024"}).content.decode()

    assert article_titles(by_tag, titles) == {"开放日回顾", "开放日预告"}
    assert article_titles(by_year, titles) == {"开放日预告", "质量月政策解读"}
    assert article_titles(by_both, titles) == {"开放日回顾"}


def test_news_index_paginates_ten_articles_per_page(client, site_tree):
    news = site_tree.zh.news
    start = datetime.date(2025, 1, 1)
    titles = [f"第{n:02d}期工作简报" for n in range(12)]
    for n, title in enumerate(titles):
        factories.NewsPageFactory(parent=news, title=title, date=start + datetime.timedelta(n))

    first = client.get(news.url).content.decode()
    second = client.get(news.url, {"page": "2"}).content.decode()

    # Newest first: the two oldest are on page 2.
    assert article_titles(first, titles) == set(titles[2:])
    assert article_titles(second, titles) == set(titles[:2])
    assert "?page=2" in first


# --- Open-day campaign ----------------------------------------------------------------------


@pytest.fixture
def listing(site_tree):
    """Three activities that differ in type, district, date and host institution."""
    zh = site_tree.zh
    host_a = factories.InstitutionPageFactory(parent=zh.institutions, title="甲检测院")
    host_b = factories.InstitutionPageFactory(parent=zh.institutions, title="乙检测中心")
    soon = timezone.now() + datetime.timedelta(days=2)
    later = timezone.now() + datetime.timedelta(days=9)
    lab_tour = factories.ActivityPageFactory(
        parent=zh.campaign,
        title="汽车检测实验室参观",
        activity_type=ActivityType.LAB_TOUR,
        district=District.BANAN,
        institution=host_a,
    )
    lecture = factories.ActivityPageFactory(
        parent=zh.campaign,
        title="食品安全科普讲座",
        activity_type=ActivityType.LECTURE,
        district=District.YUZHONG,
        institution=host_b,
    )
    clinic = factories.ActivityPageFactory(
        parent=zh.campaign,
        title="质量专家问诊",
        activity_type=ActivityType.CLINIC,
        district=District.YUZHONG,
        institution=host_a,
    )
    factories.SessionFactory(activity=lab_tour, starts_at=soon, capacity=30, taken=12)
    factories.SessionFactory(activity=lecture, starts_at=later, capacity=50)
    factories.SessionFactory(activity=clinic, starts_at=later, capacity=5, taken=5)
    return {
        "campaign": zh.campaign,
        "hosts": (host_a, host_b),
        "soon": timezone.localdate(soon),
        "later": timezone.localdate(later),
        "titles": ["汽车检测实验室参观", "食品安全科普讲座", "质量专家问诊"],
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, {"汽车检测实验室参观", "食品安全科普讲座", "质量专家问诊"}),
        ({"type": "lecture"}, {"食品安全科普讲座"}),
        ({"district": "yuzhong"}, {"食品安全科普讲座", "质量专家问诊"}),
        ({"district": "yuzhong", "type": "clinic"}, {"质量专家问诊"}),
    ],
)
def test_campaign_filters_activities_by_type_and_district(client, listing, query, expected):
    html = client.get(listing["campaign"].url, query).content.decode()

    assert article_titles(html, listing["titles"]) == expected


def test_campaign_filters_activities_by_session_date(client, listing):
    campaign = listing["campaign"]

    soon = client.get(campaign.url, {"date": listing["soon"].isoformat()}).content.decode()
    later = client.get(campaign.url, {"date": listing["later"].isoformat()}).content.decode()

    assert article_titles(soon, listing["titles"]) == {"汽车检测实验室参观"}
    assert article_titles(later, listing["titles"]) == {"食品安全科普讲座", "质量专家问诊"}


def test_campaign_filters_activities_by_host_institution(client, listing):
    host_a, host_b = listing["hosts"]

    html = client.get(listing["campaign"].url, {"institution": host_b.pk}).content.decode()

    assert article_titles(html, listing["titles"]) == {"食品安全科普讲座"}


def test_english_campaign_filters_by_the_english_institution(client, site_tree, listing):
    host_a, _ = listing["hosts"]
    host_a_en = factories.translate(host_a, "en", title="Institute A")
    for activity in ActivityPage.objects.filter(locale=listing["campaign"].locale):
        factories.translate(activity, "en", title=f"EN {activity.title}")

    html = client.get(site_tree.en.campaign.url, {"institution": host_a_en.pk}).content.decode()

    assert "EN 汽车检测实验室参观" in html
    assert "EN 质量专家问诊" in html
    assert "EN 食品安全科普讲座" not in html


def test_campaign_shows_places_left_and_full_activities(client, site_tree, listing):
    for activity in ActivityPage.objects.filter(locale=listing["campaign"].locale):
        factories.translate(activity, "en", title=f"EN {activity.title}")

    html = client.get(site_tree.en.campaign.url).content.decode()

    assert "18 places left" in html  # 30 places, 12 taken
    assert "50 places left" in html
    assert "Full" in html  # the clinic's only session is taken


def activity_card(html: str, title: str) -> str:
    """The listing's card of the activity titled ``title``."""
    start = html.index(title)
    return html[html.rindex("<li", 0, start) : html.index("</li>", start)]


def card_start(session) -> str:
    return f'datetime="{timezone.localtime(session.starts_at).isoformat()}"'


def test_campaign_card_shows_the_next_session_open_for_registration_and_its_places(
    client, site_tree
):
    activity = factories.ActivityPageFactory(parent=site_tree.zh.campaign, title="计量开放日")
    full = factories.SessionFactory(
        activity=activity,
        starts_at=timezone.now() + datetime.timedelta(days=3),
        capacity=5,
        taken=5,
    )
    open_ = factories.SessionFactory(
        activity=activity,
        starts_at=timezone.now() + datetime.timedelta(days=7),
        capacity=9,
        taken=2,
    )
    factories.translate(activity, "en", title="Metrology open day")

    for url in (site_tree.en.campaign.url, site_tree.en.home.url):
        card = activity_card(client.get(url).content.decode(), "Metrology open day")
        assert card_start(open_) in card, url
        assert card_start(full) not in card, url
        assert "7 places left" in card or ">7<" in card, url  # the second session's own places


def test_campaign_card_skips_a_session_whose_registration_has_closed(client, site_tree):
    activity = factories.ActivityPageFactory(parent=site_tree.zh.campaign, title="食品实验室开放")
    closed = factories.SessionFactory(
        activity=activity,
        starts_at=timezone.now() + datetime.timedelta(days=2),
        registration_closes_at=timezone.now() - datetime.timedelta(hours=1),
        capacity=30,
    )
    later = factories.SessionFactory(
        activity=activity, starts_at=timezone.now() + datetime.timedelta(days=6), capacity=4
    )

    card = activity_card(client.get(site_tree.zh.campaign.url).content.decode(), "食品实验室开放")

    assert card_start(later) in card and card_start(closed) not in card


def test_campaign_card_of_a_fully_booked_activity_shows_its_next_session_as_full(client, site_tree):
    activity = factories.ActivityPageFactory(parent=site_tree.zh.campaign, title="Full lab")
    first = factories.SessionFactory(
        activity=activity,
        starts_at=timezone.now() + datetime.timedelta(days=2),
        capacity=3,
        taken=3,
    )
    factories.SessionFactory(
        activity=activity,
        starts_at=timezone.now() + datetime.timedelta(days=4),
        capacity=2,
        taken=2,
    )

    card = activity_card(client.get(site_tree.zh.campaign.url).content.decode(), "Full lab")

    assert card_start(first) in card
    assert "status--full" in card


def test_activity_page_shows_places_left_per_session_in_both_languages(client, site_tree):
    activity = factories.ActivityPageFactory(parent=site_tree.zh.campaign, title="便民检测")
    factories.SessionFactory(activity=activity, capacity=40, taken=15)
    activity_en = factories.translate(activity, "en", title="Free testing for residents")

    zh_html = client.get(activity.url).content.decode()
    en_html = client.get(activity_en.url).content.decode()

    assert "便民检测" in zh_html
    # The translation shows the sessions of the Chinese page, not a copy of them.
    assert "25 of 40 places left" in en_html


@pytest.mark.parametrize(
    "query",
    [
        {"date": "zzz", "institution": "abc", "page": "999"},
        {"date": "2025-02-30", "type": "<script>", "district": "mars"},
        {"institution": "9" * 30, "date": "9999-99-99"},
        {"institution": "-1", "type": "", "district": ""},
        {"tag": "x" * 500, "year": "20x5", "page": "-3"},
        {"year": "99999", "page": "abc"},
        {"service": "nope", "field": "../../etc", "q": "\x00"},
    ],
)
def test_malformed_filters_never_break_a_listing(client, listing, site_tree, query):
    urls = [
        site_tree.zh.campaign.url,
        site_tree.en.campaign.url,
        site_tree.zh.news.url,
        site_tree.en.news.url,
        site_tree.zh.roster.url,
        site_tree.zh.institutions.url,
        "/zh-hans/search/",
    ]
    for url in urls:
        response = client.get(url, query)
        assert response.status_code == 200, url


# --- Query counts ------------------------------------------------------------------------


def queries_for(client, url: str) -> int:
    client.get(url)  # warm caches (site root paths, locales) that are per-process anyway
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def add_activities(campaign, institutions, count: int) -> None:
    for n in range(count):
        activity = factories.ActivityPageFactory(
            parent=campaign, institution=institutions[n % len(institutions)]
        )
        for day in (1, 2):
            factories.SessionFactory(
                activity=activity,
                starts_at=timezone.now() + datetime.timedelta(days=day, hours=n),
                sync_revision=False,
            )


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_campaign_listing_query_count_does_not_grow_with_activities(client, site_tree, language):
    zh, en = site_tree.zh, site_tree.en
    institutions = [factories.InstitutionPageFactory(parent=zh.institutions) for _ in range(3)]
    for institution in institutions:
        factories.translate(institution, "en")
    campaign = zh.campaign if language == "zh-hans" else en.campaign

    def translate_new() -> None:
        if language == "en":
            translated = set(
                ActivityPage.objects.filter(locale=en.campaign.locale).values_list(
                    "translation_key", flat=True
                )
            )
            for activity in ActivityPage.objects.filter(locale=zh.campaign.locale):
                if activity.translation_key not in translated:
                    factories.translate(activity, "en")

    add_activities(zh.campaign, institutions, 2)
    translate_new()
    few = queries_for(client, campaign.url)
    add_activities(zh.campaign, institutions, 18)
    translate_new()
    many = queries_for(client, campaign.url)

    assert ActivityPage.objects.live().filter(locale=campaign.locale).count() == 20
    assert many == few


def test_expert_roster_query_count_does_not_grow_with_experts(client, site_tree):
    roster = site_tree.zh.roster
    for _ in range(2):
        factories.ExpertFactory(services=["consulting", "diagnosis"], fields=["food"])
    few = queries_for(client, roster.url)
    for _ in range(18):
        factories.ExpertFactory(services=["certification"], fields=["automotive", "energy"])
    many = queries_for(client, roster.url)

    assert many == few


def test_news_index_query_count_does_not_grow_with_articles(client, site_tree):
    news = site_tree.zh.news
    for n in range(2):
        factories.NewsPageFactory(parent=news, tags=["开放日", f"专题{n}"])
    few = queries_for(client, news.url)
    for n in range(18):
        factories.NewsPageFactory(parent=news, tags=["开放日", f"专题{n}"])
    many = queries_for(client, news.url)

    assert many == few


def test_home_page_query_count_does_not_grow_with_content(client, site_tree):
    zh = site_tree.zh
    institution = factories.InstitutionPageFactory(parent=zh.institutions)
    add_activities(zh.campaign, [institution], 2)
    factories.NewsPageFactory(parent=zh.news)
    factories.ExpertFactory()
    few = queries_for(client, zh.home.url)
    add_activities(zh.campaign, [institution], 10)
    for _ in range(5):
        factories.NewsPageFactory(parent=zh.news)
        factories.ExpertFactory()
    many = queries_for(client, zh.home.url)

    assert many == few
