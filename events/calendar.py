"""iCalendar (.ics) files for open-day sessions: a registrant's ticket, an activity's
sessions and a campaign's subscribable feed.

Every function returns the file as bytes. Times are written in the portal's time zone
(``TIME_ZONE``, Asia/Shanghai) with a ``TZID`` parameter and a matching ``VTIMEZONE``, so a
calendar app shows the right local time wherever its user is. Text is written in the
language of the registrant (ticket) or of the page (activity, campaign).

UIDs never contain a database id of a registration: a ticket's event is
``registration-<ticket code>@<host>``, so the file sent on registering, the one downloaded
later and the cancellation all update the same event. Sessions are public and use
``session-<id>@<host>``.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from icalendar import Alarm, Calendar, Event, vDuration
from wagtail.models import Page

from events.choices import SessionFormat
from events.models import ActivityPage, OpenDayIndexPage, Registration, Session
from events.selectors import (
    activity_in_language,
    session_list_for_activity,
    session_list_for_campaign,
)
from events.tickets import manage_token_make
from portal.calendar import (
    absolute_url,
    calendar_host,
    calendar_new,
    local_time,
    organizer,
    when,
)

PRODID = "-//Testing and Inspection Public Service Portal//Open day calendar//EN"
# A registrant's calendar app reminds them this long before their session starts.
REMINDER_BEFORE = datetime.timedelta(hours=2)
# How often subscribers' calendar apps should fetch the campaign feed again.
FEED_REFRESH = datetime.timedelta(hours=1)

_STATUS = {
    Registration.Status.CONFIRMED: "CONFIRMED",
    Registration.Status.CHECKED_IN: "CONFIRMED",
    Registration.Status.NO_SHOW: "CONFIRMED",
    Registration.Status.WAITLISTED: "TENTATIVE",
    Registration.Status.CANCELLED: "CANCELLED",
}


def registration_ics(*, registration: Registration, language: str | None = None) -> bytes:
    """The ticket as a calendar event, in ``language`` (by default the registrant's: the
    ticket page's download passes the language the page is viewed in).

    ``METHOD:PUBLISH`` while the registration stands; once it is cancelled the same UID
    comes with ``METHOD:CANCEL`` and ``STATUS:CANCELLED`` so a calendar app that imported
    the ticket can remove it. ``SEQUENCE`` counts the registration's status changes after
    the first (its creation): each change recorded in the status history (cancellation,
    promotion, new party size, move) makes a newer revision of the event. A waitlisted
    registration is ``TENTATIVE`` and has no reminder (it holds no place yet); confirmed
    ones remind ``REMINDER_BEFORE`` the start.
    """
    session = registration.session
    cancelled = registration.status == Registration.Status.CANCELLED
    language = language or registration.language
    with translation.override(language):
        page = activity_in_language(activity=session.activity, language=language)
        title = page.title
        manage_url = absolute_url(
            reverse(
                "events:registration_manage",
                kwargs={"token": manage_token_make(registration.ticket_code)},
            )
        )
        calendar = calendar_new(
            prodid=PRODID, method="CANCEL" if cancelled else "PUBLISH", spans=[session]
        )
        event = _session_event(
            session,
            page=page,
            page_url=_page_url(page),
            uid=_registration_uid(registration),
            # An online session's place is the ticket page (the link appears there); the
            # meeting link itself is never written into a file that may be forwarded.
            url=manage_url if session.has_link else "",
        )
        if cancelled:
            event.add("summary", _("Cancelled: %(title)s") % {"title": title})
        else:
            event.add("summary", title)
        lines = [title, when(session)]
        if cancelled:
            lines.append(_("This registration has been cancelled."))
        elif registration.status == Registration.Status.WAITLISTED:
            lines.append(
                _(
                    "You are on the waiting list: this is not a place yet. You will be told "
                    "by e-mail if a place becomes free."
                )
            )
        lines.append(_("Ticket code: %(code)s") % {"code": registration.ticket_code})
        lines.append(
            ngettext(
                "Party size: %(count)d person",
                "Party size: %(count)d people",
                registration.party_size,
            )
            % {"count": registration.party_size}
        )
        if session.note:
            lines.append(_("Note: %(note)s") % {"note": session.note})
        lines.append(_("Address: %(location)s") % {"location": _location(page, session)})
        if session.has_link:
            lines.append(_("The online link will be on your ticket page shortly before the start."))
        lines.append(_("View, change or cancel your registration: %(url)s") % {"url": manage_url})
        event.add("description", "\n".join(lines))
        event.add("status", _STATUS.get(registration.status, "CONFIRMED"))
        event.add("sequence", max(registration.changes.count() - 1, 0))
        event.add("last-modified", registration.updated_at)
        sender = organizer()
        if sender is not None:
            event.add("organizer", sender)
        if registration.status in (Registration.Status.CONFIRMED, Registration.Status.CHECKED_IN):
            event.add_component(_reminder(session, title=title, page=page))
        calendar.add_component(event)
        return calendar.to_ical()


def activity_ics(*, activity: ActivityPage) -> bytes:
    """The sessions of an activity that have not ended and were not cancelled, in the page's
    language.

    For a translated page these are the sessions of its source page. Public data only.
    """
    sessions = [
        s
        for s in session_list_for_activity(activity=activity)
        if not s.has_ended and s.booking_state != "cancelled"
    ]
    with translation.override(activity.locale.language_code):
        calendar = calendar_new(prodid=PRODID, method="PUBLISH", spans=sessions)
        _name(calendar, activity.title)
        page_url = _page_url(activity)
        for session in sessions:
            calendar.add_component(_public_session_event(session, page=activity, page_url=page_url))
        return calendar.to_ical()


def campaign_ics(*, campaign: OpenDayIndexPage) -> bytes:
    """The subscribable feed of a campaign: every session of its live activities, in the
    campaign's language, with a hint to calendar apps to fetch it again every hour.

    Past sessions stay in the feed, so they stay in subscribers' calendars. A fixed number
    of queries, however many activities and sessions there are.
    """
    sessions = session_list_for_campaign(campaign=campaign)
    with translation.override(campaign.locale.language_code):
        calendar = calendar_new(prodid=PRODID, method="PUBLISH", spans=sessions)
        _name(calendar, campaign.title, description=campaign.theme)
        calendar.add("x-wr-timezone", settings.TIME_ZONE)
        calendar.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
        # An X- property has no known type: say it is a duration, or it is written as text.
        calendar.add("x-published-ttl", vDuration(FEED_REFRESH))
        calendar.add(
            "source",
            absolute_url(reverse("events:calendar_campaign", kwargs={"page_id": campaign.pk})),
            parameters={"VALUE": "URI"},
        )
        page_urls: dict[int, str] = {}  # each page's URL, looked up once
        for session in sessions:
            page = session.activity_page
            if page.pk not in page_urls:
                page_urls[page.pk] = _page_url(page)
            calendar.add_component(
                _public_session_event(session, page=page, page_url=page_urls[page.pk])
            )
        return calendar.to_ical()


# --- Parts ---------------------------------------------------------------------------


def _page_url(page: Page) -> str:
    """The page's absolute URL, or "" when it has none (not routable)."""
    parts = page.get_url_parts()
    if not parts or not parts[2]:
        return ""
    return absolute_url(parts[2])


def _registration_uid(registration: Registration) -> str:
    return f"registration-{registration.ticket_code}@{calendar_host()}"


def _name(calendar: Calendar, name: str, *, description: str = "") -> None:
    """The calendar's name (and description) as RFC 7986 has them and as the calendar apps
    that predate it read them (``X-WR-``)."""
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    if description:
        calendar.add("description", description)
        calendar.add("x-wr-caldesc", description)


def _session_event(
    session: Session, *, page: ActivityPage, page_url: str, uid: str, url: str = ""
) -> Event:
    """The event's time, place and link (``url``, else the session on its page); the caller
    adds summary and description."""
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", local_time(session.starts_at))
    event.add("dtend", local_time(session.ends_at))
    event.add("location", _location(page, session))
    if session.has_door and page.latitude is not None and page.longitude is not None:
        event.add("geo", (float(page.latitude), float(page.longitude)))
    if url:
        event.add("url", url)
    elif page_url:
        event.add("url", f"{page_url}#session-{session.pk}")
    return event


def _public_session_event(session: Session, *, page: ActivityPage, page_url: str) -> Event:
    """A session as anyone may see it: no personal data, no reminder, and shown as free
    time (``TRANSP:TRANSPARENT``) since the subscriber has not necessarily registered."""
    event = _session_event(
        session, page=page, page_url=page_url, uid=f"session-{session.pk}@{calendar_host()}"
    )
    event.add("summary", page.title)
    lines = [page.summary] if page.summary else []
    if session.note:
        lines.append(_("Note: %(note)s") % {"note": session.note})
    if page_url:
        lines.append(
            _("Places and registration: %(url)s") % {"url": f"{page_url}#session-{session.pk}"}
        )
    if lines:
        event.add("description", "\n".join(lines))
    event.add("categories", [page.get_activity_type_display()])
    event.add("status", "CONFIRMED")
    event.add("transp", "TRANSPARENT")
    event.add("last-modified", session.updated_at)
    return event


def _location(page: ActivityPage, session: Session) -> str:
    if session.is_online:
        return str(SessionFormat.ONLINE.label)
    venue = _("%(venue)s, %(address)s") % {"venue": page.venue, "address": page.address}
    if session.has_link:
        return _("%(venue)s, and online") % {"venue": venue}
    return venue


def _reminder(session: Session, *, title: str, page: ActivityPage) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("trigger", -REMINDER_BEFORE)
    if session.is_online:
        alarm.add(
            "description",
            _("Reminder: %(title)s starts online at %(time)s. The link is on your ticket page.")
            % {
                "title": title,
                "time": date_format(local_time(session.starts_at), "TIME_FORMAT"),
            },
        )
        return alarm
    alarm.add(
        "description",
        _("Reminder: %(title)s starts at %(time)s at %(venue)s. Bring your ticket code.")
        % {
            "title": title,
            "time": date_format(local_time(session.starts_at), "TIME_FORMAT"),
            "venue": page.venue,
        },
    )
    return alarm
