"""Supply-demand matching rules: posting, offers, acceptance, withdrawal, their refusals
and the notices they leave."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from inbox.models import Notification
from needs.exceptions import NeedError
from needs.models import Need, Offer
from needs.selectors import EXPIRED, Responder, need_counts, need_state
from needs.services import need_post, need_withdraw, offer_accept, offer_make
from tests.needs.factories import NeedFactory, OfferFactory

TODAY = datetime.date(2026, 9, 1)


def raises(code: str, func, *args, **kwargs):
    with pytest.raises(NeedError) as error:
        func(*args, **kwargs)
    assert error.value.code == code, error.value.message


def post(user, **changes):
    fields = {
        "enterprise": user.enterprise,
        "user": user,
        "title": "制动盘噪声测试",
        "field": "automotive",
        "district": "banan",
        "description": "新款制动盘台架噪声测试。",
        "deadline": TODAY + datetime.timedelta(days=10),
        "contact_name": "王经理",
        "contact_phone": "+8613800001111",
        "today": TODAY,
    }
    fields.update(changes)
    return need_post(**fields)


def offer(need, user, responder, **changes):
    fields = {
        "need": need,
        "user": user,
        "responder": responder,
        "message": "我院可承接。",
        "approach": "台架试验。",
        "earliest_start": TODAY + datetime.timedelta(days=3),
        "today": TODAY,
    }
    fields.update(changes)
    return offer_make(**fields)


def as_institution(institution) -> Responder:
    return Responder(institution=institution.page)


def as_expert(expert_user) -> Responder:
    return Responder(expert=expert_user.expert_profile)


def test_need_posted_open_by_member(owner_a):
    need = post(owner_a, title="  制动盘噪声测试 ")
    assert need.state == Need.State.OPEN
    assert need.title == "制动盘噪声测试"
    assert need.posted_by == owner_a
    assert need_state(need=need, today=TODAY) == Need.State.OPEN


def test_need_post_refused_for_another_enterprises_member(owner_a, owner_b):
    raises("not_member", post, user=owner_b, enterprise=owner_a.enterprise)
    assert not Need.objects.exists()


@pytest.mark.parametrize("days", [0, -1])
def test_need_post_refuses_deadline_not_in_future(owner_a, days):
    raises("deadline_past", post, user=owner_a, deadline=TODAY + datetime.timedelta(days=days))


def test_need_expired_after_deadline_without_a_stored_change(owner_a):
    need = post(owner_a)
    after = need.deadline + datetime.timedelta(days=1)
    assert need_state(need=need, today=need.deadline) == Need.State.OPEN
    assert need_state(need=need, today=after) == EXPIRED
    need.refresh_from_db()
    assert need.state == Need.State.OPEN


def test_offer_by_institution_contact_notifies_every_member(
    owner_a, member_a, institution, mailoutbox, django_capture_on_commit_callbacks
):
    need = post(owner_a)
    with django_capture_on_commit_callbacks(execute=True):
        made = offer(need, institution.contact, as_institution(institution), fee_note=" 约 2 万元 ")
    assert made.institution == institution.page and made.expert is None
    assert made.state == Offer.State.PENDING and made.fee_note == "约 2 万元"
    notices = Notification.objects.filter(user__in=[owner_a, member_a]).order_by("user__username")
    assert [n.user for n in notices] == [owner_a, member_a]
    # Each in the member's language; the e-mails are sent once the offer commits.
    zh, en = notices
    assert need.title in zh.subject
    assert en.subject.startswith("New offer on your need")
    assert en.url == f"/en/needs/{need.pk}/"
    assert {m.to[0] for m in mailoutbox} == {owner_a.email, member_a.email}


def test_offer_by_expert(owner_a, expert_user):
    need = post(owner_a)
    made = offer(need, expert_user, as_expert(expert_user))
    assert made.expert == expert_user.expert_profile and made.institution is None


def test_offer_refused_for_someone_elses_responder(owner_a, institution, expert_user):
    need = post(owner_a)
    raises("not_responder", offer, need, expert_user, as_institution(institution))
    raises("not_responder", offer, need, owner_a, as_expert(expert_user))


def test_second_offer_of_one_responder_refused(owner_a, institution):
    need = post(owner_a)
    offer(need, institution.contact, as_institution(institution))
    raises("already_offered", offer, need, institution.contact, as_institution(institution))
    assert Offer.objects.count() == 1


def test_offer_refused_after_deadline(owner_a, institution):
    need = post(owner_a)
    later = need.deadline + datetime.timedelta(days=1)
    raises(
        "expired",
        offer,
        need,
        institution.contact,
        as_institution(institution),
        today=later,
        earliest_start=later,
    )


def test_offer_refused_on_withdrawn_need(owner_a, institution):
    need = post(owner_a)
    need_withdraw(need=need, user=owner_a)
    raises("not_open", offer, need, institution.contact, as_institution(institution))


def test_offer_refuses_start_in_the_past(owner_a, institution):
    need = post(owner_a)
    raises(
        "start_past",
        offer,
        need,
        institution.contact,
        as_institution(institution),
        earliest_start=TODAY - datetime.timedelta(days=1),
    )


def test_accept_matches_need_and_tells_both_responders(owner_a, institution, expert_user):
    need = NeedFactory(enterprise=owner_a.enterprise)
    chosen = OfferFactory(need=need, institution=institution.page)
    other = OfferFactory(need=need, expert=expert_user.expert_profile)
    Notification.objects.all().delete()

    offer_accept(offer=chosen, user=owner_a)

    need.refresh_from_db()
    chosen.refresh_from_db()
    other.refresh_from_db()
    assert need.state == Need.State.MATCHED and need.matched_at is not None
    assert chosen.state == Offer.State.ACCEPTED
    assert other.state == Offer.State.NOT_CHOSEN
    accepted = Notification.objects.get(user=institution.contact)
    assert accepted.url == f"/zh-hans/needs/{need.pk}/"
    not_chosen = Notification.objects.get(user=expert_user)
    assert accepted.subject != not_chosen.subject
    assert not Notification.objects.filter(user=owner_a).exists()


def test_accept_refused_for_non_member_and_for_a_second_offer(
    owner_a, owner_b, institution, expert_user
):
    need = NeedFactory(enterprise=owner_a.enterprise)
    first = OfferFactory(need=need, institution=institution.page)
    second = OfferFactory(need=need, expert=expert_user.expert_profile)
    raises("not_member", offer_accept, offer=first, user=owner_b)
    offer_accept(offer=first, user=owner_a)
    raises("not_open", offer_accept, offer=second, user=owner_a)
    assert Offer.objects.filter(state=Offer.State.ACCEPTED).count() == 1


def test_accept_refused_after_deadline(owner_a, institution):
    need = NeedFactory(
        enterprise=owner_a.enterprise, deadline=timezone.localdate() - datetime.timedelta(days=1)
    )
    first = OfferFactory(need=need, institution=institution.page)
    raises("expired", offer_accept, offer=first, user=owner_a)


def test_withdraw_closes_need_and_tells_responders(owner_a, institution, owner_b):
    need = NeedFactory(enterprise=owner_a.enterprise)
    waiting = OfferFactory(need=need, institution=institution.page)
    raises("not_member", need_withdraw, need=need, user=owner_b)
    need_withdraw(need=need, user=owner_a)
    need.refresh_from_db()
    waiting.refresh_from_db()
    assert need.state == Need.State.CLOSED and need.closed_at is not None
    assert waiting.state == Offer.State.NOT_CHOSEN
    assert Notification.objects.filter(user=institution.contact).count() == 1
    raises("not_open", need_withdraw, need=need, user=owner_a)


def test_need_counts_by_field_and_district(owner_a, institution):
    today = timezone.localdate()
    NeedFactory(enterprise=owner_a.enterprise, field="food", district="yuzhong")
    matched = NeedFactory(enterprise=owner_a.enterprise)
    accepted = OfferFactory(need=matched, institution=institution.page)
    offer_accept(offer=accepted, user=owner_a)
    NeedFactory(enterprise=owner_a.enterprise, deadline=today - datetime.timedelta(days=2))
    closed = NeedFactory(enterprise=owner_a.enterprise, field="electronics")
    need_withdraw(need=closed, user=owner_a)

    counts = need_counts(today=today)
    assert counts["total"] == {"posted": 4, "matched": 1, "open": 1, "expired": 1}
    assert counts["by_field"]["automotive"] == {
        "posted": 2,
        "matched": 1,
        "open": 0,
        "expired": 1,
    }
    assert counts["by_field"]["food"]["open"] == 1
    assert counts["by_district"]["yuzhong"]["posted"] == 1
    assert counts["by_district"]["banan"]["posted"] == 3
    assert "materials" not in counts["by_field"]
