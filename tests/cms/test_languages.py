"""The Chinese admin and pages speak one language: names stored by migrations, block
labels, Wagtail's own strings and related-page lists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import wagtail
from babel.messages.pofile import read_po
from django.contrib.auth import get_user_model
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


def _wagtail_msgids() -> set[tuple[str | None, str]]:
    """Every (context, msgid) of Wagtail's own Python and template strings."""
    msgids = set()
    for path in Path(wagtail.__file__).parent.glob("**/locale/en/LC_MESSAGES/django.po"):
        with path.open("rb") as handle:
            for message in read_po(handle):
                if message.id:
                    singular = message.id if isinstance(message.id, str) else message.id[0]
                    msgids.add((message.context, singular))
    return msgids


@pytest.fixture
def untranslated_wagtail_strings(monkeypatch):
    """Records the Wagtail strings looked up while the test runs that come back in English.

    ``django.utils.translation`` keeps the functions it hands out on ``_trans``.
    """
    wagtail_msgids = _wagtail_msgids()
    found: set[str] = set()
    trans = translation._trans
    for name, context_first, plural in [
        ("gettext", False, False),
        ("ngettext", False, True),
        ("pgettext", True, False),
        ("npgettext", True, True),
    ]:
        original = getattr(trans, name)  # loads the real function onto ``_trans``

        def looked_up(*args, original=original, context_first=context_first, plural=plural):
            result = original(*args)
            context, strings = (args[0], args[1:]) if context_first else (None, args)
            english = strings[:2] if plural else strings[:1]
            if result in english and (context, strings[0]) in wagtail_msgids:
                found.add(strings[0])
            return result

        monkeypatch.setattr(trans, name, looked_up)
    return found


def test_chinese_admin_screens_show_no_wagtail_string_in_english(
    client, site_tree, untranslated_wagtail_strings
):
    """Wagtail's zh_Hans catalogue lacks its newer strings; the portal's supplies them
    (``portal/vendor_messages.py``)."""
    user = get_user_model().objects.create_superuser(
        username="root", email="root@example.com", password="x"
    )
    client.force_login(user)
    article = factories.NewsPageFactory(parent=site_tree.zh.news)
    news = site_tree.zh.news
    urls = [
        reverse("wagtailadmin_home"),
        reverse("wagtailadmin_explore", args=[site_tree.zh.home.pk]),
        reverse("wagtailadmin_pages:edit", args=[article.pk]),
        reverse("wagtailadmin_pages:add", args=["cms", "newspage", news.pk]),
        reverse("wagtailadmin_pages:history", args=[article.pk]),
        reverse("wagtailadmin_pages:delete", args=[article.pk]),
        reverse("wagtailadmin_pages:search") + "?q=test",
        reverse("wagtailimages:index"),
        reverse("wagtailadmin_account"),
        reverse("wagtailadmin_reports:locked_pages"),
        reverse("wagtailadmin_workflows:index"),
        reverse("wagtaillocales:index"),
    ] + [
        f"/cms-admin/{path}"
        for path in [
            "choose-page/",
            "collections/",
            "collections/add/",
            "workflows/add/",
            "workflows/tasks/index/",
            "workflows/tasks/select_type/",
            "workflows/task_chooser/",
            "reports/workflow/",
            "reports/workflow_tasks/",
            "reports/site-history/",
            "reports/aging-pages/",
            "reports/page-types-usage/",
            "audit-log/",
            "redirects/",
            "redirects/add/",
            "redirects/import/",
            "snippets/experts/expert/",
            "snippets/experts/expert/add/",
            "snippets/choose/experts/expert/",
            "documents/",
            "documents/add/",
            "documents/multiple/add/",
            "images/add/",
            "images/multiple/add/",
            "images/chooser/",
            "documents/chooser/",
            "sites/",
            "sites/new/",
            "users/",
            "users/new/",
            "groups/",
            "groups/new/",
            "locales/new/",
            "open-day/registrations/",
            "open-day/no-show-waivers/",
            "enterprise-services/enterprises/",
            "enterprise-services/consultations/",
            "enterprise-services/lab-visits/",
            "enterprise-services/visit-slots/",
            "reminders/reminders/",
            "reminders/session-notices/",
        ]
    ]
    for url in urls:
        assert client.get(url, follow=True).status_code == 200, url

    assert sorted(untranslated_wagtail_strings) == []


def test_chinese_admin_dashboard_counts_pages_in_chinese(client, site_tree):
    user = get_user_model().objects.create_superuser(
        username="root", email="root@example.com", password="x"
    )
    client.force_login(user)

    html = client.get(reverse("wagtailadmin_home")).content.decode()

    assert "个页面" in html
    assert "搜索全部页面" in html
    assert "created in" not in html
    assert "Search all pages" not in html


def test_english_admin_dashboard_stays_english(client, site_tree, superuser):
    client.force_login(superuser)

    html = client.get(reverse("wagtailadmin_home")).content.decode()

    assert "Search all pages" in html
    assert "个页面" not in html
