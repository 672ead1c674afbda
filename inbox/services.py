"""Notify a user: one in-site notification plus an e-mail, in the user's language.

``notify`` renders ``emails/<template>_subject.txt``, ``emails/<template>.txt`` and (if it
exists) ``emails/<template>.html`` with ``context`` under the recipient's language, stores
the result as a ``Notification`` and sends the e-mail from a Celery task after the current
transaction commits (a rolled-back change never notifies anyone).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone, translation

from inbox.models import Notification, Preference

LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}


def user_language(user: AbstractBaseUser) -> str:
    """The language to write to ``user`` in (their preference, else the site default)."""
    preference = Preference.objects.filter(user=user).values_list("language", flat=True).first()
    return preference if preference in LANGUAGE_CODES else settings.LANGUAGE_CODE


def user_language_set(*, user: AbstractBaseUser, language: str) -> None:
    if language not in LANGUAGE_CODES:
        return
    Preference.objects.update_or_create(user=user, defaults={"language": language})


def notify(
    *,
    user: AbstractBaseUser,
    template: str,
    context: dict,
    url: str = "",
    ics: str = "",
    ics_method: str = "",
    email: bool = True,
) -> Notification:
    """Create a notification for ``user`` and e-mail it once the transaction commits.

    ``url`` is a site path without a language prefix handled by the caller (use the path
    the recipient should open; it is made absolute in the e-mail). ``ics`` is an optional
    iCalendar text attached to the e-mail as ``invite.ics`` with ``ics_method``.
    """
    language = user_language(user)
    with translation.override(language):
        full_context = {**context, "user": user, "url": url, "site_url": settings.SITE_URL}
        subject = " ".join(render_to_string(f"emails/{template}_subject.txt", full_context).split())
        body = render_to_string(f"emails/{template}.txt", full_context)
        try:
            body_html = render_to_string(f"emails/{template}.html", full_context)
        except TemplateDoesNotExist:
            body_html = ""
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
        from inbox.tasks import notification_email_task

        notification_id = notification.pk
        transaction.on_commit(
            lambda: notification_email_task.delay(notification_id=notification_id)
        )
    return notification


def notification_email(*, notification_id: int) -> bool:
    """Send the e-mail of a notification once; returns False if already sent or gone."""
    notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if notification is None or notification.emailed_at is not None or not notification.user.email:
        return False
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=notification.body,
        to=[notification.user.email],
    )
    if notification.body_html:
        message.attach_alternative(notification.body_html, "text/html")
    if notification.ics:
        method = notification.ics_method or "PUBLISH"
        message.attach("invite.ics", notification.ics, f"text/calendar; method={method}")
    message.send()
    Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
    return True


def notification_mark_read(*, user: AbstractBaseUser, notification_id: int | None = None) -> int:
    """Mark one (or, without an id, every) unread notification of ``user`` as read."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())
