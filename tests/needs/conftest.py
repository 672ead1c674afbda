"""Fixtures of the supply-demand matching tests: enterprise A (owner and a member), enterprise
B, an institution with its contact, an expert with an account, and regulator staff."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from enterprises.models import Membership
from inbox.services import user_language_set
from tests import factories


@dataclass
class Institution:
    page: object
    page_en: object
    contact: object


@pytest.fixture
def institution(site_tree) -> Institution:
    page = factories.InstitutionPageFactory(
        parent=site_tree.zh.institutions, title="重庆汽车检测中心", address="重庆市巴南区1号"
    )
    page_en = factories.translate(page, "en", title="Chongqing Vehicle Testing Centre")
    contact = factories.InstitutionContactFactory(institution=page).user
    return Institution(page=page, page_en=page_en, contact=contact)


@pytest.fixture
def expert_user(db):
    user = factories.UserFactory(username="expert-lin", groups=["Experts"])
    user.expert_profile = factories.ExpertFactory(
        name="林春景", name_en="Lin Chunjing", fields=("automotive",), user=user
    )
    return user


@pytest.fixture
def owner_a(db):
    user = factories.UserFactory(username="ent_a")
    user.enterprise = factories.EnterpriseFactory(owner=user, name="甲汽车零部件公司")
    return user


@pytest.fixture
def member_a(owner_a):
    """A second approved member of enterprise A, who writes in English."""
    user = factories.UserFactory(username="ent_a2")
    Membership.objects.create(
        enterprise=owner_a.enterprise,
        user=user,
        role=Membership.Role.MEMBER,
        status=Membership.Status.APPROVED,
    )
    user_language_set(user=user, language="en")
    user.enterprise = owner_a.enterprise
    return user


@pytest.fixture
def owner_b(db):
    user = factories.UserFactory(username="ent_b")
    user.enterprise = factories.EnterpriseFactory(owner=user, name="乙电子公司")
    return user


@pytest.fixture
def staff(db):
    return factories.UserFactory(username="regulator", groups=["Regulator editors"])
