"""Regulator staff read needs in the admin's "Enterprise services" menu; nobody else."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from needs.models import Need
from needs.services import offer_accept
from tests import factories
from tests.conftest import english
from tests.needs.factories import NeedFactory, OfferFactory

INDEX = "/cms-admin/enterprise-services/needs/"


@pytest.fixture
def needs(owner_a, institution):
    matched = NeedFactory(enterprise=owner_a.enterprise, title="Brake disc noise")
    offer_accept(offer=OfferFactory(need=matched, institution=institution.page), user=owner_a)
    NeedFactory(enterprise=owner_a.enterprise, title="Shelf life", field="food")
    NeedFactory(
        enterprise=owner_a.enterprise,
        title="Old EMC",
        deadline=timezone.localdate() - datetime.timedelta(days=3),
    )
    return matched


def test_staff_list_needs_with_offer_count_and_match(client, needs, staff, institution):
    client.force_login(english(staff))
    body = client.get(INDEX).content.decode()
    assert "Brake disc noise" in body and "Shelf life" in body
    assert institution.page.title in body  # the accepted responder
    assert "Enterprise services" in client.get("/cms-admin/").content.decode()


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ({"state": "matched"}, "Brake disc noise", "Shelf life"),
        ({"state": "expired"}, "Old EMC", "Shelf life"),
        ({"state": "open"}, "Shelf life", "Old EMC"),
        ({"field": "food"}, "Shelf life", "Brake disc noise"),
    ],
)
def test_staff_filter_needs(client, needs, staff, query, shown, hidden):
    client.force_login(english(staff))
    body = client.get(INDEX, query).content.decode()
    assert shown in body and hidden not in body


def test_staff_inspect_a_need_with_masked_phone(client, needs, staff):
    client.force_login(english(staff))
    body = client.get(f"{INDEX}{needs.pk}/").content.decode()
    assert "Brake disc noise" in body and "+8613800001111" not in body


def test_others_refused(client, needs, owner_a, institution):
    for user in (owner_a, institution.contact, factories.UserFactory(groups=["Check-in staff"])):
        client.force_login(user)
        response = client.get(INDEX)
        assert response.status_code in (302, 403)
    assert Need.objects.count() == 3


def test_statistics_dashboard_counts_needs_by_field_and_district(client, needs, site_tree):
    client.force_login(english(factories.UserFactory(groups=["Regulator approvers"])))
    html = client.get("/cms-admin/statistics/").content.decode()
    assert "Supply-demand matching" in html
    assert "Needs posted: 3; matched: 1; open: 1; expired: 1." in html
    assert "Food safety testing" in html and "Banan District" in html
