"""The check-in screen of a lab-visit slot, at the lab's door.

Check-in staff (permission ``events.check_in``) check in visits to every lab, an
institution contact visits to their own labs (others get a 404 for a slot they may not
see). Only approved visits of that slot are accepted (``labvisits.services``). The screen,
the ticket form and the answer to a ticket are those of the open-day sessions
(``templates/includes/checkin_*.html``, ``portal.checkin``); the slots are listed on the
check-in home page through ``portal.checkin`` (registered in ``labvisits.apps``).

Offline, the screen checks tickets against the slot's ticket list and queues them
(``static/js/checkin-offline.js``, ``labvisits.offline``); the list and the sync have the
door's permission. The service worker and the manifest are the open day's: their scope,
the check-in URLs, covers this door (``open-day/checkin/visit/``).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from labvisits.exceptions import LabVisitError
from labvisits.models import LabVisit, VisitSlot
from labvisits.notifications import institution_in_language
from labvisits.offline import (
    visit_checkin_conflict_list,
    visit_checkin_offline_sync,
    visit_offline_ticket_list,
)
from labvisits.selectors import slot_list_for_checkin, user_is_contact, visit_slot_counts
from labvisits.services import can_check_in, lab_visit_checkin_ticket
from portal.checkin import (
    CheckinAnswer,
    CheckinCounter,
    TicketForm,
    checkin_access_required,
    checkin_answer_flash,
    checkin_answer_invalid,
    checkin_answer_json,
    checkin_may_override,
    checkin_nonce_new,
    checkin_override_offer,
    checkin_wants_json,
)
from portal.offline import offline_list_response, offline_sync_response


def checkin_admits(user) -> bool:
    """Check-in staff, or an institution contact (who checks in visits to their labs only)."""
    return user.has_perm("events.check_in") or user_is_contact(user=user)


# Anonymous visitors are sent to sign in, other users get 403.
checkin_door_required = checkin_access_required(checkin_admits)


def checkin_home_context(request: HttpRequest) -> dict:
    """The lab-visit section of the check-in home page: slots this user checks in."""
    upcoming, earlier = slot_list_for_checkin(user=request.user)
    return {"upcoming": upcoming, "earlier": earlier}


def checkin_ticket_elsewhere(code: str) -> str | None:
    """What a session's door answers to a lab-visit ticket: where to check it in."""
    if code and LabVisit.objects.filter(ticket_code=code).exists():
        return _("This is a lab-visit ticket: check it in on the screen of its lab visit.")
    return None


def _visit_slot_or_404(request: HttpRequest, slot_id: int) -> VisitSlot:
    """The slot, if this user checks visitors in for its lab; else 404 (a contact of
    another institution does not learn that the slot exists)."""
    slot = get_object_or_404(
        VisitSlot.objects.select_related("lab__institution", "instrument"), pk=slot_id
    )
    if not can_check_in(user=request.user, lab=slot.lab):
        raise Http404
    return slot


@require_GET
@checkin_door_required
def checkin_visit_slot(request: HttpRequest, slot_id: int) -> HttpResponse:
    slot = _visit_slot_or_404(request, slot_id)
    return _render_visit_slot(request, slot)


def _counters(counts: dict[str, int]) -> list[CheckinCounter]:
    return [
        CheckinCounter("arrived", _("Arrived"), counts["arrived"], main=True),
        CheckinCounter("expected", _("Still expected"), counts["expected"], main=True),
        CheckinCounter("approved", _("Approved visitors"), counts["approved"]),
    ]


def _render_visit_slot(
    request: HttpRequest, slot: VisitSlot, *, override: dict | None = None, status: int = 200
) -> HttpResponse:
    visits = (
        LabVisit.objects.filter(slot=slot, state=LabVisit.State.APPROVED)
        .select_related("enterprise")
        .order_by("enterprise__name", "pk")
    )
    counts = visit_slot_counts(slot_id=slot.pk)
    return render(
        request,
        "labvisits/checkin/slot.html",
        {
            "slot": slot,
            "lab": slot.lab,
            "institution": institution_in_language(
                institution=slot.lab.institution, language=get_language()
            ),
            "counts": counts,
            "counters": _counters(counts),
            "visits": list(visits),
            "has_ended": slot.ends_at <= timezone.now(),
            "counts_url": reverse("labvisits:checkin_visit_counts", kwargs={"slot_id": slot.pk}),
            "ticket_url": reverse("labvisits:checkin_visit_ticket", kwargs={"slot_id": slot.pk}),
            "nonce": checkin_nonce_new(),
            "override": override,
            "may_override": checkin_may_override(request.user),
            # Offline (labvisits.offline): the list and queue are kept in the browser under
            # "visit-<slot>", apart from the sessions' ("<session>").
            "offline_door": f"visit-{slot.pk}",
            "offline_list_url": reverse(
                "labvisits:checkin_visit_offline_list", kwargs={"slot_id": slot.pk}
            ),
            "offline_sync_url": reverse(
                "labvisits:checkin_visit_offline_sync", kwargs={"slot_id": slot.pk}
            ),
            "conflicts": visit_checkin_conflict_list(slot_id=slot.pk),
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


def _answer(visit: LabVisit | None, **fields) -> CheckinAnswer:
    """The door's answer, with the group and its check-in time when the ticket is known."""
    if visit is None:
        return CheckinAnswer(**fields)
    return CheckinAnswer(party_size=visit.group_size, checked_in_at=visit.checked_in_at, **fields)


@require_POST
@checkin_door_required
def checkin_visit_ticket(request: HttpRequest, slot_id: int) -> HttpResponse:
    """Check in the approved visit of this slot whose ticket was typed or scanned. A
    repeated scan answers "already checked in" (the same scan sent again answers as the
    first time) and changes nothing; outside the check-in window as for sessions."""
    slot = _visit_slot_or_404(request, slot_id)
    form = TicketForm(request.POST)
    if not form.is_valid() or not form.cleaned_data["ticket"]:
        answer = checkin_answer_invalid()
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
            answer = _answer(
                error.visit,
                ok=False,
                code=error.code,
                message=error.message,
                override=checkin_override_offer(request, form, error.code),
            )
        else:
            answer = _answer(visit, ok=True, code="checked_in", message=_group_welcome(visit))
    if checkin_wants_json(request):
        return checkin_answer_json(answer, counts=visit_slot_counts(slot_id=slot.pk))
    checkin_answer_flash(request, answer)
    if answer.override is not None:
        return _render_visit_slot(request, slot, override=answer.override, status=409)
    return redirect(reverse("labvisits:checkin_visit_slot", kwargs={"slot_id": slot.pk}))


@require_GET
@checkin_door_required
def checkin_visit_counts(request: HttpRequest, slot_id: int) -> JsonResponse:
    slot = _visit_slot_or_404(request, slot_id)
    return JsonResponse(visit_slot_counts(slot_id=slot.pk))


@require_GET
@checkin_door_required
def checkin_visit_offline_list(request: HttpRequest, slot_id: int) -> JsonResponse:
    """The slot's ticket list for the screen to check tickets against offline (no personal
    data: ``labvisits.offline``); for whoever may use this slot's door."""
    slot = _visit_slot_or_404(request, slot_id)
    return offline_list_response(lambda: visit_offline_ticket_list(slot=slot))


@require_POST
@checkin_door_required
def checkin_visit_offline_sync(request: HttpRequest, slot_id: int) -> JsonResponse:
    """Apply the check-ins the screen queued offline (``portal.offline``)."""
    slot = _visit_slot_or_404(request, slot_id)
    return offline_sync_response(
        request,
        sync=lambda scans, device: visit_checkin_offline_sync(
            slot=slot, scans=scans, device=device, by=request.user
        ),
        counts=lambda: visit_slot_counts(slot_id=slot.pk),
    )


urlpatterns = [
    path("<id:slot_id>/", checkin_visit_slot, name="checkin_visit_slot"),
    path("<id:slot_id>/ticket/", checkin_visit_ticket, name="checkin_visit_ticket"),
    path("<id:slot_id>/counts.json", checkin_visit_counts, name="checkin_visit_counts"),
    path(
        "<id:slot_id>/tickets.json",
        checkin_visit_offline_list,
        name="checkin_visit_offline_list",
    ),
    path("<id:slot_id>/sync/", checkin_visit_offline_sync, name="checkin_visit_offline_sync"),
]
