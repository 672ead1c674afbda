"""The check-in screen at the door, for check-in staff (permission ``events.check_in``).

Pick a session, then check tickets in by typed code, camera scan (the QR token) or a search
by name / last phone digits, and record walk-ins. Every action is a plain POST form that
redirects back with a message (works without JavaScript); ``static/js/checkin.js`` posts
the same forms with ``Accept: application/json`` and shows the answer in a live region.
The rules live in ``events.services.checkin``.

The same screen checks lab-visit groups in (``visit/<slot_id>/``): check-in staff for every
lab, an institution contact for their own labs (others get a 404 for a slot they may not
see). Only approved visits of that slot are accepted (``labvisits.services``).
"""

from __future__ import annotations

import uuid
from functools import wraps
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from events.exceptions import RegistrationError
from events.models import Registration, Session
from events.services.checkin import (
    checkin_counts,
    checkin_perform,
    checkin_search,
    checkin_session_list,
    checkin_session_title,
    walk_in_record,
)
from events.tickets import name_mask
from labvisits.exceptions import LabVisitError
from labvisits.models import LabVisit, VisitSlot
from labvisits.notifications import institution_in_language
from labvisits.selectors import slot_list_for_checkin, user_is_contact, visit_slot_counts
from labvisits.services import can_check_in, lab_visit_checkin_ticket
from portal.checkin import checkin_may_override
from portal.phones import phone_mask
from portal.query import query_text


def checkin_door_required(view):
    """Check-in staff or an institution contact (who checks in visits to their labs only);
    anonymous visitors are sent to sign in, other users get 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (request.user.has_perm("events.check_in") or user_is_contact(user=request.user)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return never_cache(wrapper)


def checkin_staff_required(view):
    """Anonymous visitors are sent to sign in; signed-in users without the permission get 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.has_perm("events.check_in"):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return never_cache(wrapper)


class TicketForm(forms.Form):
    """A typed code or scanned QR token, or the registration picked from search results."""

    ticket = forms.CharField(label=gettext_lazy("Ticket code"), max_length=200, required=False)
    registration = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    # The search the staff member came from, to show its results again afterwards.
    q = forms.CharField(required=False, max_length=60)
    # The scan's nonce: a retry of the same request is not counted twice.
    nonce = forms.CharField(required=False, max_length=64)
    # Check in outside the check-in window (staff with events.override_checkin).
    override = forms.BooleanField(required=False)
    reason = forms.CharField(required=False, max_length=150)


# Refusals that staff allowed to override may answer with a reason.
OVERRIDABLE = {"too_early", "ended", "reason_required"}


def _new_nonce() -> str:
    return uuid.uuid4().hex


def _override_offer(request: HttpRequest, form: TicketForm, code: str) -> dict | None:
    """What the override form resubmits after a refusal outside the check-in window, for
    staff allowed to override; else None."""
    if code not in OVERRIDABLE or not checkin_may_override(request.user):
        return None
    return {
        "ticket": form.cleaned_data.get("ticket", ""),
        "registration": form.cleaned_data.get("registration") or "",
        "q": form.cleaned_data.get("q", ""),
        "nonce": _new_nonce(),
    }


class WalkInForm(forms.Form):
    party_size = forms.IntegerField(
        label=gettext_lazy("Party size"), min_value=1, max_value=99, initial=1
    )
    name = forms.CharField(label=gettext_lazy("Name (optional)"), max_length=60, required=False)
    phone = forms.CharField(
        label=gettext_lazy("Mobile phone (optional)"), max_length=20, required=False
    )


# Which walk-in form field a service error belongs to.
WALK_IN_ERROR_FIELDS = {
    "invalid_phone": "phone",
    "duplicate": "phone",
    "party_too_large": "party_size",
    "full": "party_size",
}


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _party_welcome(registration: Registration) -> str:
    n = registration.party_size
    welcome = ngettext("Party of %(count)d — welcome", "Party of %(count)d — welcome", n) % {
        "count": n
    }
    who = name_mask(registration.name) or _("walk-in")
    return _("%(welcome)s! %(who)s, ticket %(code)s.") % {
        "welcome": welcome,
        "who": who,
        "code": registration.ticket_code,
    }


def _session_url(session_id: int, query: str = "") -> str:
    url = reverse("events:checkin_session", kwargs={"session_id": session_id})
    if query:
        url += "?" + urlencode({"q": query}) + "#search-results"
    return url


def _result_rows(registrations: list[Registration]) -> list[dict]:
    """What the search results show: masked personal data, never the full name or phone."""
    return [
        {
            "name": name_mask(r.name) or _("walk-in"),
            "phone": phone_mask(r.phone) if r.phone else "",
            "party_size": r.party_size,
            "status": r.status,
            "status_label": r.get_status_display(),
            "pk": r.pk,
            "checked_in_at": r.checked_in_at,
            "can_check_in": r.status == Registration.Status.CONFIRMED,
        }
        for r in registrations
    ]


def _render_session(
    request: HttpRequest,
    session: Session,
    *,
    walk_in_form: WalkInForm | None = None,
    override: dict | None = None,
    status: int = 200,
) -> HttpResponse:
    query = query_text(request, "q", max_length=60)
    results = checkin_search(session_id=session.pk, query=query) if query else None
    counts = checkin_counts(session_id=session.pk)
    return render(
        request,
        "events/checkin/session.html",
        {
            "session": session,
            "title": checkin_session_title(session=session),
            "counts": counts,
            "query": query,
            "results": _result_rows(results) if results is not None else None,
            "walk_in_form": walk_in_form or WalkInForm(),
            "has_ended": session.ends_at <= timezone.now(),
            "counts_url": reverse("events:checkin_counts", kwargs={"session_id": session.pk}),
            "ticket_url": reverse("events:checkin_ticket", kwargs={"session_id": session.pk}),
            "nonce": _new_nonce(),
            "override": override,
            "may_override": checkin_may_override(request.user),
        },
        status=status,
    )


@require_GET
@checkin_door_required
def checkin_home(request: HttpRequest) -> HttpResponse:
    show_sessions = request.user.has_perm("events.check_in")
    upcoming, earlier = checkin_session_list() if show_sessions else ([], [])
    visit_upcoming, visit_earlier = slot_list_for_checkin(user=request.user)
    return render(
        request,
        "events/checkin/home.html",
        {
            "show_sessions": show_sessions,
            "upcoming": upcoming,
            "earlier": earlier,
            "visit_upcoming": visit_upcoming,
            "visit_earlier": visit_earlier,
        },
    )


@require_GET
@checkin_staff_required
def checkin_session(request: HttpRequest, session_id: int) -> HttpResponse:
    session = get_object_or_404(Session.objects.select_related("activity"), pk=session_id)
    return _render_session(request, session)


@require_POST
@checkin_staff_required
def checkin_ticket(request: HttpRequest, session_id: int) -> HttpResponse:
    """Check a typed code or a scanned QR token in. After a refusal outside the check-in
    window, staff allowed to override get a form to check the ticket in with a reason."""
    session = get_object_or_404(Session.objects.select_related("activity"), pk=session_id)
    form = TicketForm(request.POST)
    query = request.POST.get("q", "").strip()[:60]
    registration = None
    override = None
    if not form.is_valid() or not (
        form.cleaned_data["ticket"] or form.cleaned_data["registration"]
    ):
        ok, code, message = False, "invalid", _("Type a ticket code or scan the QR code.")
    else:
        try:
            registration = checkin_perform(
                session_id=session.pk,
                ticket=form.cleaned_data["ticket"],
                registration_id=form.cleaned_data["registration"],
                nonce=form.cleaned_data["nonce"],
                override=form.cleaned_data["override"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except RegistrationError as error:
            ok, code, message = False, error.code, error.message
            registration = error.registration
            override = _override_offer(request, form, code)
        else:
            ok, code, message = True, "checked_in", _party_welcome(registration)
    if _wants_json(request):
        return JsonResponse(
            {
                "ok": ok,
                "code": code,
                "message": message,
                "can_override": override is not None,
                "party_size": registration.party_size if registration is not None else None,
                "counts": checkin_counts(session_id=session.pk),
            },
            status=200 if ok else 400 if code == "invalid" else 409,
        )
    if ok:
        messages.success(request, message)
    else:
        messages.error(request, message)
    if override is not None:
        return _render_session(request, session, override=override, status=409)
    return redirect(_session_url(session.pk, query))


@require_POST
@checkin_staff_required
def checkin_walk_in(request: HttpRequest, session_id: int) -> HttpResponse:
    """Record a walk-in party (checked in at once) when places remain."""
    session = get_object_or_404(Session.objects.select_related("activity"), pk=session_id)
    form = WalkInForm(request.POST)
    if form.is_valid():
        try:
            registration = walk_in_record(
                session_id=session.pk,
                party_size=form.cleaned_data["party_size"],
                name=form.cleaned_data["name"],
                phone=form.cleaned_data["phone"],
                by=request.user,
            )
        except RegistrationError as error:
            form.add_error(WALK_IN_ERROR_FIELDS.get(error.code), error.message)
        else:
            messages.success(
                request,
                _("Walk-in recorded. %(welcome)s") % {"welcome": _party_welcome(registration)},
            )
            return redirect(_session_url(session.pk))
    return _render_session(request, session, walk_in_form=form)


@require_GET
@checkin_staff_required
def checkin_counts_json(request: HttpRequest, session_id: int) -> JsonResponse:
    """The live counters, polled by the check-in screen."""
    session = get_object_or_404(Session, pk=session_id)
    return JsonResponse(checkin_counts(session_id=session.pk))


# ---- Lab-visit slots ----------------------------------------------------------------------


def _visit_slot_or_404(request: HttpRequest, slot_id: int) -> VisitSlot:
    """The slot, if this user checks visitors in for its lab; else 404 (a contact of
    another institution does not learn that the slot exists)."""
    slot = get_object_or_404(VisitSlot.objects.select_related("lab__institution"), pk=slot_id)
    if not can_check_in(user=request.user, lab=slot.lab):
        raise Http404
    return slot


@require_GET
@checkin_door_required
def checkin_visit_slot(request: HttpRequest, slot_id: int) -> HttpResponse:
    slot = _visit_slot_or_404(request, slot_id)
    return _render_visit_slot(request, slot)


def _render_visit_slot(
    request: HttpRequest, slot: VisitSlot, *, override: dict | None = None, status: int = 200
) -> HttpResponse:
    visits = (
        LabVisit.objects.filter(slot=slot, state=LabVisit.State.APPROVED)
        .select_related("enterprise")
        .order_by("enterprise__name", "pk")
    )
    return render(
        request,
        "events/checkin/visit_slot.html",
        {
            "slot": slot,
            "lab": slot.lab,
            "institution": institution_in_language(
                institution=slot.lab.institution, language=get_language()
            ),
            "counts": visit_slot_counts(slot_id=slot.pk),
            "visits": list(visits),
            "has_ended": slot.ends_at <= timezone.now(),
            "counts_url": reverse("events:checkin_visit_counts", kwargs={"slot_id": slot.pk}),
            "ticket_url": reverse("events:checkin_visit_ticket", kwargs={"slot_id": slot.pk}),
            "nonce": _new_nonce(),
            "override": override,
            "may_override": checkin_may_override(request.user),
        },
        status=status,
    )


def _group_welcome(visit: LabVisit) -> str:
    n = visit.group_size
    return ngettext(
        "Group of %(count)d from %(enterprise)s — welcome! Ticket %(code)s.",
        "Group of %(count)d from %(enterprise)s — welcome! Ticket %(code)s.",
        n,
    ) % {"count": n, "enterprise": visit.enterprise.name, "code": visit.ticket_code}


@require_POST
@checkin_door_required
def checkin_visit_ticket(request: HttpRequest, slot_id: int) -> HttpResponse:
    """Check in the approved visit of this slot whose ticket was typed or scanned. A
    repeated scan answers "already checked in" (the same scan sent again answers as the
    first time) and changes nothing; outside the check-in window as for sessions."""
    slot = _visit_slot_or_404(request, slot_id)
    form = TicketForm(request.POST)
    visit = None
    override = None
    if not form.is_valid() or not form.cleaned_data["ticket"]:
        ok, code, message = False, "invalid", _("Type a ticket code or scan the QR code.")
    else:
        try:
            visit = lab_visit_checkin_ticket(
                slot=slot,
                ticket=form.cleaned_data["ticket"],
                nonce=form.cleaned_data["nonce"],
                override=form.cleaned_data["override"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except LabVisitError as error:
            ok, code, message = False, error.code, error.message
            override = _override_offer(request, form, code)
        else:
            ok, code, message = True, "checked_in", _group_welcome(visit)
    if _wants_json(request):
        return JsonResponse(
            {
                "ok": ok,
                "code": code,
                "message": message,
                "can_override": override is not None,
                "party_size": visit.group_size if visit is not None else None,
                "counts": visit_slot_counts(slot_id=slot.pk),
            },
            status=200 if ok else 400 if code == "invalid" else 409,
        )
    if ok:
        messages.success(request, message)
    else:
        messages.error(request, message)
    if override is not None:
        return _render_visit_slot(request, slot, override=override, status=409)
    return redirect(reverse("events:checkin_visit_slot", kwargs={"slot_id": slot.pk}))


@require_GET
@checkin_door_required
def checkin_visit_counts(request: HttpRequest, slot_id: int) -> JsonResponse:
    slot = _visit_slot_or_404(request, slot_id)
    return JsonResponse(visit_slot_counts(slot_id=slot.pk))


urlpatterns = [
    path("", checkin_home, name="checkin_home"),
    path("<id:session_id>/", checkin_session, name="checkin_session"),
    path("<id:session_id>/ticket/", checkin_ticket, name="checkin_ticket"),
    path("<id:session_id>/walk-in/", checkin_walk_in, name="checkin_walk_in"),
    path("<id:session_id>/counts.json", checkin_counts_json, name="checkin_counts"),
    path("visit/<id:slot_id>/", checkin_visit_slot, name="checkin_visit_slot"),
    path("visit/<id:slot_id>/ticket/", checkin_visit_ticket, name="checkin_visit_ticket"),
    path("visit/<id:slot_id>/counts.json", checkin_visit_counts, name="checkin_visit_counts"),
]
