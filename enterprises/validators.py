"""Unified social credit code (统一社会信用代码, GB 32100-2015) checks with messages that say
which part of the code is wrong, so a user can correct a typo from the licence."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.cn import uscc

CREDIT_CODE_LENGTH = 18
# GB 32100-2015 uses digits and the capital letters except I, O, S, V and Z.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
NEVER_USED_LETTERS = "IOSVZ"

# GB 32100-2015, appendix A: the registration authority (character 1) and the kinds of
# organisation (character 2) it registers. Market regulators (9) register companies (1),
# sole traders (2) and farmers' cooperatives (3); the other authorities register public
# institutions, associations, law firms, village collectives and so on, and their codes
# are as valid here (a testing institution is often a public institution, "12...").
# python-stdnum's ``cn.uscc`` wants 8 digits first and so refuses A and N codes: the
# characters are checked here and stdnum only computes the check character.
AUTHORITY_KINDS: dict[str, str] = {
    "1": "1239",  # 机构编制: 机关, 事业单位, 群众团体, 其他
    "2": "19",  # 外交: 外国常驻新闻机构, 其他
    "3": "123459",  # 司法行政: 律师事务所, 公证处, 基层法律服务所, 司法鉴定机构, 仲裁委员会, 其他
    "4": "19",  # 文化: 外国在华文化中心, 其他
    "5": "1239",  # 民政: 社会团体, 民办非企业单位, 基金会, 其他
    "6": "129",  # 旅游: 外国/港澳台旅游部门常驻代表机构, 其他
    "7": "129",  # 宗教: 宗教活动场所, 宗教院校, 其他
    "8": "19",  # 工会: 基层工会, 其他
    "9": "123",  # 工商 (市场监管): 企业, 个体工商户, 农民专业合作社
    "A": "19",  # 中央军委改革和编制办公室: 军队事业单位, 其他
    "N": "1239",  # 农业: 组级, 村级, 乡镇级集体经济组织, 其他
    "Y": "1",  # 其他
}


def credit_code_normalise(value: str) -> str:
    """The code without surrounding blanks, inner spaces or hyphens, in capitals."""
    return re.sub(r"[\s\-]", "", value or "").upper()


def credit_code_validate(value: str) -> str:
    """The normalised code, or a ``ValidationError`` naming the part that is wrong.

    Codes: ``required``, ``length``, ``letter`` (I, O, S, V or Z), ``character`` (anything
    else outside the alphabet), ``authority`` (first character), ``kind`` (second
    character not one the authority registers), ``region`` (characters 3-8 not digits),
    ``check`` (wrong 18th character).
    """
    code = credit_code_normalise(value)
    if not code:
        raise ValidationError(_("Enter the unified social credit code."), code="required")
    if len(code) != CREDIT_CODE_LENGTH:
        raise ValidationError(
            _(
                "A unified social credit code has 18 characters; you entered %(count)d. "
                "Copy it from the business licence."
            ),
            code="length",
            params={"count": len(code)},
        )
    for position, char in enumerate(code, start=1):
        if char in CREDIT_CODE_ALPHABET:
            continue
        if char in NEVER_USED_LETTERS:
            raise ValidationError(
                _(
                    "Character %(position)d is the letter “%(char)s”, which credit codes "
                    "never use (I, O, S, V and Z are left out). Did you mean a digit, such "
                    "as 1, 0, 5 or 2?"
                ),
                code="letter",
                params={"position": position, "char": char},
            )
        raise ValidationError(
            _(
                "Character %(position)d (“%(char)s”) is not allowed: a credit code has only "
                "digits and capital letters."
            ),
            code="character",
            params={"position": position, "char": char},
        )
    authority, kind, region = code[0], code[1], code[2:8]
    if authority not in AUTHORITY_KINDS:
        raise ValidationError(
            _(
                "The first character (“%(char)s”) names no registration authority: it is "
                "1-9, A, N or Y (9 for companies registered with market regulation)."
            ),
            code="authority",
            params={"char": authority},
        )
    if kind not in AUTHORITY_KINDS[authority]:
        raise ValidationError(
            _(
                "The second character (“%(char)s”) is not a kind of organisation that "
                "authority %(authority)s registers; it may be %(allowed)s."
            ),
            code="kind",
            params={
                "char": kind,
                "authority": authority,
                "allowed": ", ".join(AUTHORITY_KINDS[authority]),
            },
        )
    if not region.isdigit():
        raise ValidationError(
            _(
                "Characters 3 to 8 are the region code of the registration authority and "
                "are digits only, e.g. 500113 for Banan District."
            ),
            code="region",
        )
    expected = uscc.calc_check_digit(code[:17])
    if code[-1] != expected:
        raise ValidationError(
            _(
                "The last character should be %(expected)s for this code (check character "
                "of GB 32100-2015), but it is %(given)s. Please check every character "
                "against the business licence."
            ),
            code="check",
            params={"expected": expected, "given": code[-1]},
        )
    return code
