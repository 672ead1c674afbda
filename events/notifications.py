"""E-mails to registrants: the ticket, waiting-list notices, changes and cancellations.

Services call ``registration_notify_on_commit``, which writes the message as a row in their
transaction (``reminders.Reminder``, the outbox): a rolled-back registration never sends a
ticket, a committed one never loses its message, and the mail queue sends it after the
commit, so a slow mail server never holds a database lock. The ticket of a registration
confirmed in a request is planned by the follow-up worker instead
(``registration_followup_on_commit``). Every
message is in the registrant's language and carries the calendar file (METHOD:CANCEL for a
cancelled registration).

Notices about a whole session ("session_changed": its time moved; "session_cancelled": the
organiser cancelled it) are planned as ``reminders.Reminder`` rows and sent by the reminder
sweep, which builds them with ``registration_message``.
"""

from __future__ import annotations

from email.mime.image import MIMEImage

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _

from events.models import Registration
from events.services.notices import registration_followups_wake, registration_notice_plan
from portal.tickets import qr_png
from reminders.models import Reminder

KINDS = (
    "confirmed",
    "waitlisted",
    "promoted",
    "changed",
    "cancelled",
    "moved",
    "session_changed",
    "session_cancelled",
    "reminder",
)


def registration_notify_on_commit(*, registration: Registration, kind: str) -> None:
    """E-mail the registrant about ``registration`` (``kind``: "confirmed", "waitlisted",
    "promoted", "changed", "cancelled" or "moved"): a message row written in the current
    transaction (the outbox, ``events.services.notices.registration_notice_plan``), sent by the
    mail queue once the transaction commits. Nothing without an e-mail address."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    registration_notice_plan(registration=registration, kind=kind)


def registration_ticket_resend(*, registration: Registration) -> None:
    """Send the ticket (or the waiting-list notice) again to the address on file: the
    e-mail address, or by text message to the phone when there is none. Never to an address
    the person asking typed: whoever knows a phone number must not get its ticket."""
    kind = "waitlisted" if registration.status == Registration.Status.WAITLISTED else "confirmed"
    channel = Reminder.Channel.EMAIL if registration.email else Reminder.Channel.SMS
    registration_notice_plan(registration=registration, kind=kind, channel=channel)


def registration_followup_on_commit() -> None:
    """Once the current transaction commits, wake the worker that follows up registrations
    marked ``followup_pending`` (their ticket e-mail and reminders)."""
    transaction.on_commit(registration_followups_wake)


def _subject(kind: str, context: dict) -> str:
    activity_title = context["activity"].title
    if kind == "reminder":
        starts_at = timezone.localtime(context["session"].starts_at)
        return _("Reminder: %(activity)s, %(when)s %(time)s") % {
            "activity": activity_title,
            "when": date_format(starts_at, "DATE_FORMAT"),
            "time": time_format(starts_at, "TIME_FORMAT"),
        }
    subjects = {
        "confirmed": _("Your ticket: %(activity)s"),
        "waitlisted": _("You are on the waiting list: %(activity)s"),
        "promoted": _("A place is now yours: %(activity)s"),
        "changed": _("Your registration has changed: %(activity)s"),
        "cancelled": _("Registration cancelled: %(activity)s"),
        "moved": _("Your registration has been moved: %(activity)s"),
        "session_changed": _("The time of your session has changed: %(activity)s"),
        "session_cancelled": _("Session cancelled by the organiser: %(activity)s"),
    }
    return subjects[kind] % {"activity": activity_title}


def registration_message(
    *, registration: Registration, kind: str, hours: int | None = None
) -> EmailMultiAlternatives:
    """The e-mail about ``registration`` (not sent), in the registrant's language, with the
    ticket's QR code while it holds a place and the calendar file: ``METHOD:CANCEL`` once
    the registration is cancelled, else ``METHOD:PUBLISH``. The file's ``SEQUENCE`` grows
    with each recorded change, so a calendar app replaces the event it imported before.

    The registration must have an e-mail address (``ValueError`` otherwise).
    """
    from events.calendar import registration_ics
    from events.selectors import ticket_details

    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if not registration.email:
        raise ValueError("the registration has no e-mail address")
    with translation.override(registration.language):
        # ``hours``: how long before the start a reminder is sent (kind "reminder").
        context = {**ticket_details(registration=registration), "kind": kind, "hours": hours}
        subject = _subject(kind, context)
        text = render_to_string("emails/registration.txt", context)
        html = render_to_string("emails/registration.html", context)
        message = EmailMultiAlternatives(subject, text, to=[registration.email])
        message.attach_alternative(html, "text/html")
        if context["qr_token"]:
            # The PNG is referenced from the HTML part (cid:) and is also an ordinary
            # attachment for clients that do not show inline images; the ticket code is
            # printed beside it for anyone who cannot use either.
            image = MIMEImage(qr_png(context["qr_token"]), "png")
            image.add_header("Content-ID", "<ticket-qr>")
            image.add_header("Content-Disposition", "inline", filename="ticket-qr.png")
            message.attach(image)
        method = "CANCEL" if registration.status == Registration.Status.CANCELLED else "PUBLISH"
        message.attach(
            "open-day.ics",
            registration_ics(registration=registration),
            f"text/calendar; method={method}; charset=utf-8",
        )
    return message
