"""The footer of a government site: ICP number, public-security filing number (linked to
its record) and site identification code, from the site settings."""

from __future__ import annotations

import pytest

from cms.models import SiteSettings
from cms.templatetags.portal_tags import public_security_record_url


@pytest.fixture(autouse=True)
def page_cache_off(settings):
    settings.PAGE_CACHE_SECONDS = 0


@pytest.fixture
def filed(site_tree, django_capture_on_commit_callbacks):
    site_settings = SiteSettings.for_site(site_tree.site)
    site_settings.icp_number = "渝ICP备2026000001号-1"
    site_settings.public_security_number = "渝公网安备 50011302000456号"
    site_settings.site_code = "5001130077"
    with django_capture_on_commit_callbacks(execute=True):
        site_settings.save()
    return site_settings


@pytest.mark.parametrize(
    ("path", "label"), [("/zh-hans/", "网站标识码"), ("/en/", "Site identification code")]
)
def test_footer_shows_the_filing_numbers_and_site_code(client, filed, path, label):
    html = client.get(path, follow=True).content.decode()
    assert '<a href="https://beian.miit.gov.cn/" rel="noopener">渝ICP备2026000001号-1</a>' in html
    assert (
        '<a href="https://beian.mps.gov.cn/#/query/webSearch?code=50011302000456" '
        'rel="noopener">渝公网安备 50011302000456号</a>'
    ) in html
    assert f"{label}: 5001130077" in html


def test_footer_leaves_out_numbers_not_set(client, site_tree):
    html = client.get("/zh-hans/", follow=True).content.decode()
    assert "beian.mps.gov.cn" not in html
    assert "网站标识码" not in html


def test_public_security_record_url_uses_the_digits_only():
    assert public_security_record_url("渝公网安备５００ 50011302000000号") == (
        "https://beian.mps.gov.cn/#/query/webSearch?code=50011302000000"
    )
    assert public_security_record_url("待备案") == ""
