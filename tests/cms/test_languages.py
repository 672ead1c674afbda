"""The Chinese admin and pages speak one language: names stored by migrations, block
labels, Wagtail's own strings and related-page lists."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation
from wagtail.blocks import StructBlock
from wagtail.fields import StreamField
from wagtail.models import get_page_models

from tests import factories
from tests.conftest import english

LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


@pytest.fixture
def draft_article(site_tree, editor):
    article = factories.NewsPageFactory(parent=site_tree.zh.news, owner=editor, publish=False)
    article.save_revision(user=editor)
    return article


def test_chinese_admin_offers_review_under_a_chinese_name(client, editor, draft_article):
    client.force_login(editor)

    html = client.get(reverse("wagtailadmin_pages:edit", args=[draft_article.pk])).content.decode()

    assert "提交给监管部门审核" in html
    assert "Regulator review" not in html


def test_english_admin_names_the_same_review(client, editor, draft_article):
    client.force_login(english(editor))

    html = client.get(reverse("wagtailadmin_pages:edit", args=[draft_article.pk])).content.decode()

    assert "Submit to 监管部门审核" in html


def _child_blocks(block, path=()):
    children = getattr(block, "child_blocks", None) or {}
    for name, child in children.items():
        yield (*path, name), child
        yield from _child_blocks(child, (*path, name))


def _stream_blocks():
    for model in get_page_models():
        for field in model._meta.get_fields():
            if isinstance(field, StreamField) and field.model is model:
                for path, block in _child_blocks(field.stream_block):
                    yield f"{model.__name__}.{field.name}.{'.'.join(path)}", block


def test_every_stream_block_has_a_translated_label():
    blocks = list(_stream_blocks())
    assert any(isinstance(b, StructBlock) for _, b in blocks)
    untranslated = []
    for where, block in blocks:
        with translation.override("zh-hans"):
            chinese = str(block.label)
        with translation.override("en"):
            english_label = str(block.label)
        if LATIN_WORD.search(chinese) or chinese == english_label:
            untranslated.append((where, chinese))
    assert untranslated == []


def test_stream_block_labels_read_in_english_in_the_english_admin():
    with translation.override("en"):
        labels = {where: str(block.label) for where, block in _stream_blocks()}

    assert labels["NewsPage.body.heading"] == "Heading"
    assert labels["NewsPage.body.image"] == "Image"
    assert [label for label in labels.values() if re.search(r"[\u4e00-\u9fff]", label)] == []


@pytest.fixture
def related_article(site_tree):
    """A Chinese article about two activities, written against the English pages, and its
    English translation."""
    both = factories.ActivityPageFactory(parent=site_tree.zh.campaign, title="走进食品检测实验室")
    both_en = factories.translate(both, "en", title="Inside a food testing lab")
    english_only = factories.ActivityPageFactory(
        parent=site_tree.en.campaign, title="Consumer advice stand"
    )
    article = factories.NewsPageFactory(parent=site_tree.zh.news, title="开放日活动启动")
    article.related_activities.set([both_en, english_only])
    factories.publish(article)
    article_en = factories.translate(article, "en", title="Open day launched")
    return article, article_en


def test_chinese_article_lists_related_activities_in_chinese_only(client, related_article):
    article, _ = related_article

    html = client.get(article.url).content.decode()

    assert "走进食品检测实验室" in html
    assert "Inside a food testing lab" not in html
    assert "Consumer advice stand" not in html


def test_english_article_lists_related_activities_in_english(client, related_article):
    _, article_en = related_article

    html = client.get(article_en.url).content.decode()

    assert "Inside a food testing lab" in html
    assert "Consumer advice stand" in html
    assert "走进食品检测实验室" not in html
