"""Fixtures of the lab-visit tests: two institutions (A and B) with a lab each, their
contacts, enterprises and slots."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from inbox.services import user_language_set
from tests import factories


@dataclass
class Institution:
    page: object
    page_en: object
    lab: object
    contact: object
    slot: object


def make_institution(tree, n: int, *, contact_language: str = "zh-hans") -> Institution:
    page = factories.InstitutionPageFactory(
        parent=tree.zh.institutions, title=f"重庆检测院{n}", address=f"重庆市巴南区{n}号"
    )
    page_en = factories.translate(
        page, "en", title=f"Chongqing Testing Institute {n}", address=f"No. {n}, Banan, Chongqing"
    )
    lab = factories.LabFactory(
        institution=page, name=f"汽车实验室{n}", name_en=f"Automotive lab {n}", visit_capacity=8
    )
    contact = factories.InstitutionContactFactory(institution=page).user
    user_language_set(user=contact, language=contact_language)
    slot = factories.VisitSlotFactory(lab=lab, capacity=10)
    return Institution(page=page, page_en=page_en, lab=lab, contact=contact, slot=slot)


@pytest.fixture
def inst_a(site_tree) -> Institution:
    return make_institution(site_tree, 1)


@pytest.fixture
def inst_b(site_tree) -> Institution:
    return make_institution(site_tree, 2, contact_language="en")


@pytest.fixture
def member_a(db):
    user = factories.UserFactory(username="ent_a")
    user.enterprise = factories.EnterpriseFactory(owner=user, name="甲汽车零部件公司")
    return user


@pytest.fixture
def member_b(db):
    user = factories.UserFactory(username="ent_b")
    user.enterprise = factories.EnterpriseFactory(owner=user, name="乙电子公司")
    user_language_set(user=user, language="en")
    return user


@pytest.fixture
def checkin_staff(db):
    return factories.UserFactory(username="door", groups=["Check-in staff"])


def request_visit(user, slot, group_size: int = 3, **kwargs):
    from labvisits.services import lab_visit_request

    fields = {
        "purpose": "了解检测流程",
        "visitor_names": factories.visitor_names_for(group_size),
        "contact_name": "王经理",
        "contact_phone": "+8613800001111",
    }
    fields.update(kwargs)
    return lab_visit_request(
        enterprise=user.enterprise, user=user, slot=slot, group_size=group_size, **fields
    )


def open_door(slot, *, starts_in_minutes: int = 30):
    """Move a slot so that it starts soon: its door check-in is open now."""
    import datetime

    from django.utils import timezone

    starts = timezone.now().replace(microsecond=0) + datetime.timedelta(minutes=starts_in_minutes)
    slot.starts_at, slot.ends_at = starts, starts + datetime.timedelta(hours=2)
    slot.save(update_fields=["starts_at", "ends_at"])
    return slot
