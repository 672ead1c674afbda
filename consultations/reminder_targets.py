"""How the reminders of expert consultations are planned, addressed and written: the
consultation's ``reminders.targets.ReminderTarget``, registered in
``ConsultationsConfig.ready()``. They go to the enterprise contact who asked for it and to
the expert who gives it."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext as _

from consultations.calendar import consultation_ics
from consultations.models import Consultation
from consultations.notifications import consultation_greeting_name, consultation_url
from inbox.services import user_language
from reminders.models import Reminder
from reminders.sms import TextTemplate
from reminders.targets import Recipient, ReminderTarget


def _expert_user(consultation: Consultation) -> AbstractBaseUser | None:
    expert = consultation.expert
    if expert is None or not expert.user_id or not expert.user.is_active:
        return None
    return expert.user


class ConsultationTarget(ReminderTarget):
    kind = "consultation"
    field = "consultation"
    template = "reminder_consultation"
    related = (
        "consultation__expert__user",
        "consultation__requested_by",
        "consultation__enterprise",
    )
    text_templates = (TextTemplate("reminder_consultation", ("reference", "date", "time", "link")),)

    def starts_at(self, target: Consultation) -> datetime.datetime | None:
        return target.starts_at

    def is_plannable(self, target: Consultation) -> bool:
        """Confirmed consultations with a time."""
        return target.state == Consultation.State.CONFIRMED and target.starts_at is not None

    def audiences(self, target: Consultation) -> list[tuple[str, str]]:
        Audience, Channel = Reminder.Audience, Reminder.Channel
        pairs = []
        if target.requested_by.email:
            pairs.append((Audience.REQUESTER, Channel.EMAIL))
        if target.contact_phone:
            pairs.append((Audience.REQUESTER, Channel.SMS))
        expert_user = _expert_user(target)
        if expert_user is not None and expert_user.email:
            pairs.append((Audience.EXPERT, Channel.EMAIL))
        return pairs

    def recipient(self, reminder: Reminder) -> Recipient | None:
        consultation = reminder.consultation
        email = reminder.channel == Reminder.Channel.EMAIL
        if reminder.audience == Reminder.Audience.EXPERT:
            user = _expert_user(consultation)
            if user is None or not email:
                return None
        else:
            user = consultation.requested_by
        address = user.email if email else consultation.contact_phone
        return (address, user_language(user), user) if address else None

    def context(self, reminder: Reminder, *, language: str, user: AbstractBaseUser | None) -> dict:
        consultation = reminder.consultation
        greeting = consultation_greeting_name(consultation, user, language) if user else ""
        return {
            **({"greeting_name": greeting} if greeting else {}),
            "consultation": consultation,
            "for_expert": reminder.audience == Reminder.Audience.EXPERT,
            "url": consultation_url(consultation, language),
        }

    def ics(
        self, reminder: Reminder, *, language: str, context: dict
    ) -> tuple[str, bytes | str | None]:
        return "consultation.ics", consultation_ics(
            consultation=reminder.consultation, language=language
        )

    def sms_params(
        self, reminder: Reminder, *, template: str, context: dict
    ) -> tuple[datetime.datetime, dict]:
        consultation = context["consultation"]
        params = {
            "reference": consultation.reference,
            "link": context["site_url"].rstrip("/") + context["url"],
        }
        return consultation.starts_at, params

    def label(self, reminder: Reminder) -> str:
        return _("Consultation %(reference)s") % {"reference": reminder.consultation.reference}
