"""An institution's CMA certificate (number of the real shape, dates, status, scope) and
CNAS accreditation: checked when edited, shown on its page in both languages, and
filterable on the public list with district, functional zone and field."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from experts.models import CmaStatus
from experts.validators import cma_number_validate, cnas_number_validate
from portal.models import SectorField
from tests import factories

TODAY = timezone.localdate()
YEAR = datetime.timedelta(days=365)


@pytest.mark.parametrize("number", ["232205110123", "002200000001", "193121340001"])
def test_cma_numbers_of_the_real_shape_pass(number):
    cma_number_validate(number)


@pytest.mark.parametrize(
    ("number", "code", "says"),
    [
        ("CMA 232205110123", "cma_length", "12 digits"),
        ("23220511012", "cma_length", "12 digits"),
        ("2322051101234", "cma_length", "12 digits"),
        ("２３２２０５１１０１２３", "cma_length", "12 digits"),  # full-width digits
        ("233205110123", "cma_authority", "22 for Chongqing"),
        ("232222110123", "cma_field", "00 to 21"),
        ("232205350123", "cma_sector", "00 to 34"),
        ("232205110000", "cma_serial", "0001"),
    ],
)
def test_cma_number_mistakes_say_which_part_is_wrong(number, code, says):
    with translation.override("en"), pytest.raises(ValidationError) as info:
        cma_number_validate(number)
    assert info.value.code == code
    assert says in info.value.messages[0]


def test_cma_number_message_in_chinese():
    with translation.override("zh-hans"), pytest.raises(ValidationError) as info:
        cma_number_validate("233205110123")
    assert "重庆为 22" in info.value.messages[0]


@pytest.mark.parametrize("number", ["CNAS L1234", "CNAS L12345", "CNAS IB0123"])
def test_cnas_numbers_pass(number):
    cnas_number_validate(number)


@pytest.mark.parametrize("number", ["L1234", "CNAS1234", "cnas l1234", "CNAS L12"])
def test_malformed_cnas_numbers_are_refused(number):
    with pytest.raises(ValidationError):
        cnas_number_validate(number)


@pytest.mark.django_db
def test_an_edit_with_a_bad_number_or_dates_is_refused(site_tree):
    page = factories.InstitutionPageFactory(parent=site_tree.zh.institutions)
    page.accreditation_number = "CMA 2022123"
    page.cma_issued_on, page.cma_expires_on = TODAY, TODAY - YEAR
    page.cnas_number = "CNAS L1234"
    with pytest.raises(ValidationError) as info:
        page.full_clean()
    assert {"accreditation_number", "cma_expires_on", "cnas_accredited"} <= set(
        info.value.message_dict
    )


@pytest.mark.django_db
def test_the_admin_edit_form_has_the_accreditation_fields(client, superuser, site_tree):
    page = factories.InstitutionPageFactory(parent=site_tree.zh.institutions)
    client.force_login(superuser)
    response = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("cma_issued_on", "cma_expires_on", "cma_status", "cma_scope", "cnas_number"):
        assert f'name="{name}"' in html
    assert 'name="zone"' in html


def test_a_valid_certificate_past_its_date_is_expired():
    page = factories.InstitutionPageFactory.build(
        cma_status=CmaStatus.VALID, cma_expires_on=TODAY - datetime.timedelta(days=1)
    )
    assert page.cma_state() == CmaStatus.EXPIRED
    assert page.cma_state(today=TODAY - YEAR) == CmaStatus.VALID
    page.cma_status = CmaStatus.SUSPENDED
    assert page.cma_state() == CmaStatus.SUSPENDED


@pytest.fixture
def institutions(site_tree):
    """Four institutions in both languages: valid+CNAS in Banan, suspended in Yubei /
    Liangjiang, expired in Shapingba / High-tech Zone, valid without CNAS in Jiangbei."""
    zh, en = site_tree.zh, site_tree.en
    automotive = SectorField.objects.get(code="automotive")
    metrology = SectorField.objects.get(code="metrology")
    specs = [
        (
            "甲汽车检测中心",
            "Alpha Vehicle Lab",
            "banan",
            "",
            CmaStatus.VALID,
            TODAY + YEAR,
            "CNAS L1234",
            automotive,
        ),
        (
            "乙电子检测院",
            "Beta Electronics",
            "yubei",
            "liangjiang",
            CmaStatus.SUSPENDED,
            TODAY + YEAR,
            "CNAS L2345",
            automotive,
        ),
        (
            "丙材料中心",
            "Gamma Materials",
            "shapingba",
            "gaoxin",
            CmaStatus.VALID,
            TODAY - datetime.timedelta(days=2),
            "",
            metrology,
        ),
        ("丁计量所", "Delta Metrology", "jiangbei", "", CmaStatus.VALID, None, "", metrology),
    ]
    pages = {}
    for title, title_en, district, zone, status, expires, cnas, field in specs:
        page = factories.InstitutionPageFactory(
            parent=zh.institutions,
            title=title,
            district=district,
            zone=zone,
            cma_status=status,
            cma_issued_on=TODAY - 5 * YEAR,
            cma_expires_on=expires,
            cnas_accredited=bool(cnas),
            cnas_number=cnas,
            cma_scope="整车排放检测",
        )
        page.fields.set([field])
        page.save()
        factories.translate(page, "en", title=title_en, cma_scope="Vehicle emission tests")
        pages[title_en] = page
    return {"zh": zh.institutions.url, "en": en.institutions.url}


def listed(client, url: str, **query) -> set[str]:
    html = client.get(url, query).content.decode()
    names = {"甲汽车检测中心", "乙电子检测院", "丙材料中心", "丁计量所"}
    names |= {"Alpha Vehicle Lab", "Beta Electronics", "Gamma Materials", "Delta Metrology"}
    return {name for name in names if f">{name}</a>" in html}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected_zh", "expected_en"),
    [
        ({}, {"甲汽车检测中心", "乙电子检测院", "丙材料中心", "丁计量所"}, None),
        (
            {"cnas": "1"},
            {"甲汽车检测中心", "乙电子检测院"},
            {"Alpha Vehicle Lab", "Beta Electronics"},
        ),
        (
            {"status": "valid"},
            {"甲汽车检测中心", "丁计量所"},
            {"Alpha Vehicle Lab", "Delta Metrology"},
        ),
        (
            {"field": "metrology"},
            {"丙材料中心", "丁计量所"},
            {"Gamma Materials", "Delta Metrology"},
        ),
        ({"district": "yubei"}, {"乙电子检测院"}, {"Beta Electronics"}),
        ({"district": "liangjiang"}, {"乙电子检测院"}, {"Beta Electronics"}),  # a zone
        ({"district": "gaoxin", "status": "valid"}, set(), set()),
        (
            {"cnas": "1", "status": "valid", "field": "automotive", "district": "banan"},
            {"甲汽车检测中心"},
            {"Alpha Vehicle Lab"},
        ),
    ],
)
def test_the_public_list_filters_in_both_languages(
    client, institutions, query, expected_zh, expected_en
):
    assert listed(client, institutions["zh"], **query) == expected_zh
    if expected_en is None:
        expected_en = {
            "Alpha Vehicle Lab",
            "Beta Electronics",
            "Gamma Materials",
            "Delta Metrology",
        }
    assert listed(client, institutions["en"], **query) == expected_en


@pytest.mark.django_db
def test_the_list_offers_districts_and_zones_and_the_new_filters(client, institutions):
    html = client.get(institutions["en"]).content.decode()
    assert '<optgroup label="Functional zones">' in html
    assert '<option value="liangjiang">Liangjiang New Area</option>' in html
    assert '<option value="pengshui">Pengshui Miao and Tujia Autonomous County</option>' in html
    assert 'name="cnas"' in html and 'name="status"' in html
    zh = client.get(institutions["zh"], {"cnas": "1"}).content.decode()
    assert '<optgroup label="功能区">' in zh
    assert "仅显示通过 CNAS 认可的机构" in zh
    assert 'id="filter-cnas" name="cnas" value="1" checked' in zh


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "zh",
            [
                "资质认定",
                "CMA 资质认定证书",
                "重庆市市场监督管理局",
                "已过期",
                "有效期至",
                "整车排放检测",
                "西部科学城重庆高新区",
                "未认可",
            ],
        ),
        (
            "en",
            [
                "Accreditation",
                "CMA certificate",
                "Chongqing Administration for Market Regulation",
                "Expired",
                "valid until",
                "Vehicle emission tests",
                "Western Science City Chongqing High-tech Zone",
                "Not accredited",
            ],
        ),
    ],
)
def test_the_institution_page_shows_its_accreditation(client, institutions, language, words):
    from experts.models import InstitutionPage

    page = InstitutionPage.objects.get(
        title__in=["丙材料中心", "Gamma Materials"],
        locale__language_code={"zh": "zh-hans", "en": "en"}[language],
    )
    html = client.get(page.url).content.decode()
    for word in words:
        assert word in html, word
