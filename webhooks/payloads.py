"""Which event a change is, and what its delivery says.

A payload's ``data`` holds no personal data: ids, states, times, party and group sizes,
the session, lab and institution. Names and phone numbers, masked, go under
``data["person"]`` and only to endpoints whose scope allows them (``Endpoint.Scope``); the
sender removes that key again should the endpoint's scope have narrowed meanwhile. Ticket
codes (they let anyone in at the door), e-mail addresses, visitors' names, free-text notes
and staff accounts are never sent.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from consultations.models import Consultation, ConsultationChange
from events.models import Registration, RegistrationChange, Session
from events.tickets import name_mask
from labvisits.models import LabVisit, LabVisitChange
from portal.models import StateChange
from portal.phones import phone_mask
from webhooks.models import Event


@dataclass
class Planned:
    """One event, before it is written for each endpoint that wants it."""

    event: str
    event_id: str
    occurred_at: datetime.datetime
    # The translation key of the institution the event belongs to (None: no institution,
    # e.g. a consultation), for endpoints restricted to one institution.
    institution_key: str | None
    data: dict
    person: dict = field(default_factory=dict)

    def payload(self, *, personal: bool) -> dict:
        data = dict(self.data)
        if personal and self.person:
            data["person"] = self.person
        return {
            "id": self.event_id,
            "event": self.event,
            "occurred_at": _time(self.occurred_at),
            "data": data,
        }


def _time(moment: datetime.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _person(name: str, phone: str) -> dict:
    return {"name": name_mask(name), "phone": phone_mask(phone)}


def _change(change: StateChange) -> dict:
    return {"step": change.event, "from": change.from_state, "to": change.to_state}


def _institution(page) -> tuple[str | None, dict | None]:
    if page is None:
        return None, None
    return str(page.translation_key), {"id": page.pk, "name": page.title}


# --- Which event ----------------------------------------------------------------------------


def registration_event(change: StateChange) -> str:
    """A registration's step as an event: its new status, "promoted" for a place offered
    from the waiting list, "changed" when the status stayed (party size, session time)."""
    if change.from_state == change.to_state:
        return Event.REGISTRATION_CHANGED
    if change.to_state == Registration.Status.CONFIRMED and (
        change.from_state == Registration.Status.WAITLISTED
    ):
        return Event.REGISTRATION_PROMOTED
    return f"registration.{change.to_state}"


def lab_visit_event(change: StateChange) -> str:
    if change.event == "checked_in":
        return Event.LAB_VISIT_CHECKED_IN
    return Event.LAB_VISIT_STATE_CHANGED


def _event_of(model: type[StateChange], change: StateChange) -> str | None:
    if model is RegistrationChange:
        return registration_event(change)
    if model is ConsultationChange:
        return Event.CONSULTATION_STATE_CHANGED
    if model is LabVisitChange:
        return lab_visit_event(change)
    return None


# --- What it says ---------------------------------------------------------------------------


def _session_data(session: Session) -> dict:
    return {
        "id": session.pk,
        "starts_at": _time(session.starts_at),
        "ends_at": _time(session.ends_at),
        "format": session.format,
        "activity": {"id": session.activity_id, "title": session.activity.title},
    }


def _registrations_planned(changes: list[tuple[str, RegistrationChange]]) -> list[Planned]:
    registrations = Registration.objects.select_related("session__activity__institution").in_bulk(
        {change.registration_id for _, change in changes}
    )
    planned = []
    for event, change in changes:
        registration = registrations.get(change.registration_id)
        if registration is None:
            continue
        key, institution = _institution(registration.session.activity.institution)
        planned.append(
            Planned(
                event=event,
                event_id=f"registration-change-{change.pk}",
                occurred_at=change.created_at,
                institution_key=key,
                data={
                    "registration": {
                        "id": registration.pk,
                        "status": change.to_state,
                        "party_size": registration.party_size,
                        "source": registration.source,
                        "checked_in_at": _time(registration.checked_in_at),
                    },
                    "change": _change(change),
                    "session": _session_data(registration.session),
                    "institution": institution,
                },
                person=_person(registration.name, registration.phone),
            )
        )
    return planned


def _consultations_planned(changes: list[tuple[str, ConsultationChange]]) -> list[Planned]:
    consultations = Consultation.objects.in_bulk({c.consultation_id for _, c in changes})
    planned = []
    for event, change in changes:
        consultation = consultations.get(change.consultation_id)
        if consultation is None:
            continue
        planned.append(
            Planned(
                event=event,
                event_id=f"consultation-change-{change.pk}",
                occurred_at=change.created_at,
                institution_key=None,
                data={
                    "consultation": {
                        "id": consultation.pk,
                        "reference": consultation.reference,
                        "state": change.to_state,
                        "service": consultation.service,
                        "field": consultation.field,
                        "mode": consultation.mode,
                        "starts_at": _time(consultation.starts_at),
                        "ends_at": _time(consultation.ends_at),
                        "expert_id": consultation.expert_id,
                        "enterprise_id": consultation.enterprise_id,
                    },
                    "change": _change(change),
                },
                person=_person(consultation.contact_name, consultation.contact_phone),
            )
        )
    return planned


def _lab_visits_planned(changes: list[tuple[str, LabVisitChange]]) -> list[Planned]:
    visits = LabVisit.objects.select_related("slot__lab__institution").in_bulk(
        {c.visit_id for _, c in changes}
    )
    planned = []
    for event, change in changes:
        visit = visits.get(change.visit_id)
        if visit is None:
            continue
        slot = visit.slot
        key, institution = _institution(slot.lab.institution)
        planned.append(
            Planned(
                event=event,
                event_id=f"lab-visit-change-{change.pk}",
                occurred_at=change.created_at,
                institution_key=key,
                data={
                    "lab_visit": {
                        "id": visit.pk,
                        "state": change.to_state,
                        "group_size": visit.group_size,
                        "checked_in_at": _time(visit.checked_in_at),
                        "enterprise_id": visit.enterprise_id,
                    },
                    "change": _change(change),
                    "slot": {
                        "id": slot.pk,
                        "starts_at": _time(slot.starts_at),
                        "ends_at": _time(slot.ends_at),
                        "instrument_id": slot.instrument_id,
                    },
                    "lab": {"id": slot.lab_id, "name": slot.lab.name},
                    "institution": institution,
                },
                person=_person(visit.contact_name, visit.contact_phone),
            )
        )
    return planned


def changes_wanted(
    model: type[StateChange], changes: Iterable[StateChange], *, wanted: set[str]
) -> list[tuple[str, StateChange]]:
    """(event, change) of each of ``changes`` (saved steps of one ``model``) whose event
    is in ``wanted``; reads nothing."""
    events = [(_event_of(model, change), change) for change in changes]
    return [(event, change) for event, change in events if event is not None and event in wanted]


def changes_planned(
    model: type[StateChange], chosen: list[tuple[str, StateChange]]
) -> list[Planned]:
    """The events ``changes_wanted`` chose, with their data, read in one query."""
    if not chosen:
        return []
    if model is RegistrationChange:
        return _registrations_planned(chosen)  # type: ignore[arg-type]
    if model is ConsultationChange:
        return _consultations_planned(chosen)  # type: ignore[arg-type]
    return _lab_visits_planned(chosen)  # type: ignore[arg-type]


def session_event(kind: str) -> str:
    return Event.SESSION_CANCELLED if kind == "cancelled" else Event.SESSION_CHANGED


def session_planned(
    *, session: Session, kind: str, key: str, at: datetime.datetime, reason: str
) -> Planned:
    """``session.changed`` (its time moved; ``data.session`` has the new time) or
    ``session.cancelled`` (with the organiser's reason, which every registrant is sent)."""
    session = Session.objects.select_related("activity__institution").get(pk=session.pk)
    institution_key, institution = _institution(session.activity.institution)
    event = session_event(kind)
    data: dict = {"session": _session_data(session), "institution": institution}
    if kind == "cancelled":
        data["reason"] = reason
    return Planned(
        event=event,
        event_id=f"session-{session.pk}-{key}",
        occurred_at=at,
        institution_key=institution_key,
        data=data,
    )
