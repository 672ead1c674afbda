"""iCalendar (.ics) file of an approved lab visit, in the requester's language.

The UID is ``labvisit-<ticket code>@<host>`` (never a database id), so the approval, any
later file and the cancellation all update the same calendar event. ``SEQUENCE`` counts
the visit's recorded changes after its request; a cancelled or declined visit comes with
``METHOD:CANCEL`` and ``STATUS:CANCELLED``.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from icalendar import Event

from labvisits.models import LabVisit, lab_visit_is_machine_time
from portal.calendar import absolute_url, calendar_host, calendar_new, local_time, organizer, when

# The product identifier lab-visit files have carried since they were first written with
# the open-day calendar's parts; calendar apps match events by UID, not by it.
PRODID = "-//Testing and Inspection Public Service Portal//Open day calendar//EN"


def lab_visit_uid(visit: LabVisit) -> str:
    return f"labvisit-{visit.ticket_code}@{calendar_host()}"


def lab_visit_ics(*, visit: LabVisit, language: str, address: str, institution_title: str) -> str:
    """The visit as a calendar event; ``address`` and ``institution_title`` in ``language``."""
    slot = visit.slot
    active = visit.state == LabVisit.State.APPROVED
    with translation.override(language):
        lab_name = slot.lab.display_name
        if lab_visit_is_machine_time(visit):
            title = _("Machine time: %(instrument)s, %(institution)s") % {
                "instrument": slot.instrument.display_name,
                "institution": institution_title,
            }
        else:
            title = _("Lab visit: %(lab)s, %(institution)s") % {
                "lab": lab_name,
                "institution": institution_title,
            }
        calendar = calendar_new(
            prodid=PRODID, method="PUBLISH" if active else "CANCEL", spans=[slot]
        )
        event = Event()
        event.add("uid", lab_visit_uid(visit))
        event.add("dtstamp", timezone.now())
        event.add("dtstart", local_time(slot.starts_at))
        event.add("dtend", local_time(slot.ends_at))
        event.add("location", address)
        event.add("summary", title if active else _("Cancelled: %(title)s") % {"title": title})
        lines = [title, when(slot)]
        lines.append(_("Ticket code: %(code)s") % {"code": visit.ticket_code})
        lines.append(
            ngettext(
                "Group size: %(count)d person",
                "Group size: %(count)d people",
                visit.group_size,
            )
            % {"count": visit.group_size}
        )
        lines.append(_("Address: %(location)s") % {"location": address})
        lines.append(
            _("Your ticket: %(url)s")
            % {"url": absolute_url(reverse("labvisits:ticket", kwargs={"pk": visit.pk}))}
        )
        event.add("description", "\n".join(lines))
        event.add("status", "CONFIRMED" if active else "CANCELLED")
        event.add("sequence", max(visit.changes.count() - 1, 0))
        event.add("last-modified", visit.updated_at)
        sender = organizer()
        if sender is not None:
            event.add("organizer", sender)
        calendar.add_component(event)
        return calendar.to_ical().decode()
