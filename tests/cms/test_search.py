"""Site search finds Chinese words inside sentences, in pages and in the expert roster."""

from __future__ import annotations

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from experts.models import Expert
from portal.models import ServiceType
from portal.search import cjk_index_text, cjk_terms, prepare_query
from tests import factories

# --- Query and index preparation -----------------------------------------------------------


def test_cjk_terms_are_single_characters_and_overlapping_pairs():
    assert cjk_terms("质量诊断") == ["质", "量", "诊", "断", "质量", "量诊", "诊断"]


def test_cjk_terms_ignore_latin_text_and_split_runs_at_punctuation():
    assert cjk_terms("CMA 认证，开放") == ["认", "证", "认证", "开", "放", "开放"]
    assert cjk_terms("Quality diagnosis") == []
    assert cjk_terms("") == []


@pytest.mark.parametrize(
    ("query", "prepared"),
    [
        ("质量诊断", "质量 量诊 诊断"),
        ("开放日", "开放 放日"),
        ("检", "检"),
        ("quality diagnosis", "quality diagnosis"),
        ("CMA资质", "CMA 资质"),
        ("食品 检测", "食品 检测"),
        ("认证，支持!", "认证 支持"),
        ("  ", ""),
        ("*:()\"'", ""),
    ],
)
def test_prepare_query_turns_chinese_words_into_indexed_pairs(query, prepared):
    assert prepare_query(query) == prepared


@given(st.text(max_size=200))
def test_prepare_query_only_returns_terms_the_index_can_contain(text):
    prepared = prepare_query(text)
    indexed = set(cjk_index_text(text).split())
    for term in prepared.split():
        chinese = [ch for ch in term if "\u3400" <= ch <= "\u9fff"]
        if chinese and len(term) == len(chinese):
            # Every Chinese term of a query is a term of the same text's index.
            assert term in indexed
        # No operators or quotes reach the search backend.
        assert all(ch.isalnum() or ch == "_" for ch in term)


# --- Site search ---------------------------------------------------------------------------


@pytest.fixture
def searchable(site_tree):
    zh, en = site_tree.zh, site_tree.en
    service_page = factories.StandardPageFactory(
        parent=zh.home,
        title="企业服务",
        slug="enterprise-services",
        intro="我们为企业提供免费的质量诊断和认证支持服务",
    )
    factories.translate(
        service_page,
        "en",
        title="Services for enterprises",
        intro="Free quality diagnosis and certification support for enterprises.",
    )
    activity = factories.ActivityPageFactory(
        parent=zh.campaign,
        title="2025年检验检测机构开放日暨质量月启动仪式",
        slug="launch-ceremony",
        summary="启动仪式在巴南区举行。",
    )
    factories.translate(activity, "en", title="Open day and quality month launch ceremony")
    unrelated = factories.StandardPageFactory(
        parent=zh.home, title="隐私政策", slug="privacy", intro="本平台如何处理个人信息。"
    )
    factories.translate(
        unrelated, "en", title="Privacy notice", intro="How the portal handles personal data."
    )
    expert = factories.ExpertFactory(
        name="陈思远",
        name_en="Chen Siyuan",
        slug="chen-siyuan",
        title="正高级工程师",
        title_en="Professor-level senior engineer",
        bio="从事汽车零部件检测二十年。",
        bio_en="Twenty years of testing automotive parts.",
        services=["diagnosis"],
        fields=["automotive"],
    )
    return {"zh": zh, "en": en, "expert": expert}


def search(client, language: str, query: str) -> str:
    response = client.get(f"/{language}/search/", {"q": query})
    assert response.status_code == 200
    return response.content.decode()


def test_search_finds_a_chinese_word_inside_a_sentence(client, searchable):
    html = search(client, "zh-hans", "质量诊断")

    assert "企业服务" in html
    assert "隐私政策" not in html


def test_search_finds_a_chinese_word_inside_a_page_title(client, searchable):
    html = search(client, "zh-hans", "开放日")

    assert "2025年检验检测机构开放日暨质量月启动仪式" in html
    assert "隐私政策" not in html


def test_search_needs_every_word_of_the_query(client, searchable):
    assert "企业服务" in search(client, "zh-hans", "质量诊断 认证支持")
    assert "企业服务" not in search(client, "zh-hans", "质量诊断 个人信息")


def test_search_does_not_find_characters_that_are_not_adjacent(client, searchable):
    # 质 and 断 both occur in the sentence, but "质断" does not.
    assert "企业服务" not in search(client, "zh-hans", "质断")


def test_search_finds_an_expert_by_the_service_they_offer(client, searchable):
    html = search(client, "zh-hans", "质量诊断")

    assert "陈思远" in html
    assert f"{searchable['zh'].roster.url}chen-siyuan/" in html


def test_english_search_finds_english_pages_and_experts(client, searchable):
    html = search(client, "en", "automotive")

    assert "Chen Siyuan" in html
    assert f"{searchable['en'].roster.url}chen-siyuan/" in html


def test_search_only_returns_pages_in_the_visitors_language(client, searchable):
    zh_html = search(client, "zh-hans", "企业")
    en_html = search(client, "en", "enterprises")

    assert "企业服务" in zh_html and "Services for enterprises" not in zh_html
    assert "Services for enterprises" in en_html and "企业服务" not in en_html


def test_search_does_not_find_unpublished_pages(client, searchable):
    factories.StandardPageFactory(
        parent=searchable["zh"].home, title="草稿质量诊断说明", publish=False
    )

    assert "草稿质量诊断说明" not in search(client, "zh-hans", "质量诊断")


@pytest.mark.parametrize(
    "query",
    ["", "   ", "的", "x" * 5000, "质" * 300, "\"'*:()[]{}<>!?;", "AND OR NOT", "%_%", "💡🔬"],
)
def test_search_with_empty_or_garbage_queries_answers(client, searchable, query):
    html = search(client, "zh-hans", query)

    assert "隐私政策" not in html


def test_expert_found_by_a_service_added_in_a_later_revision(client, searchable):
    expert = Expert.objects.get(pk=searchable["expert"].pk)
    expert.services.set(list(ServiceType.objects.filter(code__in=["diagnosis", "certification"])))
    # As the snippet editor does: save a revision from the form, then publish it.
    expert.save_revision().publish()

    assert "陈思远" in search(client, "zh-hans", "认证支持")


def test_expert_published_from_the_english_admin_is_found_by_chinese_service(client, site_tree):
    # An editor whose admin is in English publishes the expert.
    with translation.override("en"):
        factories.ExpertFactory(name="周明", slug="zhou-ming", services=["diagnosis"])

    assert "周明" in search(client, "zh-hans", "质量诊断")
