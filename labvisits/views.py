"""Lab-visit pages: labs and slots, the request form, a visit's page and ticket, and the
institution contact's dashboard. Views parse input, call one service, render or redirect.

A visit is shown only to its parties (``labvisits.selectors.visit_for_user``); everyone
else gets a 404, never a hint that it exists. The door check-in screens of visit slots are
in ``labvisits.checkin_views``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from enterprises.decorators import enterprise_required
from enterprises.selectors import enterprise_for_user
from labvisits.exceptions import LabVisitError
from labvisits.forms import CancelForm, DecideForm, LabVisitRequestForm, VisitSlotForm
from labvisits.models import LabVisit, VisitSlot, lab_visit_is_machine_time
from labvisits.notifications import institution_in_language
from labvisits.selectors import (
    lab_offer_list,
    labs_for_contact,
    slots_with_places,
    user_is_contact,
    visit_for_user,
    visit_list_for_contact,
    visit_list_for_enterprise,
    visit_role,
)
from labvisits.services import (
    can_manage_lab,
    lab_visit_cancel,
    lab_visit_cancel_refusal,
    lab_visit_decide,
    lab_visit_request,
    visit_slot_create,
    visit_slot_delete,
)
from portal.phones import phone_grouped, phone_mask
from portal.ratelimit import BOOKING_RATE_LIMITED_MESSAGE, booking_rate_limited
from portal.tickets import qr_svg, qr_token_make
from ratings.selectors import rating_prompt

REQUEST_ERROR_FIELDS = {"group_too_large": "group_size", "full": "group_size"}


def _visit_or_404(request: HttpRequest, pk: int) -> LabVisit:
    visit = visit_for_user(user=request.user, pk=pk)
    if visit is None:
        raise Http404
    return visit


def contact_required(view):
    """Signed-in users who are a contact of at least one institution; others get 403."""

    @login_required
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not user_is_contact(user=request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return never_cache(wrapper)


@require_GET
def request_start(request: HttpRequest) -> HttpResponse:
    enterprise = enterprise_for_user(user=request.user)
    mine = list(visit_list_for_enterprise(enterprise_id=enterprise.pk)) if enterprise else []
    return render(
        request,
        "labvisits/request_start.html",
        {"offers": lab_offer_list(), "enterprise": enterprise, "mine": mine},
    )


@never_cache
@require_http_methods(["GET", "POST"])
@enterprise_required
def request_visit(request: HttpRequest, slot_id: int) -> HttpResponse:
    slot = get_object_or_404(
        slots_with_places()
        .select_related("lab__institution", "instrument")
        .filter(Q(instrument__isnull=True) | Q(instrument__active=True)),
        pk=slot_id,
        lab__accepts_visits=True,
        lab__institution__live=True,
    )
    machine_time = slot.instrument is not None
    institution = institution_in_language(institution=slot.lab.institution, language=get_language())
    places_left = max(slot.capacity - slot.places_taken, 0)
    is_open = slot.starts_at > timezone.now()
    status = 200
    form = None
    if is_open and request.method == "POST":
        form = LabVisitRequestForm(
            request.POST, max_group=slot.lab.visit_capacity, machine_time=machine_time
        )
        status = 400
        if booking_rate_limited(
            request,
            scope="lab-visit",
            ip_rate=settings.LAB_VISIT_RATE_IP,
            user_rate=settings.LAB_VISIT_RATE_USER,
        ):
            form.is_valid()
            form.add_error(None, BOOKING_RATE_LIMITED_MESSAGE)
            status = 429
        elif form.is_valid():
            data = form.cleaned_data
            try:
                visit = lab_visit_request(
                    enterprise=request.enterprise,
                    user=request.user,
                    slot=slot,
                    group_size=data["group_size"],
                    purpose=data["purpose"],
                    visitor_names=data["visitor_names"],
                    contact_name=data["contact_name"],
                    contact_phone=data["contact_phone"],
                    language=get_language(),
                )
            except LabVisitError as error:
                form.add_error(REQUEST_ERROR_FIELDS.get(error.code), error.message)
            else:
                messages.success(
                    request,
                    _(
                        "Your machine-time request has been sent. Its places are held until "
                        "the institution decides; you will be notified."
                    )
                    if machine_time
                    else _(
                        "Your visit request has been sent. Its places are held until the "
                        "institution decides; you will be notified."
                    ),
                )
                return redirect("labvisits:detail", pk=visit.pk)
    elif is_open:
        enterprise = request.enterprise
        form = LabVisitRequestForm(
            initial={
                "group_size": 1,
                "contact_name": enterprise.contact_name,
                "contact_phone": phone_grouped(enterprise.contact_phone),
            },
            max_group=slot.lab.visit_capacity,
            machine_time=machine_time,
        )
    return render(
        request,
        "labvisits/request.html",
        {
            "slot": slot,
            "lab": slot.lab,
            "institution": institution,
            "places_left": places_left,
            "is_open": is_open,
            "form": form,
            "machine_time": machine_time,
            "instrument": slot.instrument,
        },
        status=status,
    )


def _detail_context(request: HttpRequest, visit: LabVisit) -> dict:
    role = visit_role(user=request.user, visit=visit)
    slot = visit.slot
    now = timezone.now()
    manages = can_manage_lab(user=request.user, lab=slot.lab)
    return {
        "visit": visit,
        "slot": slot,
        "lab": slot.lab,
        "machine_time": lab_visit_is_machine_time(visit),
        "instrument": slot.instrument,
        "institution": institution_in_language(
            institution=slot.lab.institution, language=get_language()
        ),
        "role": role,
        # The enterprise sees its own contact phone; the institution needs it to call.
        "contact_phone": (
            phone_grouped(visit.contact_phone)
            if role != "staff"
            else phone_mask(visit.contact_phone)
        ),
        "changes": list(visit.changes.select_related("changed_by")),
        "can_decide": manages and visit.state == LabVisit.State.REQUESTED,
        "can_cancel": lab_visit_cancel_refusal(visit=visit, by=request.user, now=now) is None,
        "has_ticket": visit.state == LabVisit.State.APPROVED,
        # The enterprise's rating once the visit took place (its link, or what it gave).
        "rating_prompt": rating_prompt(
            kind="lab_visit", object_id=visit.pk, user=request.user, now=now
        ),
    }


@never_cache
@require_GET
@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _visit_or_404(request, pk)
    context = _detail_context(request, visit)
    context.update(decide_form=DecideForm(), cancel_form=CancelForm())
    return render(request, "labvisits/detail.html", context)


@never_cache
@require_GET
@login_required
def ticket(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _visit_or_404(request, pk)
    if visit.state != LabVisit.State.APPROVED:
        messages.info(request, _("This visit has no ticket: it is not approved."))
        return redirect("labvisits:detail", pk=visit.pk)
    token = qr_token_make(visit.ticket_code)
    return render(
        request,
        "labvisits/ticket.html",
        {
            "visit": visit,
            "slot": visit.slot,
            "lab": visit.slot.lab,
            "machine_time": lab_visit_is_machine_time(visit),
            "instrument": visit.slot.instrument,
            "institution": institution_in_language(
                institution=visit.slot.lab.institution, language=get_language()
            ),
            "qr": qr_svg(token, title=_("Ticket %(code)s") % {"code": visit.ticket_code}),
        },
    )


@require_POST
@login_required
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _visit_or_404(request, pk)
    form = DecideForm(request.POST)
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            lab_visit_decide(
                visit=visit, by=request.user, approve=approve, reason=form.cleaned_data["reason"]
            )
        except LabVisitError as error:
            if error.code == "forbidden":
                raise PermissionDenied from None
            form.add_error("reason" if error.code == "reason_required" else None, error.message)
        else:
            if lab_visit_is_machine_time(visit):
                done = (
                    _("The machine time is approved.")
                    if approve
                    else _("The machine-time request is declined.")
                )
            else:
                done = _("The visit is approved.") if approve else _("The visit is declined.")
            messages.success(request, done)
            return redirect("labvisits:detail", pk=visit.pk)
    context = _detail_context(request, visit)
    context.update(decide_form=form, cancel_form=CancelForm())
    return render(request, "labvisits/detail.html", context, status=400)


@require_POST
@login_required
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    visit = _visit_or_404(request, pk)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            lab_visit_cancel(visit=visit, by=request.user, reason=form.cleaned_data["reason"])
        except LabVisitError as error:
            if error.code == "forbidden":
                raise PermissionDenied from None
            form.add_error("reason" if error.code == "reason_required" else None, error.message)
        else:
            messages.success(
                request,
                _("The machine time is cancelled.")
                if lab_visit_is_machine_time(visit)
                else _("The visit is cancelled."),
            )
            return redirect("labvisits:detail", pk=visit.pk)
    context = _detail_context(request, visit)
    context.update(decide_form=DecideForm(), cancel_form=form)
    return render(request, "labvisits/detail.html", context, status=400)


def _render_dashboard(
    request: HttpRequest, *, slot_form: VisitSlotForm | None = None, status: int = 200
) -> HttpResponse:
    now = timezone.now()
    visits = visit_list_for_contact(user=request.user)
    labs = labs_for_contact(user=request.user)
    return render(
        request,
        "labvisits/contact_dashboard.html",
        {
            "pending": list(
                visits.filter(state=LabVisit.State.REQUESTED, slot__ends_at__gte=now).order_by(
                    "slot__starts_at", "pk"
                )
            ),
            "upcoming": list(
                visits.filter(state=LabVisit.State.APPROVED, slot__ends_at__gte=now).order_by(
                    "slot__starts_at", "pk"
                )
            ),
            "slots": list(
                slots_with_places()
                .filter(lab__in=labs, ends_at__gte=now)
                .select_related("lab", "instrument")
                .order_by("starts_at", "pk")
            ),
            "slot_form": slot_form
            or VisitSlotForm(labs=labs.filter(accepts_visits=True), initial={"capacity": 10}),
            "has_visit_labs": labs.filter(accepts_visits=True).exists(),
        },
        status=status,
    )


@require_GET
@contact_required
def contact_dashboard(request: HttpRequest) -> HttpResponse:
    return _render_dashboard(request)


@require_POST
@contact_required
def slot_create(request: HttpRequest) -> HttpResponse:
    labs = labs_for_contact(user=request.user).filter(accepts_visits=True)
    form = VisitSlotForm(request.POST, labs=labs)
    if form.is_valid():
        data = form.cleaned_data
        try:
            visit_slot_create(
                lab=data["lab"],
                by=request.user,
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                capacity=data["capacity"],
                note=data["note"],
                instrument=data["instrument"],
            )
        except LabVisitError as error:
            field = {
                "invalid_time": "end",
                "past": "date",
                "invalid_capacity": "capacity",
                "instrument_lab": "instrument",
            }
            form.add_error(field.get(error.code), error.message)
        else:
            messages.success(request, _("The visit slot is offered."))
            return redirect("labvisits:contact_dashboard")
    return _render_dashboard(request, slot_form=form, status=400)


@require_POST
@contact_required
def slot_delete(request: HttpRequest, slot_id: int) -> HttpResponse:
    slot = get_object_or_404(
        VisitSlot.objects.select_related("lab"),
        pk=slot_id,
        lab__in=labs_for_contact(user=request.user),
    )
    try:
        visit_slot_delete(slot=slot, by=request.user)
    except LabVisitError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The visit slot is deleted."))
    return redirect("labvisits:contact_dashboard")
