"""Consumer warnings (消费提示): where they may live, their list's filters in both
languages, the site search, and the open-day activities that link them."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse

from cms.models import ConsumerWarningIndexPage, ConsumerWarningPage, NewsPage, RiskLevel
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def warnings(site_tree):
    """A warnings index in both languages with three warnings and their translations."""
    index = factories.ConsumerWarningIndexPageFactory(parent=site_tree.zh.home)
    index_en = factories.translate(index, "en", title="Consumer warnings")
    specs = [
        (
            "电动自行车电池和充电器选用提示",
            "Choosing e-bike batteries and chargers",
            "electric_bicycles",
            RiskLevel.HIGH,
            datetime.date(2025, 9, 12),
            "不要私自改装电池，充电时远离楼道。",
            "Do not modify the battery; never charge it in a stairwell.",
        ),
        (
            "儿童玩具小零件提示",
            "Small parts in children's toys",
            "children",
            RiskLevel.MEDIUM,
            datetime.date(2025, 9, 15),
            "三岁以下儿童玩具不应有可拆下的小零件。",
            "Toys for children under three must have no small detachable parts.",
        ),
        (
            "塑料餐具使用提示",
            "Using plastic tableware",
            "food_contact",
            RiskLevel.LOW,
            datetime.date(2025, 9, 10),
            "留意标签上的使用温度。",
            "Check the temperature range on the label.",
        ),
    ]
    pages = {}
    for zh_title, en_title, category, risk, date, summary, summary_en in specs:
        page = factories.ConsumerWarningPageFactory(
            parent=index,
            title=zh_title,
            product_category=category,
            risk_level=risk,
            date=date,
            summary=summary,
        )
        pages[zh_title] = page
        pages[en_title] = factories.translate(page, "en", title=en_title, summary=summary_en)
    return {"zh": index, "en": index_en, "pages": pages}


ZH_TITLES = ["电动自行车电池和充电器选用提示", "儿童玩具小零件提示", "塑料餐具使用提示"]
EN_TITLES = [
    "Choosing e-bike batteries and chargers",
    "Small parts in children&#x27;s toys",
    "Using plastic tableware",
]


def shown(html: str, titles: list[str]) -> list[str]:
    """The ``titles`` found in ``html``, in the order they appear."""
    found = [(html.find(title), title) for title in titles if title in html]
    return [title for _, title in sorted(found)]


# --- Where the pages may live ---------------------------------------------------------------


def test_warnings_index_lives_once_under_the_home_page_only(site_tree):
    home, news = site_tree.zh.home, site_tree.zh.news
    assert ConsumerWarningIndexPage.can_create_at(home)
    assert not ConsumerWarningIndexPage.can_create_at(news)
    factories.ConsumerWarningIndexPageFactory(parent=home)
    assert not ConsumerWarningIndexPage.can_create_at(home.specific_class.objects.get(pk=home.pk))


def test_a_warning_lives_only_under_the_warnings_index(site_tree):
    index = factories.ConsumerWarningIndexPageFactory(parent=site_tree.zh.home)
    assert ConsumerWarningPage.can_create_at(index)
    assert not ConsumerWarningPage.can_create_at(site_tree.zh.home)
    assert not ConsumerWarningPage.can_create_at(site_tree.zh.news)
    # Nothing else goes under the index, and nothing under a warning.
    assert not NewsPage.can_create_at(index)
    warning = factories.ConsumerWarningPageFactory(parent=index)
    assert warning.specific_class.allowed_subpage_models() == []


# --- The list ---------------------------------------------------------------------------------


def test_warnings_are_listed_newest_first_with_their_risk_in_words(client, warnings):
    html = client.get(warnings["en"].url).content.decode()

    assert shown(html, EN_TITLES) == [
        "Small parts in children&#x27;s toys",
        "Choosing e-bike batteries and chargers",
        "Using plastic tableware",
    ]
    assert "High risk" in html and "Medium risk" in html and "Low risk" in html
    assert '<label for="warning-category">Product category</label>' in html


@pytest.mark.parametrize(
    ("language", "query", "expected"),
    [
        ("zh", {"category": "electric_bicycles"}, ["电动自行车电池和充电器选用提示"]),
        ("zh", {"risk": "low"}, ["塑料餐具使用提示"]),
        ("zh", {"category": "children", "risk": "high"}, []),
        ("en", {"category": "children"}, ["Small parts in children&#x27;s toys"]),
        ("en", {"risk": "high"}, ["Choosing e-bike batteries and chargers"]),
        # An unknown value filters nothing.
        ("en", {"risk": "extreme", "category": "\x00x"}, EN_TITLES),
    ],
)
def test_warnings_list_filters_by_category_and_risk(client, warnings, language, query, expected):
    titles = ZH_TITLES if language == "zh" else EN_TITLES

    html = client.get(warnings[language].url, query).content.decode()

    assert set(shown(html, titles)) == set(expected)


def test_chinese_list_shows_chinese_labels(client, warnings):
    html = client.get(warnings["zh"].url, {"risk": "high"}).content.decode()

    assert "高风险" in html
    assert "电动自行车、电池和充电器" in html
    assert "Choosing e-bike batteries and chargers" not in html


def test_warnings_list_paginates_and_hides_drafts(client, site_tree):
    index = factories.ConsumerWarningIndexPageFactory(parent=site_tree.zh.home)
    start = datetime.date(2025, 1, 1)
    titles = [f"第{n:02d}号消费提示" for n in range(12)]
    for n, title in enumerate(titles):
        factories.ConsumerWarningPageFactory(
            parent=index, title=title, date=start + datetime.timedelta(n)
        )
    factories.ConsumerWarningPageFactory(parent=index, title="尚未发布的提示", publish=False)

    first = client.get(index.url).content.decode()
    second = client.get(index.url, {"page": "2", "risk": "medium"}).content.decode()

    assert set(shown(first, titles)) == set(titles[2:])
    assert set(shown(second, titles)) == set(titles[:2])
    assert "尚未发布的提示" not in first + second
    assert re.search(r'href="\?(risk=medium&amp;)?page=2', first)


def test_warning_page_shows_its_advice_in_both_languages(client, warnings):
    zh = warnings["pages"]["电动自行车电池和充电器选用提示"]
    en = warnings["pages"]["Choosing e-bike batteries and chargers"]

    zh_html = client.get(zh.url).content.decode()
    en_html = client.get(en.url).content.decode()

    assert "<li>查看产品标识</li>" in zh_html and "高风险" in zh_html
    assert "High risk" in en_html and "What to do" in en_html


# --- Site search ----------------------------------------------------------------------------


def test_site_search_finds_a_warning_by_a_word_of_its_summary(client, warnings):
    zh_html = client.get("/zh-hans/search/", {"q": "充电"}).content.decode()
    en_html = client.get("/en/search/", {"q": "stairwell"}).content.decode()

    assert "电动自行车电池和充电器选用提示" in zh_html
    assert "儿童玩具小零件提示" not in zh_html
    assert "Choosing e-bike batteries and chargers" in en_html


# --- Workflow -------------------------------------------------------------------------------


def test_warnings_go_through_the_news_review_workflow(client, site_tree, editor):
    index = factories.ConsumerWarningIndexPageFactory(parent=site_tree.zh.home)
    draft = factories.ConsumerWarningPageFactory(parent=index, publish=False)
    article = factories.NewsPageFactory(parent=site_tree.zh.news, publish=False)
    client.force_login(editor)

    add_form = client.get(
        reverse("wagtailadmin_pages:add", args=("cms", "consumerwarningpage", index.pk))
    )

    assert add_form.status_code == 200
    assert draft.get_workflow() is not None
    assert draft.get_workflow() == article.get_workflow()
    assert not draft.live
