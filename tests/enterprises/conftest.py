"""Helpers of the enterprise tests."""

from __future__ import annotations

import pytest

from enterprises.models import Enterprise
from tests.factories import credit_code_for


def profile(**overrides) -> dict:
    """Keyword arguments of ``enterprise_create`` minus ``user``."""
    data = {
        "name": "重庆两江精密制造有限公司",
        "credit_code": credit_code_for(777),
        "industry": "automotive",
        "district": "yubei",
        "zone": "liangjiang",
        "size": Enterprise.Size.MEDIUM,
        "address": "重庆市渝北区金开大道 100 号",
        "contact_name": "张经理",
        "contact_phone": "138 0013 8000",
    }
    data.update(overrides)
    return data


@pytest.fixture
def password():
    return "correct horse battery staple"
