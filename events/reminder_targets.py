"""How the reminders of open-day registrations are planned, addressed and written: the
registration's ``reminders.targets.ReminderTarget``, registered in ``EventsConfig.ready()``.

Besides its reminders, a registration gets its ticket e-mail and notices of changes through
the same outbox (``events.services.notices``, ``events.services.session``); the e-mail of
each is the ticket e-mail (``registration_message``) with its own lead text.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterator

from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import EmailMessage
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from events.calendar import registration_ics
from events.models import Registration, SessionState
from events.notifications import registration_message
from events.selectors import rendering_cache, session_is_cancelled, ticket_details
from events.services.notices import (
    MESSAGE_KINDS,
    registration_audiences,
    registration_followups_run,
)
from events.services.session import broadcasts_resume
from reminders.models import Reminder
from reminders.sms import TextTemplate
from reminders.targets import Recipient, ReminderTarget


class RegistrationTarget(ReminderTarget):
    kind = "registration"
    field = "registration"
    template = "reminder_registration"
    related = ("registration__session__activity", "registration__user")
    text_templates = (
        TextTemplate("notice_ticket", ("code", "activity", "date", "time", "link")),
        TextTemplate("notice_waitlisted", ("activity", "date", "time", "link")),
        TextTemplate("notice_changed", ("activity", "date", "time", "link")),
        TextTemplate("notice_cancelled", ("activity", "date", "time")),
        TextTemplate("reminder_registration", ("activity", "date", "time", "code", "link")),
        # An online session's reminder: the link to the ticket page, where the meeting
        # link appears; never the meeting link itself in a text message.
        TextTemplate("reminder_registration_online", ("activity", "date", "time", "link")),
    )

    def starts_at(self, target: Registration) -> datetime.datetime:
        return target.session.starts_at

    def is_plannable(self, target: Registration) -> bool:
        """Registrations holding a confirmed place in a session that was not cancelled."""
        return target.status == Registration.Status.CONFIRMED and not session_is_cancelled(
            session=target.session
        )

    def audiences(self, target: Registration) -> list[tuple[str, str]]:
        return registration_audiences(target)

    @contextlib.contextmanager
    def sending(self, reminders: list[Reminder]) -> Iterator[set[int]]:
        """The cancelled sessions among the batch's registrations, read in one query; an
        activity's translation and a session's state looked up once for the batch."""
        session_ids = {r.registration.session_id for r in reminders}
        cancelled_sessions = set(
            SessionState.objects.filter(
                session_id__in=session_ids, cancelled_at__isnull=False
            ).values_list("session_id", flat=True)
        )
        with rendering_cache():
            yield cancelled_sessions

    def still_wanted(self, reminder: Reminder, *, batch: set[int] | None = None) -> bool:
        """The ticket e-mail while the registration holds its place in a session that was
        not cancelled; a reminder while it does and the session has not started; notices
        always. ``batch``: the cancelled sessions among a batch's registrations, None to
        look the session up."""
        registration = reminder.registration
        if reminder.purpose == Reminder.Purpose.TICKET:
            if batch is not None:
                cancelled = registration.session_id in batch
            else:
                cancelled = session_is_cancelled(session=registration.session)
            return registration.status == Registration.Status.CONFIRMED and not cancelled
        if reminder.purpose == Reminder.Purpose.REMINDER and batch is not None:
            if registration.session_id in batch:
                return False
            if registration.status != Registration.Status.CONFIRMED:
                return False
            return registration.session.starts_at > timezone.now()
        return super().still_wanted(reminder, batch=batch)

    def recipient(self, reminder: Reminder) -> Recipient | None:
        """The registration's e-mail address or phone, in the language of the registration;
        with the account it was made from, if any, whose inbox then shows the reminder."""
        registration = reminder.registration
        if reminder.channel == Reminder.Channel.EMAIL:
            address = registration.email
        else:
            address = registration.phone
        return (address, registration.language, registration.user) if address else None

    def context(self, reminder: Reminder, *, language: str, user: AbstractBaseUser | None) -> dict:
        # The activity in the language the message is written in.
        context = ticket_details(registration=reminder.registration, language=language)
        context["url"] = context["manage_path"]
        return context

    def ics(
        self, reminder: Reminder, *, language: str, context: dict
    ) -> tuple[str, bytes | str | None]:
        return "open-day.ics", registration_ics(
            registration=reminder.registration, language=language
        )

    def email_message(
        self, reminder: Reminder, *, language: str, user: AbstractBaseUser | None
    ) -> EmailMessage:
        """The ticket e-mail, with the lead text of the reminder or notice."""
        hours = None
        if reminder.purpose == Reminder.Purpose.REMINDER:
            hours = round((reminder.offset_minutes or 0) / 60)
        with translation.override(language):
            return registration_message(
                registration=reminder.registration,
                kind=MESSAGE_KINDS[reminder.purpose],
                hours=hours,
            )

    def notice_template(self, reminder: Reminder, *, context: dict) -> str:
        """An online session has no entrance: its notice says where the link will be."""
        if context["session"].is_online:
            return "reminder_registration_online"
        return self.template

    def sms_template(self, reminder: Reminder, *, context: dict) -> str:
        if context["session"].has_link:
            return "reminder_registration_online"
        return self.template

    def sms_params(
        self, reminder: Reminder, *, template: str, context: dict
    ) -> tuple[datetime.datetime, dict]:
        params = {"activity": context["activity"].title, "link": context["manage_url"]}
        if template in ("notice_ticket", "reminder_registration"):
            params["code"] = context["registration"].ticket_code
        if template == "notice_cancelled":
            # The session is off: nothing to manage any more.
            params.pop("link")
        return context["session"].starts_at, params

    def label(self, reminder: Reminder) -> str:
        return _("Registration %(code)s") % {"code": reminder.registration.ticket_code or "–"}

    def sweep(self, *, now: datetime.datetime, budget: float) -> None:
        """Registrations whose follow-up wake-up was lost (the broker was down) get their
        ticket e-mail and reminders planned; session notices whose planning stopped are
        planned on."""
        registration_followups_run()
        broadcasts_resume(now=now, budget=budget)
