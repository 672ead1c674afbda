"""Factories of the supply-demand matching tests."""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from needs.models import Need, Offer
from portal.choices import District, Field
from tests import factories


class NeedFactory(DjangoModelFactory):
    """An open need of a new enterprise, its deadline two weeks ahead."""

    class Meta:
        model = Need

    enterprise = factory.SubFactory(factories.EnterpriseFactory)
    title = factory.Sequence(lambda n: f"制动盘噪声测试{n}")
    field = Field.AUTOMOTIVE
    district = District.BANAN
    description = "新款制动盘台架噪声测试，需出具 CMA 报告。"
    deadline = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=14))
    contact_name = "王经理"
    contact_phone = "+8613800001111"


class OfferFactory(DjangoModelFactory):
    """A waiting offer (pass ``institution`` or ``expert``)."""

    class Meta:
        model = Offer

    need = factory.SubFactory(NeedFactory)
    message = "我院具备制动噪声台架。"
    approach = "按相关行业标准进行台架试验。"
    earliest_start = factory.LazyFunction(timezone.localdate)
