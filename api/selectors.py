"""The staff API's reads: which rows a caller reaches (``api.services.api_scope_reach``:
every row, or those of their role), through the apps' own selectors where they exist.

- A session's registrations: staff with the admin's registration lists see every session;
  an institution contact the sessions of their institution's activities. Another session
  is not found (404), as the lab-visit door answers a contact for another lab's slot.
- Consultations: every one for staff with the admin's list; an expert their own (their
  desk, ``consultations.views.booking.expert_dashboard_view``).
- Lab visits: every one for staff with the admin's list; an institution contact their
  labs' visits (``labvisits.selectors.visit_list_for_contact``, their desk).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from api.models import ApiToken
from api.services import ALL, MANAGE_PERMISSION, Reach
from consultations.models import Consultation
from events.models import Registration, Session
from labvisits.models import LabVisit, VisitSlot
from labvisits.selectors import contact_institution_keys, visit_list_for_contact
from labvisits.services import can_check_in
from portal.choices import area_filter

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@dataclass(frozen=True)
class DateRange:
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None

    def lookups(self, field: str) -> dict[str, datetime.date]:
        """Lookups on the local day of the datetime ``field`` (the site's time zone)."""
        found: dict[str, datetime.date] = {}
        if self.date_from is not None:
            found[f"{field}__date__gte"] = self.date_from
        if self.date_to is not None:
            found[f"{field}__date__lte"] = self.date_to
        return found


def staff_session_get(*, user: User, reach: Reach, session_id: int) -> Session | None:
    """The session, if ``user`` may read its registrations; else None."""
    sessions = Session.objects.select_related("activity").filter(pk=session_id)
    if reach != ALL:
        sessions = sessions.filter(
            activity__institution__translation_key__in=contact_institution_keys(user=user)
        )
    return sessions.first()


def staff_registration_list(*, session: Session, status: str = "") -> QuerySet[Registration]:
    """The session's registrations (the admin list's rows), one status or all."""
    registrations = Registration.objects.filter(session=session)
    if status:
        registrations = registrations.filter(status=status)
    return registrations


def staff_consultation_list(
    *,
    user: User,
    reach: Reach,
    state: str = "",
    service: str = "",
    district: str = "",
    dates: DateRange = DateRange(),
) -> QuerySet[Consultation]:
    """The consultations ``user`` reaches: every one (staff), or their own (an expert).
    ``district`` is the enterprise's district or functional zone; the dates are those of
    the appointment."""
    consultations = Consultation.objects.select_related("enterprise", "expert")
    if reach != ALL:
        consultations = consultations.filter(expert__user=user)
    if state:
        consultations = consultations.filter(state=state)
    if service:
        consultations = consultations.filter(service=service)
    if district:
        consultations = consultations.filter(**area_filter(district, prefix="enterprise__"))
    return consultations.filter(**dates.lookups("starts_at"))


def staff_lab_visit_list(
    *,
    user: User,
    reach: Reach,
    state: str = "",
    district: str = "",
    institution_key: str | None = None,
    dates: DateRange = DateRange(),
) -> QuerySet[LabVisit]:
    """The lab visits ``user`` reaches: every one (staff), or their labs' (an institution
    contact). ``district`` is the lab's institution's; the dates are those of the slot."""
    if reach == ALL:
        visits = LabVisit.objects.select_related("slot__lab__institution", "enterprise")
    else:
        visits = visit_list_for_contact(user=user)
    if state:
        visits = visits.filter(state=state)
    if district:
        visits = visits.filter(**area_filter(district, prefix="slot__lab__institution__"))
    if institution_key is not None:
        visits = visits.filter(slot__lab__institution__translation_key=institution_key)
    return visits.filter(**dates.lookups("slot__starts_at"))


def staff_visit_slot_get(*, user: User, slot_id: int) -> VisitSlot | None:
    """The visit slot, if ``user`` checks visitors in at its lab's door
    (``labvisits.services.can_check_in``); else None."""
    slot = VisitSlot.objects.select_related("lab__institution").filter(pk=slot_id).first()
    if slot is None or not can_check_in(user=user, lab=slot.lab):
        return None
    return slot


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    """The tokens ``user`` manages in the admin: everyone's with ``api.manage_apitokens``,
    else their own; newest first."""
    tokens = ApiToken.objects.select_related("user", "created_by")
    if not user.has_perm(MANAGE_PERMISSION):
        tokens = tokens.filter(user=user)
    return tokens.order_by("-created_at", "-pk")
