"""Institution pages describe every host of open-day activities (``HostKind``): only an
accredited testing institution needs, and shows, a CMA certificate; the public list filters
by kind in both languages; an activity says who runs it and what kind of host that is."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from wagtail.models import Locale

from experts.models import HostKind, InstitutionPage
from tests import factories

pytestmark = pytest.mark.django_db


def test_an_accredited_institution_needs_its_cma_number(site_tree):
    page = factories.InstitutionPageFactory(parent=site_tree.zh.institutions)
    page.accreditation_number = ""
    with pytest.raises(ValidationError) as info:
        page.full_clean()
    assert "accreditation_number" in info.value.message_dict


def test_other_hosts_need_no_cma_details(site_tree):
    page = factories.InstitutionPageFactory(
        parent=site_tree.zh.institutions,
        kind=HostKind.ENTERPRISE_RD,
        accreditation_number="",
        title="宗申技术研究中心",
    )
    page.full_clean()  # no CMA number, dates or scope: nothing to complain about


def test_a_cma_number_on_another_kind_of_host_is_refused(site_tree):
    page = factories.InstitutionPageFactory(
        parent=site_tree.zh.institutions, kind=HostKind.UNIVERSITY, accreditation_number=""
    )
    page.accreditation_number = "232205110123"
    with pytest.raises(ValidationError) as info:
        page.full_clean()
    assert "accreditation_number" in info.value.message_dict


def test_the_database_keeps_the_number_and_the_kind_together(site_tree):
    page = factories.InstitutionPageFactory(parent=site_tree.zh.institutions)
    with transaction.atomic(), pytest.raises(IntegrityError):
        InstitutionPage.objects.filter(pk=page.pk).update(accreditation_number="")
    with transaction.atomic(), pytest.raises(IntegrityError):
        InstitutionPage.objects.filter(pk=page.pk).update(kind=HostKind.TRAINING_BASE)


def test_the_cma_number_is_still_checked_for_accredited_ones(site_tree):
    page = factories.InstitutionPageFactory(parent=site_tree.zh.institutions)
    page.accreditation_number = "CMA 2322"
    with pytest.raises(ValidationError) as info:
        page.full_clean()
    assert "accreditation_number" in info.value.message_dict


@pytest.fixture
def hosts(site_tree):
    accredited = factories.InstitutionPageFactory(
        parent=site_tree.zh.institutions, title="甲检测院", cma_scope="整车排放检测"
    )
    factories.translate(accredited, "en", title="Alpha Testing Institute")
    rd = factories.InstitutionPageFactory(
        parent=site_tree.zh.institutions,
        title="乙研究中心",
        kind=HostKind.ENTERPRISE_RD,
        accreditation_number="",
    )
    factories.translate(rd, "en", title="Beta Research Centre")
    base = factories.InstitutionPageFactory(
        parent=site_tree.zh.institutions,
        title="丙实训基地",
        kind=HostKind.TRAINING_BASE,
        accreditation_number="",
    )
    factories.translate(base, "en", title="Gamma Training Base")
    return {"accredited": accredited, "rd": rd, "base": base}


def _listed(client, url, **query) -> set[str]:
    html = client.get(url, query).content.decode()
    names = {"甲检测院", "乙研究中心", "丙实训基地"}
    names |= {"Alpha Testing Institute", "Beta Research Centre", "Gamma Training Base"}
    return {name for name in names if f">{name}</a>" in html}


@pytest.mark.parametrize(
    ("language", "kind", "expected"),
    [
        ("zh", "", {"甲检测院", "乙研究中心", "丙实训基地"}),
        ("zh", "enterprise_rd", {"乙研究中心"}),
        ("zh", "accredited", {"甲检测院"}),
        ("en", "training_base", {"Gamma Training Base"}),
        ("en", "accredited", {"Alpha Testing Institute"}),
        (
            "en",
            "no-such-kind",
            {"Alpha Testing Institute", "Beta Research Centre", "Gamma Training Base"},
        ),
    ],
)
def test_the_public_list_filters_by_kind_of_host(
    client, site_tree, hosts, language, kind, expected
):
    url = getattr(site_tree, language).institutions.url
    assert _listed(client, url, kind=kind) == expected


def test_the_list_offers_the_kinds_in_both_languages(client, site_tree, hosts):
    zh = client.get(site_tree.zh.institutions.url).content.decode()
    en = client.get(site_tree.en.institutions.url).content.decode()
    assert '<label for="filter-kind">' in zh and '<label for="filter-kind">' in en
    assert "企业研发中心" in zh and "Enterprise R&amp;D centre" in en


def test_valid_certificate_filter_keeps_only_accredited_institutions(client, site_tree, hosts):
    assert _listed(client, site_tree.en.institutions.url, status="valid") == {
        "Alpha Testing Institute"
    }


def test_an_institution_page_shows_its_kind_and_cma_only_when_accredited(client, hosts):
    rd_en = hosts["rd"].get_translation(Locale.objects.get(language_code="en"))
    rd_html = client.get(hosts["rd"].url).content.decode()
    assert "企业研发中心" in rd_html
    assert 'id="institution-accreditation-heading"' not in rd_html
    assert 'class="institution__accreditation"' not in rd_html
    assert "Enterprise R&amp;D centre" in client.get(rd_en.url).content.decode()
    accredited_html = client.get(hosts["accredited"].url).content.decode()
    assert "检验检测机构" in accredited_html
    assert 'id="institution-accreditation-heading"' in accredited_html


def test_an_activity_page_says_who_runs_it_and_what_kind_of_host(client, site_tree, hosts):
    activity = factories.ActivityPageFactory(
        parent=site_tree.zh.campaign, institution=hosts["base"]
    )
    activity_en = factories.translate(activity, "en", title="Training base open day")
    en = client.get(activity_en.url).content.decode()
    assert "Run by" in en and "Gamma Training Base" in en and "(Training base)" in en
    zh = client.get(activity.url).content.decode()
    assert "丙实训基地" in zh and "实训基地" in zh
