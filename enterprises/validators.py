"""Unified social credit code (统一社会信用代码, GB 32100-2015) checks with messages that say
which part of the code is wrong, so a user can correct a typo from the licence."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError

CREDIT_CODE_LENGTH = 18
# GB 32100-2015 uses digits and the capital letters except I, O, S, V and Z.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
NEVER_USED_LETTERS = "IOSVZ"


def credit_code_normalise(value: str) -> str:
    """The code without surrounding blanks, inner spaces or hyphens, in capitals."""
    return re.sub(r"[\s\-]", "", value or "").upper()


def credit_code_validate(value: str) -> str:
    """The normalised code, or a ``ValidationError`` naming the part that is wrong.

    Codes: ``required``, ``length``, ``letter`` (I, O, S, V or Z), ``character`` (anything
    else outside the alphabet), ``prefix`` (first 8 characters must be digits: registration
    authority, entity type and region), ``check`` (wrong 18th character).
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
    try:
        uscc.validate(code)
    except InvalidChecksum:
        raise ValidationError(
            _(
                "The last character should be %(expected)s for this code (check character "
                "of GB 32100-2015), but it is %(given)s. Please check every character "
                "against the business licence."
            ),
            code="check",
            params={"expected": uscc.calc_check_digit(code[:17]), "given": code[-1]},
        ) from None
    except (InvalidFormat, InvalidLength, StdnumError):
        raise ValidationError(
            _(
                "The first 8 characters (registration authority, entity type and region "
                "code) must be digits, e.g. 91500000."
            ),
            code="prefix",
        ) from None
    return code
