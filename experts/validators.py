"""Checks of an accredited institution's certificate numbers, with messages that say which
part is wrong so an editor can correct it from the certificate."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# CMA (检验检测机构资质认定) certificate numbers have 12 digits: the year issued (2 digits),
# the issuing authority (2: 00 the national CNCA, 01-31 the provincial regulators in the
# national order, 22 for Chongqing), the professional field (2: 00 food ... 21 other),
# the supervising sector (2: 00-34) and a serial number (4, from 0001).
# Source: the numbering rule as published by the accreditation consultancies, e.g.
# http://zizhicanmou.com/gdch/110210.html and https://www.niuacc.com/wdcma/24056.html
# ("第3-4位为发证机关代码 ... 22重庆").
CMA_NUMBER_LENGTH = 12
CMA_AUTHORITY_NATIONAL = "00"
CMA_AUTHORITY_CHONGQING = "22"
CMA_LAST_AUTHORITY = 31
CMA_LAST_FIELD = 21
CMA_LAST_SECTOR = 34
# CNAS accreditation numbers: "CNAS" then the scheme letters (L testing and calibration
# labs, IB inspection bodies, RM reference material producers, PT proficiency testing
# providers, ...) and four or five digits, e.g. CNAS L1234.
CNAS_NUMBER_RE = re.compile(r"^CNAS [A-Z]{1,2}\d{4,5}$")


def cma_number_validate(value: str) -> None:
    """Raises ``ValidationError`` unless ``value`` has the shape of a CMA certificate number.

    Codes: ``cma_length`` (not 12 digits), ``cma_authority``, ``cma_field``,
    ``cma_sector`` (a two-digit part out of its range), ``cma_serial`` (0000)."""
    if len(value) != CMA_NUMBER_LENGTH or not value.isascii() or not value.isdigit():
        raise ValidationError(
            _(
                "A CMA certificate number has 12 digits and nothing else (no “CMA”, no "
                "spaces), e.g. 232205110123; copy it from the certificate."
            ),
            code="cma_length",
        )
    authority, field, sector, serial = value[2:4], value[4:6], value[6:8], value[8:]
    if int(authority) > CMA_LAST_AUTHORITY:
        raise ValidationError(
            _(
                "Digits 3-4 (“%(part)s”) are the issuing authority: 00 for the national "
                "administration, 22 for Chongqing, at most 31."
            ),
            code="cma_authority",
            params={"part": authority},
        )
    if int(field) > CMA_LAST_FIELD:
        raise ValidationError(
            _("Digits 5-6 (“%(part)s”) are the professional field, from 00 to 21."),
            code="cma_field",
            params={"part": field},
        )
    if int(sector) > CMA_LAST_SECTOR:
        raise ValidationError(
            _("Digits 7-8 (“%(part)s”) are the supervising sector, from 00 to 34."),
            code="cma_sector",
            params={"part": sector},
        )
    if serial == "0000":
        raise ValidationError(
            _("The last four digits are a serial number starting at 0001."),
            code="cma_serial",
        )


def cnas_number_validate(value: str) -> None:
    """Raises ``ValidationError`` (code ``cnas_format``) unless ``value`` looks like
    ``CNAS L1234``."""
    if not CNAS_NUMBER_RE.match(value):
        raise ValidationError(
            _(
                "A CNAS accreditation number is “CNAS”, a space, the scheme letters and "
                "4 or 5 digits, e.g. CNAS L1234."
            ),
            code="cnas_format",
        )
