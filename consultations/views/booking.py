"""Enterprise and expert pages of consultation bookings: request, detail with the actions
each party may take, attachments, calendar file, the enterprise's list and the expert's
dashboard. Views parse input, call one service and render; the rules are in
``consultations.services.booking``. A consultation the viewer may not see answers 404.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consultations.attachments import download_name
from consultations.calendar import consultation_ics
from consultations.exceptions import ConsultationError
from consultations.forms import (
    CompleteForm,
    ConsultationRequestForm,
    ReasonForm,
    RespondForm,
    SlotChoiceForm,
    need_initial,
)
from consultations.models import ACTIVE_STATES, Consultation, Slot
from consultations.record import consultation_record_pdf
from consultations.services import booking
from consultations.services.booking import ENTERPRISE, EXPERT, STAFF, consultation_sides
from enterprises.decorators import enterprise_required
from experts.models import Expert
from portal.choices import Field, Service
from portal.errors import DomainError
from portal.phones import phone_grouped, phone_mask
from portal.ratelimit import BOOKING_RATE_LIMITED_MESSAGE, booking_rate_limited
from ratings.forms import RatingForm
from ratings.selectors import rating_for

ATTACHMENT_CODES = {"too_many_files", "file_too_big", "file_type"}


def _free_slots(*, expert: Expert, service: str | None = None, exclude_pk: int | None = None):
    """Future slots of ``expert`` without an active consultation (for the service)."""
    slots = (
        Slot.objects.filter(expert=expert, starts_at__gt=timezone.now())
        .exclude(consultations__state__in=ACTIVE_STATES)
        .order_by("starts_at")
    )
    if service:
        slots = slots.filter(services__code=service)
    if exclude_pk:
        slots = slots.exclude(pk=exclude_pk)
    return list(slots.distinct()[:20])


def _is_id(value) -> bool:
    # ASCII digits only: str.isdigit() also accepts "²" or "٣", which are no primary key.
    return bool(value) and str(value).isascii() and str(value).isdigit()


@enterprise_required
def consultation_request_view(request):
    enterprise = request.enterprise
    slot = None
    slot_id = request.POST.get("slot") or request.GET.get("slot")
    if _is_id(slot_id):
        slot = get_object_or_404(Slot.objects.select_related("expert"), pk=slot_id)
    # Without a slot, an expert the team is to arrange a time with (one with no free
    # time that suits); only an active, published expert.
    expert = None
    expert_id = request.POST.get("expert") or request.GET.get("expert")
    if slot is None and _is_id(expert_id):
        expert = get_object_or_404(Expert.objects.filter(is_active=True, live=True), pk=expert_id)
    initial = {
        "contact_name": enterprise.contact_name,
        "contact_phone": phone_grouped(enterprise.contact_phone),
        "field": enterprise.industry,
        **need_initial(request.GET),
    }
    if request.GET.get("service") in Service.values:
        initial["service"] = request.GET["service"]
    elif slot is not None or expert is not None:
        first = (slot or expert).services.first()
        if first is not None:
            initial["service"] = first.code
    if request.GET.get("field") in Field.values:
        initial["field"] = request.GET["field"]
    other_slots = []
    status = 200
    if request.method == "POST":
        form = ConsultationRequestForm(request.POST, request.FILES)
        if booking_rate_limited(
            request,
            scope="consultation",
            ip_rate=settings.CONSULTATION_RATE_IP,
            user_rate=settings.CONSULTATION_RATE_USER,
        ):
            form.is_valid()
            form.add_error(None, BOOKING_RATE_LIMITED_MESSAGE)
            status = 429
        elif form.is_valid():
            data = form.cleaned_data
            try:
                consultation = booking.consultation_request(
                    enterprise=enterprise,
                    user=request.user,
                    service=data["service"],
                    field=data["field"],
                    topic=data["topic"],
                    description=data["description"],
                    product_or_standard=data["product_or_standard"],
                    contact_name=data["contact_name"],
                    contact_phone=data["contact_phone"],
                    slot=slot,
                    expert=expert,
                    files=data["attachments"],
                    language=request.LANGUAGE_CODE,
                )
            except ConsultationError as error:
                name = (
                    "attachments"
                    if error.code in ATTACHMENT_CODES
                    else "service"
                    if error.code == "expert_service"
                    else None
                )
                form.add_error(name, error)
                if slot is not None and error.code in {"slot_taken", "slot_past"}:
                    other_slots = _free_slots(expert=slot.expert, service=data["service"])
            else:
                messages.success(
                    request,
                    _("Your request %(reference)s has been sent.")
                    % {"reference": consultation.reference},
                )
                return redirect("consultations:detail", reference=consultation.reference)
    else:
        form = ConsultationRequestForm(initial=initial)
    for name in form.errors:
        if name in form.fields:
            form.fields[name].widget.attrs["aria-invalid"] = "true"
    return render(
        request,
        "consultations/booking/request.html",
        {
            "form": form,
            "slot": slot,
            "expert": expert,
            "enterprise": enterprise,
            "other_slots": other_slots,
        },
        status=400 if status == 200 and form.errors else status,
    )


def _visible(request, reference: str) -> tuple[Consultation, set[str]]:
    """The consultation and the viewer's sides; 404 for anyone else."""
    if not request.user.is_authenticated:
        raise Http404
    consultation = get_object_or_404(
        Consultation.objects.select_related("expert", "enterprise", "requested_by", "slot"),
        reference=reference,
    )
    sides = consultation_sides(consultation=consultation, user=request.user)
    if not sides and not request.user.has_perm("consultations.view_consultation"):
        raise Http404
    return consultation, sides


def _actions(consultation: Consultation, sides: set[str], user) -> dict:
    """What the viewer may do now (the services check again on submit)."""
    now = timezone.now()
    state = consultation.state
    active = state in ACTIVE_STATES
    started = consultation.starts_at is not None and consultation.starts_at <= now
    proposal_other_side = (
        consultation.proposed_slot_id is not None and consultation.proposed_by_id != user.pk
    )
    if proposal_other_side:
        proposer = booking._proposer_side(consultation)
        may_answer = bool(sides & ({EXPERT, STAFF} if proposer == ENTERPRISE else {ENTERPRISE}))
    else:
        may_answer = False
    return {
        "confirm": EXPERT in sides and state == "requested" and consultation.starts_at is not None,
        "decline": EXPERT in sides and state == "requested",
        "cancel": bool(sides) and active,
        "propose": bool(sides) and active and consultation.expert_id is not None,
        "respond": active and may_answer,
        "complete": EXPERT in sides and state == "confirmed" and started,
        "no_show": EXPERT in sides and state == "confirmed" and started,
        "rate": ENTERPRISE in sides
        and state == "completed"
        and rating_for(kind="consultation", object_id=consultation.pk) is None,
    }


def consultation_detail_view(request, reference: str):
    consultation, sides = _visible(request, reference)
    actions = _actions(consultation, sides, request.user)
    rating = rating_for(kind="consultation", object_id=consultation.pk)
    slots = []
    if actions["propose"]:
        slots = _free_slots(
            expert=consultation.expert,
            service=consultation.service,
            exclude_pk=consultation.slot_id,
        )
        actions["propose"] = bool(slots)
    return render(
        request,
        "consultations/booking/detail.html",
        {
            "consultation": consultation,
            "sides": sides,
            "is_enterprise": ENTERPRISE in sides,
            "is_expert": EXPERT in sides,
            "record_available": bool(sides & {ENTERPRISE, EXPERT})
            and consultation.state == Consultation.State.COMPLETED,
            "contact_phone": phone_grouped(consultation.contact_phone)
            if sides
            else phone_mask(consultation.contact_phone),
            "changes": consultation.changes.select_related("changed_by"),
            "attachments": consultation.attachments.all() if sides else [],
            "actions": actions,
            "reason_form": ReasonForm(),
            "slot_form": SlotChoiceForm(slots=slots),
            "complete_form": CompleteForm(),
            "rate_form": RatingForm(),
            "rating": rating,
            "respond_form": RespondForm(),
        },
    )


def _run(request, reference: str, call) -> HttpResponse:
    consultation, sides = _visible(request, reference)
    if not sides:
        raise Http404
    try:
        call(consultation)
    except DomainError as error:  # the consultation's rules, and the rating's
        messages.error(request, error.message)
    except _FormInvalid as invalid:
        for errors in invalid.form.errors.values():
            for error in errors:
                messages.error(request, error)
    else:
        messages.success(request, _("Done."))
    return redirect("consultations:detail", reference=reference)


class _FormInvalid(Exception):
    def __init__(self, form):
        self.form = form


def _valid(form):
    if not form.is_valid():
        raise _FormInvalid(form)
    return form.cleaned_data


@login_required
@require_POST
def confirm_view(request, reference: str):
    return _run(
        request, reference, lambda c: booking.consultation_confirm(consultation=c, by=request.user)
    )


@login_required
@require_POST
def decline_view(request, reference: str):
    return _run(
        request,
        reference,
        lambda c: booking.consultation_decline(
            consultation=c, by=request.user, reason=_valid(ReasonForm(request.POST))["reason"]
        ),
    )


@login_required
@require_POST
def cancel_view(request, reference: str):
    return _run(
        request,
        reference,
        lambda c: booking.consultation_cancel(
            consultation=c, by=request.user, reason=_valid(ReasonForm(request.POST))["reason"]
        ),
    )


@login_required
@require_POST
def propose_view(request, reference: str):
    def call(consultation):
        slots = _free_slots(
            expert=consultation.expert,
            service=consultation.service,
            exclude_pk=consultation.slot_id,
        )
        data = _valid(SlotChoiceForm(request.POST, slots=slots))
        slot = next(s for s in slots if s.pk == data["slot"])
        booking.consultation_reschedule_propose(
            consultation=consultation, by=request.user, slot=slot
        )

    return _run(request, reference, call)


@login_required
@require_POST
def respond_view(request, reference: str):
    return _run(
        request,
        reference,
        lambda c: booking.consultation_reschedule_respond(
            consultation=c, by=request.user, accept=_valid(RespondForm(request.POST))["accept"]
        ),
    )


@login_required
@require_POST
def complete_view(request, reference: str):
    def call(consultation):
        data = _valid(CompleteForm(request.POST))
        booking.consultation_complete(
            consultation=consultation,
            by=request.user,
            summary=data["summary"],
            recommendations=data["recommendations"],
        )

    return _run(request, reference, call)


@login_required
@require_POST
def no_show_view(request, reference: str):
    return _run(
        request,
        reference,
        lambda c: booking.consultation_mark_no_show(consultation=c, by=request.user),
    )


@login_required
@require_POST
def rate_view(request, reference: str):
    def call(consultation):
        data = _valid(RatingForm(request.POST))
        booking.consultation_rate(
            consultation=consultation,
            by=request.user,
            rating=data["level"],
            comment=data["comment"],
        )

    return _run(request, reference, call)


def attachment_view(request, reference: str, token: str):
    consultation, sides = _visible(request, reference)
    if not sides:
        raise Http404
    attachment = get_object_or_404(consultation.attachments, token=token)
    booking.attachment_download(attachment=attachment, by=request.user, sides=sides)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=download_name(attachment),
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def ics_view(request, reference: str):
    consultation, sides = _visible(request, reference)
    if not sides:
        raise Http404
    data = consultation_ics(consultation=consultation, language=request.LANGUAGE_CODE)
    if data is None:
        raise Http404
    response = HttpResponse(data, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="consultation-{consultation.reference}.ics"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


def record_view(request, reference: str):
    """The service record (PDF) of a completed consultation, for its two parties only: the
    enterprise's members and the expert. Anyone else, staff included, and any consultation
    not completed answer 404."""
    consultation, sides = _visible(request, reference)
    if not sides & {ENTERPRISE, EXPERT} or consultation.state != Consultation.State.COMPLETED:
        raise Http404
    response = HttpResponse(
        consultation_record_pdf(consultation=consultation), content_type="application/pdf"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="service-record-{consultation.reference}.pdf"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@enterprise_required
def list_mine_view(request):
    consultations = Consultation.objects.filter(enterprise=request.enterprise).select_related(
        "expert"
    )
    return render(request, "consultations/booking/mine.html", {"consultations": consultations})


@login_required
def expert_dashboard_view(request):
    expert = Expert.objects.filter(user=request.user).first()
    if expert is None:
        raise Http404
    now = timezone.now()
    mine = Consultation.objects.filter(expert=expert).select_related("enterprise")
    to_act = [
        c
        for c in mine.filter(state__in=ACTIVE_STATES).order_by("starts_at")
        if c.state == "requested"
        or (c.proposed_slot_id is not None and c.proposed_by_id != request.user.pk)
    ]
    return render(
        request,
        "consultations/expert_dashboard.html",
        {
            "expert": expert,
            "to_act": to_act,
            "upcoming": mine.filter(state="confirmed", starts_at__gte=now).order_by("starts_at"),
            "awaiting_summary": mine.filter(state="confirmed", starts_at__lt=now).order_by(
                "starts_at"
            ),
            "past": mine.filter(state__in=["completed", "no_show"]).order_by("-starts_at")[:20],
        },
    )


urlpatterns = [
    path("request/", consultation_request_view, name="request"),
    path("mine/", list_mine_view, name="list_mine"),
    path("expert/", expert_dashboard_view, name="expert_dashboard"),
    path("booking/<str:reference>/", consultation_detail_view, name="detail"),
    path("booking/<str:reference>/confirm/", confirm_view, name="confirm"),
    path("booking/<str:reference>/decline/", decline_view, name="decline"),
    path("booking/<str:reference>/cancel/", cancel_view, name="cancel"),
    path("booking/<str:reference>/reschedule/", propose_view, name="reschedule_propose"),
    path("booking/<str:reference>/reschedule/answer/", respond_view, name="reschedule_respond"),
    path("booking/<str:reference>/complete/", complete_view, name="complete"),
    path("booking/<str:reference>/no-show/", no_show_view, name="no_show"),
    path("booking/<str:reference>/rate/", rate_view, name="rate"),
    path("booking/<str:reference>/calendar.ics", ics_view, name="ics"),
    path("booking/<str:reference>/service-record.pdf", record_view, name="record"),
    path("booking/<str:reference>/attachments/<str:token>/", attachment_view, name="attachment"),
]
