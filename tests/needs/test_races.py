"""Races the need's row lock settles: two members accepting different offers at once, and
contacts of one institution offering at once."""

from __future__ import annotations

from enterprises.models import Membership
from needs.exceptions import NeedError
from needs.models import Need, Offer
from needs.selectors import Responder
from needs.services import offer_accept, offer_make
from tests import factories
from tests.concurrency import run_at_once
from tests.needs.factories import NeedFactory, OfferFactory


def test_two_members_accepting_different_offers_at_once_match_one(transactional_site_tree):
    tree = transactional_site_tree
    owner = factories.UserFactory(username="race-owner")
    enterprise = factories.EnterpriseFactory(owner=owner)
    member = factories.UserFactory(username="race-member")
    Membership.objects.create(enterprise=enterprise, user=member, status=Membership.Status.APPROVED)
    need = NeedFactory(enterprise=enterprise)
    offers = [
        OfferFactory(
            need=need, institution=factories.InstitutionPageFactory(parent=tree.zh.institutions)
        )
        for _ in range(2)
    ]

    outcomes, errors = run_at_once(
        [
            lambda: offer_accept(offer=offers[0], user=owner).state,
            lambda: offer_accept(offer=offers[1], user=member).state,
        ],
        expected=NeedError,
    )

    assert errors == []
    assert sorted(outcomes) == ["accepted", "not_open"]
    assert Offer.objects.filter(state=Offer.State.ACCEPTED).count() == 1
    assert Offer.objects.filter(state=Offer.State.NOT_CHOSEN).count() == 1
    assert Need.objects.get().state == Need.State.MATCHED


def test_contacts_of_one_institution_offering_at_once_make_one_offer(transactional_site_tree):
    page = factories.InstitutionPageFactory(parent=transactional_site_tree.zh.institutions)
    contacts = [factories.InstitutionContactFactory(institution=page).user for _ in range(3)]
    need = NeedFactory()

    def attempt(user):
        return lambda: (
            offer_make(
                need=need,
                user=user,
                responder=Responder(institution=page),
                message="m",
                approach="a",
                earliest_start=need.deadline,
            ).state
        )

    outcomes, errors = run_at_once([attempt(u) for u in contacts], expected=NeedError)

    assert errors == []
    assert sorted(outcomes) == ["already_offered", "already_offered", "pending"]
    assert Offer.objects.count() == 1
