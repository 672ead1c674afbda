"""The staff routes under ``/api/v1/staff/``: each needs a staff API token with the
route's scope, held by a user who may still do the same on the web pages (``api.auth``,
``api.services``). Thin: reads through the apps' selectors (the dashboard's own tables,
``api.selectors``), check-ins through the door's services
(``events.services.checkin.checkin_perform``, ``labvisits.services.lab_visit_checkin_ticket``),
so the API refuses what the door refuses, with the same codes.

Phone numbers are masked in every answer, whoever calls (the API is for systems that
count and check in, not for calling people); names are masked except the registrants'
names for regulator staff, who see them on the admin's lists.
"""

from __future__ import annotations

import datetime
import decimal
from typing import Annotated, Any

from django.db.models import TextChoices
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext
from ninja import Field, Path, Query, Router, Schema
from ninja.errors import ValidationError
from wagtail.models import Locale

from api.api import api
from api.auth import StaffAuth, StaffCaller, TokenThrottle
from api.endpoints import CURSOR, LIMIT, RowId, _area, _choice
from api.errors import STAFF_ERROR_RESPONSES, NotFound, error_response
from api.models import Scope
from api.pagination import next_link, queryset_page_after
from api.schemas import (
    CheckinIn,
    CheckinOut,
    ConsultationPage,
    LabVisitPage,
    RegistrationPage,
    StatsTableList,
    StatsTableOut,
)
from api.selectors import (
    DateRange,
    staff_consultation_list,
    staff_lab_visit_list,
    staff_registration_list,
    staff_session_get,
    staff_visit_slot_get,
)
from api.services import ALL
from consultations.models import Consultation
from events.exceptions import RegistrationError
from events.models import ActivityPage, Registration
from events.services.checkin import checkin_perform
from events.tickets import name_mask
from experts.models import InstitutionPage
from labvisits.exceptions import LabVisitError
from labvisits.models import LabVisit
from labvisits.services import lab_visit_checkin_ticket
from portal.choices import District, Service, Zone
from portal.choices import Field as SectorField
from portal.phones import phone_mask
from stats import reports
from stats import selectors as stats_selectors

router = Router(tags=["staff"], throttle=[TokenThrottle()])


def _responses(ok: Any) -> dict[int, Any]:
    return {200: ok, **STAFF_ERROR_RESPONSES}


def _caller(request: HttpRequest) -> StaffCaller:
    return request.auth  # type: ignore[attr-defined,no-any-return]


class DateQuery(Schema):
    date_from: datetime.date | None = Field(None, description="On or after this day.")
    date_to: datetime.date | None = Field(None, description="On or before this day.")

    def dates(self) -> DateRange:
        return DateRange(date_from=self.date_from, date_to=self.date_to)


class ConsultationQuery(DateQuery):
    state: Consultation.State | None = None
    service: Service | None = None
    district: str | None = Field(
        None, max_length=20, description="The enterprise's district or functional zone."
    )


class LabVisitQuery(DateQuery):
    state: LabVisit.State | None = None
    district: str | None = Field(
        None, max_length=20, description="The institution's district or functional zone."
    )
    institution: RowId | None = Field(None, description="An institution's id (any language).")


STATUS = Query(None, description="Only this status.")


# --- Statistics -----------------------------------------------------------------------------


@router.get(
    "/statistics",
    response=_responses(StatsTableList),
    auth=StaffAuth(Scope.STATS_READ),
    summary="The statistics tables (the dashboard's and the report workbook's)",
)
def statistics_tables(request: HttpRequest) -> dict[str, Any]:
    return {
        "tables": [
            {"key": key, "title": str(reports.TABLE_TITLES[key])} for key in reports.REPORT_TABLES
        ]
    }


class StatsQuery(Schema):
    campaign: RowId | None = Field(None, description="A campaign's id; default every one.")
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    district: str | None = Field(
        None, max_length=20, description="A district or functional zone code."
    )
    institution: RowId | None = Field(None, description="An institution's id.")
    activity_type: str | None = Field(None, max_length=30)


def _cell(value: Any) -> str | int | float | None:
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float)):
        return value
    return str(value)


@router.get(
    "/statistics/{table}",
    response=_responses(StatsTableOut),
    auth=StaffAuth(Scope.STATS_READ),
    summary="One statistics table, with the dashboard's filters",
)
def statistics_table(
    request: HttpRequest,
    table: Annotated[str, Path(max_length=40, description="A key from /staff/statistics.")],
    filters: Query[StatsQuery],
) -> dict[str, Any]:
    if table not in reports.REPORT_TABLES:
        raise NotFound()
    # The dashboard's own parser: the same filters, the same refusals.
    chosen, errors = stats_selectors.stats_filters_from_query(
        {key: str(value) for key, value in filters.model_dump().items() if value is not None}
    )
    if errors:
        raise ValidationError(
            [{"loc": ["query", name], "msg": message} for name, message in errors.items()]
        )
    built = reports.table_build(key=table, filters=chosen)
    refresh = stats_selectors.stats_last_refresh()
    keys = [column.key for column in built.columns]
    return {
        "key": built.key,
        "title": built.title,
        "filters": chosen.as_query(),
        "as_of": refresh.finished_at if refresh else None,
        "columns": [
            {"key": column.key, "label": str(column.label), "kind": column.kind}
            for column in built.columns
        ],
        "rows": [dict(zip(keys, map(_cell, row), strict=True)) for row in built.rows],
    }


# --- Registrations of a session -------------------------------------------------------------


def _activity_title(activity: ActivityPage) -> str:
    language = translation.get_language()
    translated = (
        ActivityPage.objects.live()
        .filter(translation_key=activity.translation_key, locale__language_code=language)
        .values_list("title", flat=True)
        .first()
    )
    return translated or activity.title


@router.get(
    "/sessions/{session_id}/registrations",
    response=_responses(RegistrationPage),
    auth=StaffAuth(Scope.REGISTRATIONS_READ),
    summary="A session's registrations (phones masked), oldest first",
)
def session_registrations(
    request: HttpRequest,
    session_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    status: Registration.Status | None = STATUS,
    cursor: str | None = CURSOR,
    limit: int = LIMIT,
) -> dict[str, Any]:
    caller = _caller(request)
    session = staff_session_get(user=caller.user, reach=caller.reach, session_id=session_id)
    if session is None:
        raise NotFound()
    registrations = staff_registration_list(session=session, status=status or "")
    page, last = queryset_page_after(
        registrations, field="created_at", descending=False, cursor=cursor, limit=limit
    )
    full_names = caller.reach == ALL
    return {
        "next": next_link(request, last),
        "session": {
            "id": session.pk,
            "activity_title": _activity_title(session.activity),
            "starts_at": session.starts_at,
            "ends_at": session.ends_at,
        },
        "results": [
            {
                "id": r.pk,
                "name": r.name if full_names else name_mask(r.name),
                "phone": phone_mask(r.phone) if r.phone else "",
                "party_size": r.party_size,
                "status": _choice(Registration.Status, r.status),
                "source": _choice(Registration.Source, r.source),
                "created_at": r.created_at,
                "checked_in_at": r.checked_in_at,
            }
            for r in page
        ],
    }


# --- Consultations and lab visits -----------------------------------------------------------


def _choice_or_code(choices: type[TextChoices], value: str) -> dict[str, str]:
    return _choice(choices, value) or {"code": "", "label": ""}


@router.get(
    "/consultations",
    response=_responses(ConsultationPage),
    auth=StaffAuth(Scope.CONSULTATIONS_READ),
    summary="Consultations with their states, newest request first",
)
def consultation_list(
    request: HttpRequest,
    filters: Query[ConsultationQuery],
    cursor: str | None = CURSOR,
    limit: int = LIMIT,
) -> dict[str, Any]:
    caller = _caller(request)
    consultations = staff_consultation_list(
        user=caller.user,
        reach=caller.reach,
        state=filters.state or "",
        service=filters.service or "",
        district=_area(filters.district),
        dates=filters.dates(),
    )
    page, last = queryset_page_after(
        consultations, field="created_at", descending=True, cursor=cursor, limit=limit
    )
    return {
        "next": next_link(request, last),
        "results": [
            {
                "id": c.pk,
                "reference": c.reference,
                "state": _choice_or_code(Consultation.State, c.state),
                "service": _choice_or_code(Service, c.service),
                "field": _choice(SectorField, c.field),
                "topic": c.topic,
                "enterprise": {
                    "name": c.enterprise.name,
                    "district": _choice(District, c.enterprise.district),
                    "zone": _choice(Zone, c.enterprise.zone),
                },
                "expert": c.expert.name if c.expert_id else None,
                "starts_at": c.starts_at,
                "ends_at": c.ends_at,
                "contact_name": name_mask(c.contact_name),
                "contact_phone": phone_mask(c.contact_phone) if c.contact_phone else "",
                "created_at": c.created_at,
                "escalated_at": c.escalated_at,
            }
            for c in page
        ],
    }


def _institution_key(institution_id: int | None) -> str | None:
    """The translation key of the institution ``institution_id`` (any language)."""
    if institution_id is None:
        return None
    key = (
        InstitutionPage.objects.filter(pk=institution_id)
        .values_list("translation_key", flat=True)
        .first()
    )
    if key is None:
        raise ValidationError([{"loc": ["query", "institution"], "msg": "No such institution."}])
    return str(key)


def _institution_titles(visits: list[LabVisit]) -> dict[object, str]:
    """{translation key: title in the language of the request} of the visits' institutions."""
    keys = {v.slot.lab.institution.translation_key for v in visits}
    locale = Locale.objects.filter(language_code=translation.get_language()).first()
    if not keys or locale is None:
        return {}
    return dict(
        InstitutionPage.objects.live()
        .filter(translation_key__in=keys, locale=locale)
        .values_list("translation_key", "title")
    )


@router.get(
    "/lab-visits",
    response=_responses(LabVisitPage),
    auth=StaffAuth(Scope.LABVISITS_READ),
    summary="Lab visits with their states, newest request first",
)
def lab_visit_list(
    request: HttpRequest,
    filters: Query[LabVisitQuery],
    cursor: str | None = CURSOR,
    limit: int = LIMIT,
) -> dict[str, Any]:
    caller = _caller(request)
    visits = staff_lab_visit_list(
        user=caller.user,
        reach=caller.reach,
        state=filters.state or "",
        district=_area(filters.district),
        institution_key=_institution_key(filters.institution),
        dates=filters.dates(),
    )
    page, last = queryset_page_after(
        visits, field="created_at", descending=True, cursor=cursor, limit=limit
    )
    titles = _institution_titles(page)
    results = []
    for v in page:
        slot, lab = v.slot, v.slot.lab
        results.append(
            {
                "id": v.pk,
                "state": _choice_or_code(LabVisit.State, v.state),
                "institution": titles.get(lab.institution.translation_key, lab.institution.title),
                "institution_translation_key": str(lab.institution.translation_key),
                "lab": lab.display_name,
                "slot_id": slot.pk,
                "starts_at": slot.starts_at,
                "ends_at": slot.ends_at,
                "enterprise": v.enterprise.name,
                "group_size": v.group_size,
                "contact_name": name_mask(v.contact_name),
                "contact_phone": phone_mask(v.contact_phone) if v.contact_phone else "",
                "created_at": v.created_at,
                "checked_in_at": v.checked_in_at,
            }
        )
    return {"next": next_link(request, last), "results": results}


# --- Check-in ---------------------------------------------------------------------------------


def _refusal(request: HttpRequest, code: str, message: str) -> HttpResponse:
    """A door's refusal: 404 for a session or slot that does not exist, else 409 (the
    door screen's status), with the service's code."""
    status = 404 if code == "not_found" else 409
    return error_response(api, request, status=status, code=code, message=message)


CHECKIN_RESPONSES = {**_responses(CheckinOut), 409: STAFF_ERROR_RESPONSES[403]}


@router.post(
    "/sessions/{session_id}/checkin",
    response=CHECKIN_RESPONSES,
    auth=StaffAuth(Scope.CHECKIN_WRITE),
    summary="Check a ticket in at a session's door",
    description="As the door screen: the same check-in time, the same refusals (409 with "
    "the door's code: unknown_ticket, wrong_session, already_checked_in, waitlisted, "
    "cancelled, no_show, too_early, ended, override_forbidden, reason_required, online).",
)
def session_checkin(
    request: HttpRequest,
    session_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    body: CheckinIn,
) -> Any:
    caller = _caller(request)
    if caller.reach != ALL:  # the session door is check-in staff's (events.check_in)
        return error_response(
            api,
            request,
            status=403,
            code="forbidden",
            message=gettext("You may not check tickets in at this door."),
        )
    try:
        registration = checkin_perform(
            session_id=session_id,
            ticket=body.ticket,
            nonce=body.nonce,
            override=body.override,
            reason=body.reason,
            by=caller.user,
        )
    except RegistrationError as error:
        return _refusal(request, error.code, error.message)
    return {
        "code": "checked_in",
        "message": gettext("Checked in."),
        "party_size": registration.party_size,
        "checked_in_at": registration.checked_in_at,
    }


@router.post(
    "/visit-slots/{slot_id}/checkin",
    response=CHECKIN_RESPONSES,
    auth=StaffAuth(Scope.CHECKIN_WRITE),
    summary="Check a lab-visit ticket in at a visit slot's door",
    description="As the lab's door screen: check-in staff at every lab, an institution "
    "contact at their own labs (another lab's slot is not found). Refusals: 409 with the "
    "door's code.",
)
def visit_slot_checkin(
    request: HttpRequest,
    slot_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    body: CheckinIn,
) -> Any:
    caller = _caller(request)
    slot = staff_visit_slot_get(user=caller.user, slot_id=slot_id)
    if slot is None:
        raise NotFound()
    try:
        visit = lab_visit_checkin_ticket(
            slot=slot,
            ticket=body.ticket,
            nonce=body.nonce or "",
            override=body.override,
            reason=body.reason,
            by=caller.user,
        )
    except LabVisitError as error:
        return _refusal(request, error.code, error.message)
    return {
        "code": "checked_in",
        "message": gettext("Checked in."),
        "party_size": visit.group_size,
        "checked_in_at": visit.checked_in_at,
    }


api.add_router("/staff", router)
