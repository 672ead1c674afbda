"""The region's vocabularies: Chongqing's 38 districts and counties with their division
codes, the functional zones beside them, the plan's fields, and the district read from a
credit code."""

from __future__ import annotations

import pytest
from django.utils import translation
from stdnum.cn import uscc

from portal.choices import (
    DISTRICT_CODES,
    FORMER_DISTRICT_CODES,
    District,
    Field,
    Zone,
    area_choices,
    area_filter,
    district_for_region_code,
    district_from_credit_code,
)


def test_every_district_level_unit_of_chongqing_is_a_choice():
    assert len(District.values) == 38
    with translation.override("en"):
        labels = [str(label) for label in District.labels]
    assert sum(label.endswith(" District") for label in labels) == 26
    assert sum(label.endswith("Autonomous County") for label in labels) == 4
    assert sum(label.endswith(" County") and "Autonomous" not in label for label in labels) == 8


def test_every_district_has_one_division_code_of_its_kind():
    assert sorted(DISTRICT_CODES.values()) == sorted(District.values)
    for code, district in DISTRICT_CODES.items():
        with translation.override("en"):
            label = str(District(district).label)
        assert code.startswith("5001" if label.endswith(" District") else "5002"), code


@pytest.mark.parametrize(
    ("code", "district", "chinese"),
    [
        ("500113", District.BANAN, "巴南区"),
        ("500103", District.YUZHONG, "渝中区"),
        ("500156", District.WULONG, "武隆区"),
        ("500233", District.ZHONGXIAN, "忠县"),
        ("500243", District.PENGSHUI, "彭水苗族土家族自治县"),
    ],
)
def test_division_codes_name_the_district_in_both_languages(code, district, chinese):
    assert district_for_region_code(code) == district
    with translation.override("zh-hans"):
        assert str(District(district).label) == chinese


def test_values_stored_before_the_list_was_completed_are_unchanged():
    kept = {"yuzhong", "jiangbei", "nanan", "jiulongpo", "shapingba", "dadukou", "beibei"}
    assert kept | {"yubei", "banan"} <= set(District.values)


def test_functional_zones_are_no_longer_districts():
    assert {"liangjiang", "gaoxin", "jingkai"} <= set(Zone.values)
    assert not set(Zone.values) & set(District.values)


def with_check(base: str) -> str:
    return base + uscc.calc_check_digit(base)


@pytest.mark.parametrize(
    ("credit_code", "district"),
    [
        (with_check("91500113MA60A1B2C"), District.BANAN),
        (with_check("12500106450412345"), District.SHAPINGBA),  # a public institution
        (with_check("52500240MJP012345"), District.SHIZHU),  # a civil organisation
        (with_check("N2500243MF0012345"), District.PENGSHUI),  # a village collective
        ("9150 0113-MA60A1B2CX", District.BANAN),  # typed with blanks and hyphens
        (with_check("91500234MA5U00001"), District.KAIZHOU),  # 开县, before 2016
        (with_check("91500383MA5U00001"), District.YONGCHUAN),  # 永川市, before 2006
    ],
)
def test_district_is_read_from_the_credit_codes_region(credit_code, district):
    assert district_from_credit_code(credit_code) == district


@pytest.mark.parametrize(
    "credit_code",
    [
        with_check("91500000MA5U7Y6K3"),  # issued at city level: no district
        with_check("91500100MA5U7Y6K3"),
        "91110000600037341L",  # Beijing
        "9150011",  # too short
        "",
    ],
)
def test_no_district_when_the_code_names_none_in_chongqing(credit_code):
    assert district_from_credit_code(credit_code) == ""


def test_former_codes_point_at_current_districts():
    assert set(FORMER_DISTRICT_CODES.values()) <= set(District.values)
    assert not set(FORMER_DISTRICT_CODES) & set(DISTRICT_CODES)


def test_an_area_is_a_district_or_a_zone():
    assert area_filter("banan") == {"district": "banan"}
    assert area_filter("liangjiang", prefix="enterprise__") == {"enterprise__zone": "liangjiang"}
    assert area_filter("atlantis") == {}
    groups = dict(area_choices())
    assert sum(len(options) for options in groups.values()) == 38 + len(Zone.values)


def test_fields_are_the_plans_seventeen_in_simplified_chinese():
    assert len(Field.values) == 17
    with translation.override("zh-hans"):
        labels = [str(label) for label in Field.labels]
    assert labels[0] == "汽车（摩托车）检验检测"
    assert "计量检定、校准、测试" in labels
    assert "司法与刑事技术鉴定" in labels
    assert "特种设备安全检验检测" in labels
    # The codes stored before stay, so no institution or expert loses a field.
    old = {"automotive", "electronics", "materials", "food", "environment", "medical"}
    assert old | {"engineering", "equipment", "energy", "consumer"} <= set(Field.values)
