"""Notify a user: one in-site notification plus an e-mail, in the user's language.

``notify`` renders ``emails/<template>_subject.txt``, ``emails/<template>.txt`` and (if it
exists) ``emails/<template>.html`` with ``context`` under the recipient's language, stores
the result as a ``Notification`` and writes its e-mail to the outbox in the same transaction
(``EMAIL_BACKEND``: a worker sends it once the change commits; a rolled-back change never
notifies anyone, and a broker outage only delays the e-mail).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone, translation

from inbox.models import Notification, Preference
from portal.mail import email_render, greeting_name

if TYPE_CHECKING:
    from django.contrib.auth.models import User

LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}


def user_language(user: User) -> str:
    """The language to write to ``user`` in (their preference, else the site default)."""
    preference = Preference.objects.filter(user=user).values_list("language", flat=True).first()
    return preference if preference in LANGUAGE_CODES else settings.LANGUAGE_CODE


def user_language_set(*, user: User, language: str) -> None:
    if language not in LANGUAGE_CODES:
        return
    Preference.objects.update_or_create(user=user, defaults={"language": language})


def notify(
    *,
    user: User,
    template: str,
    context: dict,
    url: str = "",
    ics: str = "",
    ics_method: str = "",
    email: bool = True,
) -> Notification:
    """Create a notification for ``user`` and its e-mail (sent once the transaction commits).

    ``url`` is a site path without a language prefix handled by the caller (use the path
    the recipient should open; it is made absolute in the e-mail). ``ics`` is an optional
    iCalendar text attached to the e-mail as ``invite.ics`` with ``ics_method``.
    ``context["greeting_name"]``, when given, is the name the message greets (a booking's
    contact person); else the user's full name, else a neutral greeting.
    """
    language = user_language(user)
    with translation.override(language):
        full_context = {
            "greeting_name": greeting_name(user),
            **context,
            "user": user,
            "url": url,
            "site_url": settings.SITE_URL,
        }
        subject, body, body_html = email_render(template=template, context=full_context)
    notification = Notification.objects.create(
        user=user,
        subject=subject[:200],
        body=body,
        body_html=body_html,
        url=url,
        ics=ics,
        ics_method=ics_method,
    )
    if email and user.email:
        message = EmailMultiAlternatives(subject=notification.subject, body=body, to=[user.email])
        if body_html:
            message.attach_alternative(body_html, "text/html")
        if ics:
            message.attach("invite.ics", ics, f"text/calendar; method={ics_method or 'PUBLISH'}")
        message.send()
    return notification


def notification_mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one (or, without an id, every) unread notification of ``user`` as read."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())
