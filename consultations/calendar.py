"""iCalendar (.ics) files of consultations, for both parties.

The UID is ``consultation-<reference>@<host>`` for the whole life of a consultation, so the
file sent on confirming, the one sent on rescheduling and the cancellation all update the
same event in the recipient's calendar; ``SEQUENCE`` is ``consultation.sequence``, raised
by every change the calendar shows. A cancelled consultation comes with ``METHOD:CANCEL``
and ``STATUS:CANCELLED``; any other with ``METHOD:PUBLISH``.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from consultations.models import Consultation
from portal.calendar import absolute_url, calendar_host, local_time, organizer, vtimezone

PRODID = "-//Testing and Inspection Public Service Portal//Expert consultations//EN"

_STATUS = {
    Consultation.State.REQUESTED: "TENTATIVE",
    Consultation.State.CONFIRMED: "CONFIRMED",
    Consultation.State.COMPLETED: "CONFIRMED",
    Consultation.State.NO_SHOW: "CONFIRMED",
    Consultation.State.DECLINED: "CANCELLED",
    Consultation.State.CANCELLED: "CANCELLED",
}


def consultation_uid(consultation: Consultation) -> str:
    return f"consultation-{consultation.reference}@{calendar_host()}"


def consultation_ics_method(consultation: Consultation) -> str:
    return "CANCEL" if _STATUS.get(consultation.state) == "CANCELLED" else "PUBLISH"


def consultation_ics(*, consultation: Consultation, language: str) -> bytes | None:
    """The consultation as a calendar event in ``language``; None while it has no time."""
    if consultation.starts_at is None or consultation.ends_at is None:
        return None
    method = consultation_ics_method(consultation)
    with translation.override(language):
        calendar = Calendar()
        calendar.add("prodid", PRODID)
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", method)
        start, end = local_time(consultation.starts_at), local_time(consultation.ends_at)
        calendar.add_component(vtimezone(start.year - 1, end.year))
        event = Event()
        event.add("uid", consultation_uid(consultation))
        event.add("dtstamp", timezone.now())
        event.add("dtstart", start)
        event.add("dtend", end)
        event.add("sequence", consultation.sequence)
        event.add("status", _STATUS.get(consultation.state, "TENTATIVE"))
        title = _("Expert consultation: %(topic)s") % {"topic": consultation.topic}
        if method == "CANCEL":
            title = _("Cancelled: %(title)s") % {"title": title}
        event.add("summary", title)
        if consultation.mode:
            event.add("location", str(consultation.get_mode_display()))
        detail_url = absolute_url(
            reverse("consultations:detail", kwargs={"reference": consultation.reference})
        )
        lines = [
            _("Reference: %(reference)s") % {"reference": consultation.reference},
            _("Service: %(service)s") % {"service": consultation.get_service_display()},
        ]
        if consultation.expert_id:
            lines.append(_("Expert: %(name)s") % {"name": _expert_name(consultation, language)})
        lines.append(_("Enterprise: %(name)s") % {"name": consultation.enterprise.name})
        lines.append(_("Details and changes: %(url)s") % {"url": detail_url})
        event.add("description", "\n".join(lines))
        event.add("url", detail_url)
        event.add("last-modified", consultation.updated_at or timezone.now())
        sender = organizer()
        if sender is not None:
            event.add("organizer", sender)
        calendar.add_component(event)
        return calendar.to_ical()


def _expert_name(consultation: Consultation, language: str) -> str:
    expert = consultation.expert
    if language.startswith("en") and expert.name_en:
        return expert.name_en
    return expert.name
