"""Personal data of notifications and preferences (``portal.privacy``): the export shows
the user's notifications and language; a deleted account's notifications and preferences
are deleted."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser

from inbox.models import Notification, Preference
from inbox.services import user_language
from portal.privacy import (
    ORDER_NOTIFICATIONS,
    AccountDetail,
    PersonalData,
    account_detail_register,
    iso,
    personal_data_register,
)


def notifications_export(user: AbstractBaseUser) -> list[dict]:
    return [
        {
            "subject": n.subject,
            "body": n.body,
            "link": n.url,
            "created_at": iso(n.created_at),
            "read_at": iso(n.read_at),
        }
        for n in Notification.objects.filter(user=user).order_by("created_at", "pk")
    ]


def notifications_erase(user: AbstractBaseUser) -> None:
    Notification.objects.filter(user=user).delete()
    Preference.objects.filter(user=user).delete()


ACCOUNT_LANGUAGE = AccountDetail(name="language", value=user_language)
NOTIFICATIONS = PersonalData(
    name="notifications",
    order=ORDER_NOTIFICATIONS,
    export=notifications_export,
    erase=notifications_erase,
)


def personal_data_handlers_register() -> None:
    """Called from ``AppConfig.ready()``."""
    account_detail_register(ACCOUNT_LANGUAGE)
    personal_data_register(NOTIFICATIONS)
