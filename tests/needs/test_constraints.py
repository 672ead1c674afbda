"""The database holds the matching rules even when the services are bypassed."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from needs.models import Need, Offer
from tests.needs.factories import NeedFactory, OfferFactory


def refused(**changes) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        OfferFactory(**changes)


def test_one_offer_per_institution_per_need(institution):
    need = NeedFactory()
    OfferFactory(need=need, institution=institution.page)
    refused(need=need, institution=institution.page)


def test_one_offer_per_expert_per_need(expert_user):
    need = NeedFactory()
    OfferFactory(need=need, expert=expert_user.expert_profile)
    refused(need=need, expert=expert_user.expert_profile)


def test_offer_has_exactly_one_responder(institution, expert_user):
    refused(institution=institution.page, expert=expert_user.expert_profile)
    refused()


def test_at_most_one_accepted_offer_per_need(institution, expert_user):
    need = NeedFactory()
    OfferFactory(need=need, institution=institution.page, state=Offer.State.ACCEPTED)
    refused(need=need, expert=expert_user.expert_profile, state=Offer.State.ACCEPTED)
    # Other states are many.
    OfferFactory(need=need, expert=expert_user.expert_profile, state=Offer.State.NOT_CHOSEN)


def test_offer_state_valid(institution):
    refused(institution=institution.page, state="maybe")


@pytest.mark.django_db
def test_need_state_valid_and_matched_has_a_time():
    with pytest.raises(IntegrityError), transaction.atomic():
        NeedFactory(state="expired")
    with pytest.raises(IntegrityError), transaction.atomic():
        NeedFactory(state=Need.State.MATCHED)
    with pytest.raises(IntegrityError), transaction.atomic():
        NeedFactory(state=Need.State.OPEN, matched_at=timezone.now())
    NeedFactory(state=Need.State.MATCHED, matched_at=timezone.now())


@pytest.mark.django_db
def test_need_title_not_empty():
    with pytest.raises(IntegrityError), transaction.atomic():
        NeedFactory(title="")
