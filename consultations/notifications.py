"""Tell the parties of a consultation what changed, each in their own language.

Every recipient gets an in-site notification and an e-mail (``inbox.services.notify``,
sent after the transaction commits) with a link to the consultation's page in their
language. Changes the calendar shows carry the ``.ics`` file (METHOD:CANCEL when the
consultation no longer takes place).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.urls import reverse
from django.utils import translation

from consultations.calendar import consultation_ics, consultation_ics_method
from consultations.models import Consultation
from inbox.services import notify, user_language

# Events whose notification carries the calendar file.
ICS_EVENTS = {"confirmed", "declined", "cancelled", "rescheduled", "assigned"}
STAFF_GROUPS = ("Regulator approvers", "Regulator editors")


def consultation_url(consultation: Consultation, language: str) -> str:
    with translation.override(language):
        return reverse("consultations:detail", kwargs={"reference": consultation.reference})


def consultation_greeting_name(
    consultation: Consultation, user: AbstractBaseUser, language: str
) -> str:
    """Whom a message about ``consultation`` to ``user`` greets: the contact person the
    enterprise named for the requester, the expert's own name for the expert; else ""
    (``notify`` then falls back to the account's full name, never its login name)."""
    expert = consultation.expert
    if expert is not None and expert.user_id == user.pk:
        if language.startswith("en") and expert.name_en:
            return expert.name_en
        return expert.name
    if user.pk == consultation.requested_by_id:
        return consultation.contact_name.strip()
    return ""


def consultation_parties(consultation: Consultation) -> list[AbstractBaseUser]:
    """The requester and the assigned expert's account (if linked)."""
    users = [consultation.requested_by]
    expert = consultation.expert
    if expert is not None and expert.user_id and expert.user_id != consultation.requested_by_id:
        users.append(expert.user)
    return users


def consultation_notify(
    *,
    consultation: Consultation,
    event: str,
    actor: AbstractBaseUser | None,
    note: str = "",
    include_actor: bool = False,
    extra: tuple[AbstractBaseUser, ...] = (),
) -> int:
    """Notify every party except ``actor`` (unless ``include_actor``); returns how many."""
    recipients = []
    seen = set()
    for user in [*consultation_parties(consultation), *extra]:
        if user is None or user.pk in seen or not user.is_active:
            continue
        if actor is not None and user.pk == actor.pk and not include_actor:
            continue
        seen.add(user.pk)
        recipients.append(user)
    for user in recipients:
        language = user_language(user)
        ics = ""
        method = ""
        if event in ICS_EVENTS:
            data = consultation_ics(consultation=consultation, language=language)
            if data is not None:
                ics = data.decode()
                method = consultation_ics_method(consultation)
        notify(
            user=user,
            template="consultation_update",
            context={
                "consultation": consultation,
                "event": event,
                "note": note,
                **_greeting(consultation, user, language),
                "for_expert": consultation.expert_id is not None
                and consultation.expert.user_id == user.pk,
            },
            url=consultation_url(consultation, language),
            ics=ics,
            ics_method=method,
        )
    return len(recipients)


def _greeting(consultation: Consultation, user: AbstractBaseUser, language: str) -> dict:
    name = consultation_greeting_name(consultation, user, language)
    return {"greeting_name": name} if name else {}


def consultation_notify_staff(*, consultation: Consultation) -> int:
    """Tell every active regulator (approvers and editors) that a request waits too long."""
    users = (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=STAFF_GROUPS)
        .distinct()
        .order_by("pk")
    )
    count = 0
    for user in users:
        notify(
            user=user,
            template="consultation_escalated",
            context={"consultation": consultation},
            url=consultation_url(consultation, user_language(user)),
        )
        count += 1
    return count
