"""Credit code checks: each kind of mistake gets its own message."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from stdnum.cn import uscc

from enterprises.validators import credit_code_normalise, credit_code_validate
from tests.factories import credit_code_for


def with_check(base: str) -> str:
    return base + uscc.calc_check_digit(base)


# Codes in the real format: 9 (market regulator) 1 (company) 500000 (Chongqing) + org code.
REAL_FORMAT = [
    "91110000600037341L",  # the example of python-stdnum's documentation
    with_check("91500000MA5U7Y6K3"),
    with_check("91500113MA60A1B2C"),
    with_check("52500000123456789"),
]


@pytest.mark.parametrize("code", [credit_code_for(n) for n in (0, 1, 42, 99999)] + REAL_FORMAT)
def test_valid_codes_pass_unchanged(code):
    assert credit_code_validate(code) == code


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("91110000600037341l", "91110000600037341L"),
        ("  91110000600037341L  ", "91110000600037341L"),
        ("9111 0000 6000 3734 1L", "91110000600037341L"),
        ("91110000-600037341-L", "91110000600037341L"),
        ("9111\u30000000600037341L", "91110000600037341L"),  # ideographic space
    ],
)
def test_lower_case_spaces_and_hyphens_are_normalised(typed, expected):
    assert credit_code_normalise(typed) == expected
    assert credit_code_validate(typed) == expected


def error_of(value: str) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        credit_code_validate(value)
    return info.value


@pytest.mark.parametrize(
    ("value", "code", "says"),
    [
        ("", "required", "Enter"),
        ("91110000600037341", "length", "you entered 17"),
        ("91110000600037341LL", "length", "you entered 19"),
        ("9111000060003734", "length", "you entered 16"),
        ("91110000600037341X", "check", "should be L"),
        ("91110000600037342L", "check", "should be"),
        ("9111000060003734IL", "letter", "Character 17 is the letter “I”"),
        ("91110000O00037341L", "letter", "Character 9 is the letter “O”"),
        ("91110000600037S41L", "letter", "“S”"),
        ("9111000060003V341L", "letter", "“V”"),
        ("911100006000Z7341L", "letter", "“Z”"),
        ("91110000600037341*", "character", "Character 18"),
        ("A1110000600037341L", "check", "should be"),  # A1 exists: only the check is wrong
        ("B1110000600037341L", "authority", "first character"),
        ("0111000060003734XL", "authority", "first character"),
        ("9411000060003734XL", "kind", "second character"),
        ("Y2110000600037341L", "kind", "may be 1"),
        ("9111000A600037341L", "region", "Characters 3 to 8"),
    ],
)
def test_each_mistake_names_what_is_wrong(value, code, says):
    with translation.override("en"):
        error = error_of(value)
        assert error.code == code
        assert says in error.messages[0]


def test_wrong_check_character_names_the_given_one():
    with translation.override("en"):
        message = error_of("91110000600037341X").messages[0]
    assert "should be L" in message
    assert "but it is X" in message
    assert "GB 32100-2015" in message


def test_length_message_keeps_the_count_in_both_languages():
    with translation.override("zh-hans"):
        zh = error_of("91110000600037341").messages[0]
    with translation.override("en"):
        en = error_of("91110000600037341").messages[0]
    assert "17" in zh and "17" in en


# One code per registration authority of GB 32100-2015 and each kind it registers: a
# public institution (12), a social organisation (51), a company (91), a military unit (A1),
# a village collective (N2), "other" (Y1) ... all registered in Banan District (500113).
OTHER_AUTHORITIES = [
    kind_code
    for authority, kinds in {
        "1": "1239",
        "2": "19",
        "3": "123459",
        "4": "19",
        "5": "1239",
        "6": "129",
        "7": "129",
        "8": "19",
        "9": "123",
        "A": "19",
        "N": "1239",
        "Y": "1",
    }.items()
    for kind_code in (authority + kind for kind in kinds)
]


@pytest.mark.parametrize("prefix", OTHER_AUTHORITIES)
def test_codes_of_every_registration_authority_are_accepted(prefix):
    code = with_check(f"{prefix}500113MA60A1B2C")
    assert credit_code_validate(code) == code


@pytest.mark.parametrize("first", ["1", "5", "9", "A", "N", "Y"])
def test_python_stdnum_alone_would_refuse_letters_first_but_we_accept_them(first):
    code = with_check(f"{first}1500000123456789")
    assert credit_code_validate(code) == code
    if not first.isdigit():
        assert not uscc.is_valid(code)  # why the validator no longer relies on it


@pytest.mark.parametrize(
    ("language", "says"),
    [("en", "names no registration authority"), ("zh-hans", "登记管理部门")],
)
def test_a_wrong_authority_is_explained_in_both_languages(language, says):
    with translation.override(language):
        error = error_of(with_check("B1500113MA60A1B2C"))
    assert error.code == "authority"
    assert says in error.messages[0]
