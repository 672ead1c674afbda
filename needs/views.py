"""Needs pages: the public board, posting a need, a need's page with its offers, making an
offer, accepting one and withdrawing a need. Views parse input, call one service, render
or redirect.

A need off the board (matched, withdrawn, expired) is shown only to its parties
(``needs.selectors.need_view``); everyone else gets a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from enterprises.decorators import enterprise_required
from enterprises.selectors import enterprise_for_user
from needs.exceptions import NeedError
from needs.forms import BoardFilterForm, ConfirmForm, NeedForm, OfferForm
from needs.models import Offer
from needs.selectors import (
    NeedView,
    need_board,
    need_offers,
    need_state,
    need_state_label,
    need_view,
    needs_for_enterprise,
    offers_for_user,
    responders_for_user,
)
from needs.services import need_post, need_withdraw, offer_accept, offer_make
from portal.phones import phone_grouped, phone_mask

BOARD_PAGE_SIZE = 20
NEED_ERROR_FIELDS = {"deadline_past": "deadline"}
OFFER_ERROR_FIELDS = {"start_past": "earliest_start", "not_responder": "responder"}


def _view_or_404(request: HttpRequest, pk: int) -> NeedView:
    view = need_view(user=request.user, pk=pk)
    if view is None:
        raise Http404
    return view


@require_GET
def board(request: HttpRequest) -> HttpResponse:
    form = BoardFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    needs = need_board(field=filters.get("field", ""), district=filters.get("district", ""))
    page = Paginator(needs, BOARD_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "needs/board.html",
        {
            "form": form,
            "page_obj": page,
            "needs": page.object_list,
            "filtered": bool(filters.get("field") or filters.get("district")),
            "is_member": enterprise_for_user(user=request.user) is not None,
            "is_responder": bool(responders_for_user(user=request.user)),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
@enterprise_required
def post(request: HttpRequest) -> HttpResponse:
    enterprise = request.enterprise  # type: ignore[attr-defined]
    status = 200
    if request.method == "POST":
        form = NeedForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                need = need_post(enterprise=enterprise, user=request.user, **form.cleaned_data)
            except NeedError as error:
                form.add_error(NEED_ERROR_FIELDS.get(error.code), error.message)
            else:
                messages.success(
                    request,
                    _("Your need is on the board. You will be notified of every offer."),
                )
                return redirect("needs:detail", pk=need.pk)
    else:
        form = NeedForm(
            initial={
                "field": enterprise.industry,
                "district": enterprise.district,
                "contact_name": enterprise.contact_name,
                "contact_phone": phone_grouped(enterprise.contact_phone),
            }
        )
    return render(
        request, "needs/post.html", {"form": form, "enterprise": enterprise}, status=status
    )


def _detail_context(request: HttpRequest, view: NeedView) -> dict:
    need = view.need
    responders = responders_for_user(user=request.user)
    return {
        "view": view,
        "need": need,
        "state": view.state,
        "state_label": need_state_label(state=view.state),
        "offers": need_offers(need=need) if view.shows_offers else [],
        "can_accept": view.is_member and view.state == "open",
        "can_withdraw": view.is_member and need.state == "open",
        "can_offer": bool(responders) and view.state == "open" and view.own_offer is None,
        # The enterprise sees its own phone; staff see it masked; the accepted responder
        # needs it to call.
        "contact_phone": (
            phone_mask(need.contact_phone)
            if view.is_staff and not view.is_member
            else phone_grouped(need.contact_phone)
        ),
        "confirm_form": ConfirmForm(),
    }


@never_cache
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    view = _view_or_404(request, pk)
    return render(request, "needs/detail.html", _detail_context(request, view))


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def offer(request: HttpRequest, pk: int) -> HttpResponse:
    responders = responders_for_user(user=request.user)
    if not responders:
        raise PermissionDenied
    view = _view_or_404(request, pk)
    need = view.need
    if view.own_offer is not None or view.state != "open":
        messages.info(request, _("This need takes no offer from you any more."))
        return redirect("needs:detail", pk=need.pk)
    status = 200
    if request.method == "POST":
        form = OfferForm(request.POST, responders=responders)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                offer_make(
                    need=need,
                    user=request.user,
                    responder=data["responder"],
                    message=data["message"],
                    approach=data["approach"],
                    fee_note=data["fee_note"],
                    earliest_start=data["earliest_start"],
                )
            except NeedError as error:
                form.add_error(OFFER_ERROR_FIELDS.get(error.code), error.message)
            else:
                messages.success(
                    request, _("Your offer has been sent. You will be notified of the decision.")
                )
                return redirect("needs:detail", pk=need.pk)
    else:
        form = OfferForm(responders=responders, initial={"earliest_start": timezone.localdate()})
    return render(request, "needs/offer.html", {"form": form, "need": need}, status=status)


@require_POST
@login_required
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    chosen = get_object_or_404(Offer.objects.select_related("need"), pk=pk)
    view = _view_or_404(request, chosen.need_id)
    if not view.is_member:
        raise Http404
    try:
        offer_accept(offer=chosen, user=request.user)
    except NeedError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("You accepted the offer of %(name)s. They can now see your contact.")
            % {"name": chosen.responder_name},
        )
    return redirect("needs:detail", pk=chosen.need_id)


@require_POST
@login_required
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    view = _view_or_404(request, pk)
    if not view.is_member:
        raise Http404
    try:
        need_withdraw(need=view.need, user=request.user)
    except NeedError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your need has been withdrawn."))
    return redirect("needs:detail", pk=view.need.pk)


@never_cache
@require_GET
@login_required
def mine(request: HttpRequest) -> HttpResponse:
    enterprise = enterprise_for_user(user=request.user)
    return render(
        request,
        "needs/mine.html",
        {
            "enterprise": enterprise,
            # Each with the state shown (an open need past its deadline is expired).
            "needs": [
                (need, need_state_label(state=need_state(need=need)))
                for need in needs_for_enterprise(enterprise_id=enterprise.pk)
            ]
            if enterprise
            else [],
            "offers": list(offers_for_user(user=request.user)),
            "is_responder": bool(responders_for_user(user=request.user)),
        },
    )
