"""Parts of the iCalendar (.ics) files every app writes: open-day tickets and feeds,
consultations, lab visits.

Times are written in the portal's time zone (``TIME_ZONE``, Asia/Shanghai) with a ``TZID``
parameter and a matching ``VTIMEZONE`` (``vtimezone``), so a calendar app shows the right
local time wherever its user is. Links are absolute on the portal's public address
(``SITE_URL``), and UIDs end with its host name (``calendar_host``).
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable
from email.utils import parseaddr
from typing import Protocol
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from icalendar import Calendar, Timezone, vCalAddress


class Span(Protocol):
    """Anything with a start and an end: a session, a visit slot, a consultation."""

    starts_at: datetime.datetime
    ends_at: datetime.datetime


def calendar_host() -> str:
    """The host name that ends every UID the portal writes."""
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def absolute_url(path: str) -> str:
    """An absolute URL on the portal's public address (``SITE_URL``)."""
    return settings.SITE_URL + path


def local_time(moment: datetime.datetime) -> datetime.datetime:
    """``moment`` in the portal's time zone."""
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE))


@functools.lru_cache(maxsize=16)
def vtimezone(first_year: int, last_year: int) -> Timezone:
    """The portal's ``VTIMEZONE``, with the rules in force from ``first_year`` to the
    year after ``last_year`` (cached: building it walks the time zone's transitions)."""
    return Timezone.from_tzid(
        settings.TIME_ZONE,
        first_date=datetime.date(first_year, 1, 1),
        last_date=datetime.date(last_year + 2, 1, 1),
    )


def calendar_new(*, prodid: str, method: str, spans: Iterable[Span]) -> Calendar:
    """An empty calendar with ``method`` (``PUBLISH`` or ``CANCEL``) and, when ``spans`` has
    any, the ``VTIMEZONE`` covering their years (before the events that refer to it)."""
    calendar = Calendar()
    calendar.add("prodid", prodid)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    years = [year for s in spans for year in (s.starts_at.year, s.ends_at.year)]
    if years:
        calendar.add_component(vtimezone(min(years) - 1, max(years)))
    return calendar


def when(span: Span) -> str:
    """The line ``When: <date> <time> – <time>`` in the active language; the end's date
    is written only when it is another day."""
    start, end = local_time(span.starts_at), local_time(span.ends_at)
    if start.date() == end.date():
        end_text = date_format(end, "TIME_FORMAT")
    else:
        end_text = f"{date_format(end, 'DATE_FORMAT')} {date_format(end, 'TIME_FORMAT')}"
    return _("When: %(start)s – %(end)s") % {
        "start": f"{date_format(start, 'DATE_FORMAT')} {date_format(start, 'TIME_FORMAT')}",
        "end": end_text,
    }


def organizer() -> vCalAddress | None:
    """The portal's sender address, which calendar apps expect on published and
    cancelled events (RFC 5546); None when no address is configured."""
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    if not address:
        return None
    sender = vCalAddress(f"mailto:{address}")
    sender.params["CN"] = name or str(settings.PORTAL_TITLE)
    return sender
