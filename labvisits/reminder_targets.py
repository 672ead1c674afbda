"""How the reminders of lab visits are planned, addressed and written: the visit's
``reminders.targets.ReminderTarget``, registered in ``LabVisitsConfig.ready()``. They go to
the enterprise contact who asked for the visit."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.urls import reverse
from django.utils.translation import gettext as _

from inbox.services import user_language
from labvisits.calendar import lab_visit_ics
from labvisits.models import LabVisit, lab_visit_is_machine_time
from labvisits.notifications import institution_in_language
from reminders.models import Reminder
from reminders.sms import TextTemplate
from reminders.targets import Recipient, ReminderTarget


class LabVisitTarget(ReminderTarget):
    kind = "lab_visit"
    field = "lab_visit"
    template = "reminder_labvisit"
    related = (
        "lab_visit__slot__lab__institution",
        "lab_visit__slot__instrument",
        "lab_visit__requested_by",
        "lab_visit__enterprise",
    )
    text_templates = (TextTemplate("reminder_labvisit", ("lab", "date", "time", "code", "link")),)

    def starts_at(self, target: LabVisit) -> datetime.datetime:
        return target.slot.starts_at

    def is_plannable(self, target: LabVisit) -> bool:
        """Approved visits."""
        return target.state == LabVisit.State.APPROVED

    def audiences(self, target: LabVisit) -> list[tuple[str, str]]:
        Audience, Channel = Reminder.Audience, Reminder.Channel
        pairs = []
        if target.requested_by.email:
            pairs.append((Audience.REQUESTER, Channel.EMAIL))
        if target.contact_phone:
            pairs.append((Audience.REQUESTER, Channel.SMS))
        return pairs

    def recipient(self, reminder: Reminder) -> Recipient | None:
        visit = reminder.lab_visit
        user = visit.requested_by
        address = user.email if reminder.channel == Reminder.Channel.EMAIL else visit.contact_phone
        return (address, user_language(user), user) if address else None

    def context(self, reminder: Reminder, *, language: str, user: AbstractBaseUser | None) -> dict:
        visit = reminder.lab_visit
        return {
            "visit": visit,
            "slot": visit.slot,
            "lab": visit.slot.lab,
            "institution": institution_in_language(
                institution=visit.slot.lab.institution, language=language
            ),
            "enterprise": visit.enterprise,
            "machine_time": lab_visit_is_machine_time(visit),
            "instrument": visit.slot.instrument,
            "greeting_name": visit.contact_name,  # the contact person the enterprise named
            "url": reverse("labvisits:ticket", kwargs={"pk": visit.pk}),
        }

    def ics(
        self, reminder: Reminder, *, language: str, context: dict
    ) -> tuple[str, bytes | str | None]:
        institution = context["institution"]
        return "lab-visit.ics", lab_visit_ics(
            visit=reminder.lab_visit,
            language=language,
            address=institution.address,
            institution_title=institution.title,
        )

    def sms_params(
        self, reminder: Reminder, *, template: str, context: dict
    ) -> tuple[datetime.datetime, dict]:
        # The text's fixed wording names a lab; machine time names the instrument there.
        place = context["lab"].display_name
        if context["machine_time"]:
            place = f"{context['instrument'].display_name} · {place}"
        params = {
            "lab": place,
            "code": context["visit"].ticket_code,
            "link": context["site_url"].rstrip("/") + context["url"],
        }
        return context["slot"].starts_at, params

    def label(self, reminder: Reminder) -> str:
        if lab_visit_is_machine_time(reminder.lab_visit):
            return _("Machine time %(code)s") % {"code": reminder.lab_visit.ticket_code}
        return _("Lab visit %(code)s") % {"code": reminder.lab_visit.ticket_code}
