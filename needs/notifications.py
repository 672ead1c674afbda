"""Notices about needs and offers, through ``inbox.services.notify`` (an in-site notice and
its e-mail in the outbox, in the recipient's language, in the caller's transaction):

- a new offer: every approved member of the enterprise that posted the need;
- an offer accepted: the people acting for its responder (the institution's contacts, or
  the expert);
- an offer not chosen (another was accepted, or the need was withdrawn): the same.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.urls import reverse
from django.utils import translation

from inbox.services import notify, user_language
from needs.models import Need, Offer
from needs.selectors import enterprise_users, offer_users


def _url(need: Need, language: str) -> str:
    with translation.override(language):
        return reverse("needs:detail", kwargs={"pk": need.pk})


def _send(*, user: AbstractBaseUser, offer: Offer, template: str, **context) -> None:
    need = offer.need
    notify(
        user=user,
        template=template,
        context={"need": need, "offer": offer, "responder": offer.responder_name, **context},
        url=_url(need, user_language(user)),
    )


def notify_offer_made(*, offer: Offer) -> None:
    for user in enterprise_users(need=offer.need):
        _send(user=user, offer=offer, template="need_offer_made")


def notify_offer_accepted(*, offer: Offer) -> None:
    for user in offer_users(offer=offer):
        _send(user=user, offer=offer, template="need_offer_accepted")


def notify_offer_not_chosen(*, offer: Offer, withdrawn: bool) -> None:
    for user in offer_users(offer=offer):
        _send(user=user, offer=offer, template="need_offer_not_chosen", withdrawn=withdrawn)
