"""Lab visits as a rateable kind (``ratings.kinds``), registered in
``LabVisitsConfig.ready()``: an approved visit that was checked in and whose slot has ended
is rated once by its enterprise, and counts for the lab's institution."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enterprises.models import Membership
from inbox.services import user_language
from labvisits.models import LabVisit, lab_visit_is_machine_time
from ratings.kinds import Asked, RateableKind


class LabVisitKind(RateableKind):
    kind = "lab_visit"
    label = gettext_lazy("Lab visit")

    def get(self, object_id: int) -> LabVisit | None:
        return (
            LabVisit.objects.select_related("slot__lab", "requested_by")
            .filter(pk=object_id)
            .first()
        )

    def get_many(self, object_ids: Iterable[int]) -> dict[int, LabVisit]:
        return LabVisit.objects.select_related("slot__lab", "requested_by").in_bulk(set(object_ids))

    def rateable(self, obj: LabVisit, *, now: datetime.datetime) -> bool:
        return (
            obj.state == LabVisit.State.APPROVED
            and obj.checked_in_at is not None
            and obj.slot.ends_at <= now
        )

    def may_rate(self, obj: LabVisit, *, user: AbstractBaseUser | AnonymousUser) -> bool:
        """An approved member of the enterprise that booked it."""
        return Membership.objects.filter(
            enterprise_id=obj.enterprise_id, user_id=user.pk, status=Membership.Status.APPROVED
        ).exists()

    def title(self, obj: LabVisit) -> str:
        lab = obj.slot.lab
        english = translation.get_language() == "en"
        if lab_visit_is_machine_time(obj):
            instrument = obj.slot.instrument
            return _("Machine time on %(instrument)s, %(date)s") % {
                "instrument": instrument.name_en
                if english and instrument.name_en
                else instrument.name,
                "date": f"{obj.slot.starts_at:%Y-%m-%d}",
            }
        name = lab.name_en if english and lab.name_en else lab.name
        return _("Lab visit to %(lab)s, %(date)s") % {
            "lab": name,
            "date": f"{obj.slot.starts_at:%Y-%m-%d}",
        }

    def institution_id(self, obj: LabVisit) -> int | None:
        return obj.slot.lab.institution_id

    def url(self, obj: LabVisit) -> str:
        return reverse("labvisits:ticket", kwargs={"pk": obj.pk})

    def ended(self, *, since: datetime.datetime, until: datetime.datetime):
        return LabVisit.objects.select_related("slot__lab", "requested_by").filter(
            state=LabVisit.State.APPROVED,
            checked_in_at__isnull=False,
            slot__ends_at__gte=since,
            slot__ends_at__lte=until,
        )

    def asked(self, obj: LabVisit) -> list[Asked]:
        user = obj.requested_by
        return [Asked(language=user_language(user), user=user)]
