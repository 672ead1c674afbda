"""An open-day activity links the consumer warnings published at it, each shown in the
activity page's language."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


def test_activity_page_shows_its_linked_warning_in_its_own_language(client, site_tree):
    index = factories.ConsumerWarningIndexPageFactory(parent=site_tree.zh.home)
    factories.translate(index, "en", title="Consumer warnings")
    linked = factories.ConsumerWarningPageFactory(
        parent=index, title="电动自行车充电安全提示", risk_level="high"
    )
    factories.translate(linked, "en", title="Charging e-bikes safely")
    other = factories.ConsumerWarningPageFactory(parent=index, title="化妆品选购提示")
    factories.translate(other, "en", title="Buying cosmetics")
    activity = factories.ActivityPageFactory(
        parent=site_tree.zh.campaign, title="消费提示发布会", related_warnings=[linked]
    )
    # The translation keeps pointing at the Chinese warning, as Wagtail copies it.
    activity_en = factories.translate(activity, "en", title="Consumer warnings launch")

    zh_html = client.get(activity.url).content.decode()
    en_html = client.get(activity_en.url).content.decode()

    assert "电动自行车充电安全提示" in zh_html and "化妆品选购提示" not in zh_html
    assert "Charging e-bikes safely" in en_html
    assert "电动自行车充电安全提示" not in en_html
    assert "Buying cosmetics" not in en_html
    assert "Related consumer warnings" in en_html and "High risk" in en_html


def test_activity_page_without_warnings_has_no_warnings_section(client, site_tree):
    activity = factories.ActivityPageFactory(parent=site_tree.zh.campaign)
    activity_en = factories.translate(activity, "en", title="A lab tour")

    assert "activity-warnings-heading" not in client.get(activity_en.url).content.decode()


def test_editor_picks_related_warnings_on_the_activity_form(client, site_tree, editor):
    index = factories.ConsumerWarningIndexPageFactory(parent=site_tree.zh.home)
    factories.ConsumerWarningPageFactory(parent=index, title="电动自行车充电安全提示")
    activity = factories.ActivityPageFactory(parent=site_tree.zh.campaign)
    client.force_login(editor)

    html = client.get(reverse("wagtailadmin_pages:edit", args=[activity.pk])).content.decode()

    assert 'name="related_warnings"' in html
    assert "电动自行车充电安全提示" in html
