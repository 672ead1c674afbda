"""Expert consultations as a rateable kind (``ratings.kinds``), registered in
``ConsultationsConfig.ready()``: a completed consultation is rated once by its enterprise,
and counts for its expert."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consultations.models import Consultation
from enterprises.models import Membership
from inbox.services import user_language
from ratings.kinds import Asked, RateableKind


class ConsultationKind(RateableKind):
    kind = "consultation"
    label = gettext_lazy("Expert consultation")

    def get(self, object_id: int) -> Consultation | None:
        return (
            Consultation.objects.select_related("expert", "requested_by")
            .filter(pk=object_id)
            .first()
        )

    def get_many(self, object_ids: Iterable[int]) -> dict[int, Consultation]:
        return Consultation.objects.select_related("expert", "requested_by").in_bulk(
            set(object_ids)
        )

    def rateable(self, obj: Consultation, *, now: datetime.datetime) -> bool:
        return obj.state == Consultation.State.COMPLETED

    def may_rate(self, obj: Consultation, *, user: AbstractBaseUser | AnonymousUser) -> bool:
        """An approved member of the enterprise that asked for it."""
        return Membership.objects.filter(
            enterprise_id=obj.enterprise_id, user_id=user.pk, status=Membership.Status.APPROVED
        ).exists()

    def title(self, obj: Consultation) -> str:
        return _("Expert consultation %(reference)s: %(topic)s") % {
            "reference": obj.reference,
            "topic": obj.topic,
        }

    def institution_id(self, obj: Consultation) -> int | None:
        return None

    def expert_id(self, obj: Consultation) -> int | None:
        return obj.expert_id

    def url(self, obj: Consultation) -> str:
        return reverse("consultations:detail", kwargs={"reference": obj.reference})

    def ended(self, *, since: datetime.datetime, until: datetime.datetime):
        return Consultation.objects.select_related("expert", "requested_by").filter(
            state=Consultation.State.COMPLETED, completed_at__gte=since, completed_at__lte=until
        )

    def asked(self, obj: Consultation) -> list[Asked]:
        user = obj.requested_by
        return [Asked(language=user_language(user), user=user)]
