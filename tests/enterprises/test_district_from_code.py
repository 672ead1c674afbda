"""Registering an enterprise takes its district from the credit code's region code unless
the person chooses one; a code from outside Chongqing asks for the district."""

from __future__ import annotations

import pytest
from stdnum.cn import uscc

from enterprises.models import Enterprise
from enterprises.services import EnterpriseError, enterprise_create
from tests.enterprises.conftest import profile
from tests.enterprises.test_views import LANGUAGES, url
from tests.factories import UserFactory


def with_check(base: str) -> str:
    return base + uscc.calc_check_digit(base)


pytestmark = pytest.mark.django_db

BANAN_CODE = with_check("91500113MA60A1B2C")  # 500113: 巴南区
CITY_CODE = with_check("91500000MA60A1B2C")  # issued at city level: no district
INSTITUTION_CODE = with_check("12500106450412345")  # a public institution in Shapingba


@pytest.mark.parametrize("language", LANGUAGES)
def test_district_left_empty_is_read_from_the_credit_code(client, language):
    client.force_login(UserFactory())
    response = client.post(
        url("create", language), profile(credit_code=BANAN_CODE, district="", zone="")
    )
    assert response.status_code == 302
    enterprise = Enterprise.objects.get(credit_code=BANAN_CODE)
    assert enterprise.district == "banan"
    assert enterprise.zone == ""


def test_a_chosen_district_wins_over_the_code(client):
    client.force_login(UserFactory())
    client.post(url("create", "en"), profile(credit_code=BANAN_CODE, district="jiangbei"))
    assert Enterprise.objects.get(credit_code=BANAN_CODE).district == "jiangbei"


def test_a_public_institutions_code_registers_too(db):
    enterprise = enterprise_create(
        user=UserFactory(), **profile(credit_code=INSTITUTION_CODE, district="")
    )
    assert enterprise.district == "shapingba"


@pytest.mark.parametrize(
    ("language", "says"),
    [("en", "not issued in a district of Chongqing"), ("zh-hans", "请选择企业所在区县")],
)
def test_a_code_naming_no_district_asks_for_one(client, language, says):
    client.force_login(UserFactory())
    response = client.post(url("create", language), profile(credit_code=CITY_CODE, district=""))
    assert response.status_code == 400
    assert says in response.content.decode()
    assert not Enterprise.objects.exists()


def test_the_service_refuses_without_a_district_with_its_code(db):
    with pytest.raises(EnterpriseError) as info:
        enterprise_create(user=UserFactory(), **profile(credit_code=CITY_CODE, district=""))
    assert info.value.code == "district_required"


def test_the_form_opened_with_a_code_preselects_its_district(client):
    client.force_login(UserFactory())
    html = client.get(url("create", "en"), {"credit_code": BANAN_CODE}).content.decode()
    assert '<option value="banan" selected>' in html
