"""Notifications about lab visits, through ``inbox.services.notify`` (in-site + e-mail after
commit), each in its recipient's language.

- a new request: every contact of the lab's institution;
- approved / declined: the enterprise user who requested the visit (approval carries the
  ``.ics`` and links to the ticket);
- cancelled: the other side (the requester when the institution or staff cancelled, the
  contacts when the enterprise did); an approved visit's cancellation carries
  ``METHOD:CANCEL``.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.urls import reverse
from django.utils import translation
from wagtail.models import Locale

from experts.models import InstitutionPage
from inbox.services import notify, user_language
from labvisits.calendar import lab_visit_ics
from labvisits.models import LabVisit, lab_visit_is_machine_time
from labvisits.selectors import contacts_for_lab


def institution_in_language(*, institution: InstitutionPage, language: str) -> InstitutionPage:
    """The institution's live page in ``language``, else the (default-language) page."""
    page = (
        InstitutionPage.objects.live()
        .filter(
            translation_key=institution.translation_key,
            locale__in=Locale.objects.filter(language_code=language),
        )
        .first()
    )
    return page or institution


def _url(name: str, visit: LabVisit, language: str) -> str:
    with translation.override(language):
        return reverse(name, kwargs={"pk": visit.pk})


def _send(
    *, user: AbstractBaseUser, visit: LabVisit, template: str, url_name: str, ics: bool = False
) -> None:
    language = user_language(user)
    institution = institution_in_language(institution=visit.slot.lab.institution, language=language)
    ics_text, method = "", ""
    if ics:
        ics_text = lab_visit_ics(
            visit=visit,
            language=language,
            address=institution.address,
            institution_title=institution.title,
        )
        method = "PUBLISH" if visit.state == LabVisit.State.APPROVED else "CANCEL"
    notify(
        user=user,
        template=template,
        context={
            "visit": visit,
            "slot": visit.slot,
            "lab": visit.slot.lab,
            "institution": institution,
            "enterprise": visit.enterprise,
            # Machine time on a shared instrument is worded as such (subject, text, notice).
            "machine_time": lab_visit_is_machine_time(visit),
            "instrument": visit.slot.instrument,
            # The requester is greeted as the contact person the enterprise named; a lab's
            # contacts by their account's full name (notify's default), else neutrally.
            **({"greeting_name": visit.contact_name} if user.pk == visit.requested_by_id else {}),
        },
        url=_url(url_name, visit, language),
        ics=ics_text,
        ics_method=method,
    )


def notify_requested(*, visit: LabVisit) -> None:
    for user in contacts_for_lab(lab=visit.slot.lab):
        _send(user=user, visit=visit, template="labvisit_requested", url_name="labvisits:detail")


def notify_decided(*, visit: LabVisit) -> None:
    approved = visit.state == LabVisit.State.APPROVED
    _send(
        user=visit.requested_by,
        visit=visit,
        template="labvisit_approved" if approved else "labvisit_declined",
        url_name="labvisits:ticket" if approved else "labvisits:detail",
        ics=approved,
    )


def notify_cancelled(*, visit: LabVisit, by_enterprise: bool, was_approved: bool) -> None:
    recipients = contacts_for_lab(lab=visit.slot.lab) if by_enterprise else [visit.requested_by]
    for user in recipients:
        _send(
            user=user,
            visit=visit,
            template="labvisit_cancelled",
            url_name="labvisits:detail",
            # Only the requester imported the approved visit into a calendar.
            ics=was_approved and user == visit.requested_by,
        )
