from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet

from inbox.models import Notification

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def notification_list(*, user: User) -> QuerySet[Notification]:
    """``has_ics``: the notice's e-mail carried a calendar file, which the list links
    (the body says "the calendar file is attached"); the file itself is not loaded."""
    return (
        Notification.objects.filter(user=user)
        .only("pk", "subject", "body", "url", "created_at", "read_at")
        .annotate(has_ics=ExpressionWrapper(~Q(ics=""), output_field=BooleanField()))
    )


def notification_ics(*, user: User, notification_id: int) -> Notification | None:
    """``user``'s own notification ``notification_id`` with a calendar file, else None."""
    return (
        Notification.objects.filter(user=user, pk=notification_id)
        .exclude(ics="")
        .only("pk", "ics", "ics_method")
        .first()
    )


def notification_unread_count(*, user: User) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
