"""The check-in screen at the door, for check-in staff (permission ``events.check_in``).

Pick a session, then check tickets in by typed code, camera scan (the QR token) or a search
by name / last phone digits, and record walk-ins. Every action is a plain POST form that
redirects back with a message (works without JavaScript); ``static/js/checkin.js`` posts
the same forms with ``Accept: application/json`` and shows the answer in a live region.
The rules live in ``events.services.checkin``. The screen keeps checking typed and scanned
tickets in when the network drops (``events.views.checkin_offline``).

The home page also lists the doors other apps register (``portal.checkin``: the
lab-visit slots, whose screens live in ``labvisits.checkin_views``). The ticket form, the
override offer and the answer to a ticket are shared with those doors (``portal.checkin``).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from events.choices import SessionFormat
from events.exceptions import RegistrationError
from events.models import Registration, Session
from events.selectors import user_is_checkin_staff
from events.services.checkin import (
    checkin_counts,
    checkin_perform,
    checkin_search,
    checkin_session_list,
    checkin_session_title,
    walk_in_record,
)
from events.services.offline import checkin_conflict_list
from events.tickets import name_mask
from portal.checkin import (
    CheckinAnswer,
    CheckinCounter,
    TicketForm,
    checkin_access_required,
    checkin_answer_flash,
    checkin_answer_invalid,
    checkin_answer_json,
    checkin_doors,
    checkin_may_override,
    checkin_nonce_new,
    checkin_override_offer,
    checkin_wants_json,
)
from portal.phones import phone_mask
from portal.query import query_text


def _staff(user) -> bool:
    return user_is_checkin_staff(user=user)


def _at_some_door(user) -> bool:
    """Check-in staff, or a user another door admits (an institution contact)."""
    return _staff(user) or any(door.admits(user) for door in checkin_doors())


# Anonymous visitors are sent to sign in, other users get 403.
checkin_door_required = checkin_access_required(_at_some_door)
checkin_staff_required = checkin_access_required(_staff)


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


def _door_sessions():
    """Sessions with a door: an online session has no check-in screen."""
    return Session.objects.select_related("activity").exclude(format=SessionFormat.ONLINE)


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


def _counters(counts: dict[str, int]) -> list[CheckinCounter]:
    return [
        CheckinCounter("arrived", _("Arrived"), counts["arrived"], main=True),
        CheckinCounter("expected", _("Still expected"), counts["expected"], main=True),
        CheckinCounter("places_left", _("Places left"), counts["places_left"], main=True),
        CheckinCounter("registered", _("Registered"), counts["registered"]),
        CheckinCounter("walk_ins", _("Walk-ins"), counts["walk_ins"]),
        CheckinCounter("waitlisted", _("Waiting list"), counts["waitlisted"]),
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
            "counters": _counters(counts),
            "query": query,
            "results": _result_rows(results) if results is not None else None,
            "walk_in_form": walk_in_form or WalkInForm(),
            "has_ended": session.ends_at <= timezone.now(),
            "counts_url": reverse("events:checkin_counts", kwargs={"session_id": session.pk}),
            "ticket_url": reverse("events:checkin_ticket", kwargs={"session_id": session.pk}),
            "nonce": checkin_nonce_new(),
            "override": override,
            "may_override": checkin_may_override(request.user),
            "offline_list_url": reverse(
                "events:checkin_offline_list", kwargs={"session_id": session.pk}
            ),
            "offline_sync_url": reverse(
                "events:checkin_offline_sync", kwargs={"session_id": session.pk}
            ),
            "conflicts": checkin_conflict_list(session_id=session.pk),
        },
        status=status,
    )


@require_GET
@checkin_door_required
def checkin_home(request: HttpRequest) -> HttpResponse:
    show_sessions = _staff(request.user)
    upcoming, earlier = checkin_session_list() if show_sessions else ([], [])
    doors = [
        {"template": door.template, **door.context(request)}
        for door in checkin_doors()
        if show_sessions or door.admits(request.user)
    ]
    return render(
        request,
        "events/checkin/home.html",
        {
            "show_sessions": show_sessions,
            "upcoming": upcoming,
            "earlier": earlier,
            "doors": doors,
        },
    )


@require_GET
@checkin_staff_required
def checkin_session(request: HttpRequest, session_id: int) -> HttpResponse:
    session = get_object_or_404(_door_sessions(), pk=session_id)
    return _render_session(request, session)


@require_POST
@checkin_staff_required
def checkin_ticket(request: HttpRequest, session_id: int) -> HttpResponse:
    """Check a typed code or a scanned QR token in. After a refusal outside the check-in
    window, staff allowed to override get a form to check the ticket in with a reason."""
    session = get_object_or_404(_door_sessions(), pk=session_id)
    form = TicketForm(request.POST)
    query = request.POST.get("q", "").strip()[:60]
    if not form.is_valid() or not (
        form.cleaned_data["ticket"] or form.cleaned_data["registration"]
    ):
        answer = checkin_answer_invalid()
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
            answer = _answer(
                error.registration,
                ok=False,
                code=error.code,
                message=error.message,
                override=checkin_override_offer(request, form, error.code),
            )
        else:
            answer = _answer(
                registration, ok=True, code="checked_in", message=_party_welcome(registration)
            )
    if checkin_wants_json(request):
        return checkin_answer_json(answer, counts=checkin_counts(session_id=session.pk))
    checkin_answer_flash(request, answer)
    if answer.override is not None:
        return _render_session(request, session, override=answer.override, status=409)
    return redirect(_session_url(session.pk, query))


def _answer(registration: Registration | None, **fields) -> CheckinAnswer:
    """The door's answer, with the party and its check-in time when the ticket is known."""
    if registration is None:
        return CheckinAnswer(**fields)
    return CheckinAnswer(
        party_size=registration.party_size, checked_in_at=registration.checked_in_at, **fields
    )


@require_POST
@checkin_staff_required
def checkin_walk_in(request: HttpRequest, session_id: int) -> HttpResponse:
    """Record a walk-in party (checked in at once) when places remain."""
    session = get_object_or_404(_door_sessions(), pk=session_id)
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


urlpatterns = [
    path("", checkin_home, name="checkin_home"),
    path("<id:session_id>/", checkin_session, name="checkin_session"),
    path("<id:session_id>/ticket/", checkin_ticket, name="checkin_ticket"),
    path("<id:session_id>/walk-in/", checkin_walk_in, name="checkin_walk_in"),
    path("<id:session_id>/counts.json", checkin_counts_json, name="checkin_counts"),
]
