"""Open-day visits as a rateable kind (``ratings.kinds``), registered in
``EventsConfig.ready()``: a registration checked in at a session that has ended is rated
once, through the link sent to the visitor (who may have no account), and counts for the
activity's host institution."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy

from events.models import Registration
from events.selectors import activities_in_language, activity_in_language
from events.tickets import manage_token_make
from ratings.kinds import Asked, RateableKind


class OpenDayVisitKind(RateableKind):
    kind = "open_day_visit"
    label = gettext_lazy("Open-day visit")

    def get(self, object_id: int) -> Registration | None:
        return (
            Registration.objects.select_related("session__activity", "user")
            .filter(pk=object_id)
            .first()
        )

    def get_many(self, object_ids: Iterable[int]) -> dict[int, Registration]:
        return Registration.objects.select_related("session__activity", "user").in_bulk(
            set(object_ids)
        )

    def rateable(self, obj: Registration, *, now: datetime.datetime) -> bool:
        return obj.status == Registration.Status.CHECKED_IN and obj.session.ends_at <= now

    def may_rate(self, obj: Registration, *, user: AbstractBaseUser | AnonymousUser) -> bool:
        """The account the registration was made with (others rate through their link)."""
        return obj.user_id is not None and obj.user_id == user.pk

    def title(self, obj: Registration) -> str:
        activity = activity_in_language(
            activity=obj.session.activity, language=translation.get_language() or ""
        )
        return _title(activity, obj)

    def titles(self, object_ids: Iterable[int]) -> dict[int, str]:
        registrations = self.get_many(object_ids)
        shown = activities_in_language(
            activities={r.session.activity for r in registrations.values()},
            language=translation.get_language() or "",
        )
        return {pk: _title(shown[r.session.activity_id], r) for pk, r in registrations.items()}

    def institution_id(self, obj: Registration) -> int | None:
        return obj.session.activity.institution_id

    def url(self, obj: Registration) -> str:
        if not obj.ticket_code:
            return ""
        return reverse(
            "events:registration_manage", kwargs={"token": manage_token_make(obj.ticket_code)}
        )

    def ended(self, *, since: datetime.datetime, until: datetime.datetime):
        return Registration.objects.select_related("session__activity", "user").filter(
            status=Registration.Status.CHECKED_IN,
            session__ends_at__gte=since,
            session__ends_at__lte=until,
        )

    def asked(self, obj: Registration) -> list[Asked]:
        user = obj.user if obj.user_id and obj.user.is_active and obj.user.email else None
        return [Asked(language=obj.language, user=user, email=obj.email, phone=obj.phone)]


def _title(activity, registration: Registration) -> str:
    return f"{activity.title} · {registration.session.starts_at:%Y-%m-%d}"
