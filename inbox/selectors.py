from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from inbox.models import Notification

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def notification_list(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).only(
        "pk", "subject", "body", "url", "created_at", "read_at"
    )


def notification_unread_count(*, user: User) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
