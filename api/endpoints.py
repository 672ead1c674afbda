"""The API's operations: thin reads through the apps' selectors, put in the language of the
request and paged with cursors. Nothing here decides a rule: places left and the state of
registration come from ``events.selectors.session_list_for_activity`` (the activity page's
own), the figures from ``stats.selectors.public_figures`` (the public page's own)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Annotated, Any

from django.db.models import TextChoices
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext
from ninja import Field, Path, Query, Schema
from ninja.errors import ValidationError
from wagtail.models import Locale, Page

from api.api import api
from api.errors import ERROR_RESPONSES, NotFound, error_response
from api.pagination import MAX_PAGE_SIZE, PAGE_SIZE, next_link, page_after
from api.schemas import (
    ActivityOut,
    CampaignOut,
    ExpertOut,
    FiguresOut,
    InstitutionOut,
    Language,
    SessionOut,
)
from events import selectors as event_selectors
from events.choices import SessionFormat
from events.models import ActivityPage, ActivityType, OpenDayIndexPage
from experts import selectors as expert_selectors
from experts.models import CmaStatus, HostKind, InstitutionIndexPage, InstitutionPage
from portal.choices import District, Service, Zone, area_filter
from portal.choices import Field as SectorFieldCode
from stats import selectors as stats_selectors

# --- Shared parts ---------------------------------------------------------------------------

# A row id: the database's integer range (a larger number would be a database error).
RowId = Annotated[int, Field(ge=1, le=2**31 - 1)]

# Read by portal.language (the middleware) before the view runs, which activates the
# language; declared on each operation for the OpenAPI document and its validation.
LANG = Query(
    None,
    description="Language of the content (zh-hans, en); default from Accept-Language.",
)
CURSOR = Query(None, max_length=500, description="From the `next` link of the previous page.")
LIMIT = Query(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Items per page.")


def _responses(ok: Any) -> dict[int, Any]:
    return {200: ok, **ERROR_RESPONSES}


def _choice(choices: type[TextChoices], value: str) -> dict[str, str] | None:
    if not value:
        return None
    try:
        return {"code": value, "label": str(choices(value).label)}
    except ValueError:  # a value no longer offered
        return {"code": value, "label": value}


def _area(value: str | None) -> str:
    """A district or functional zone code (``portal.choices.area_filter``); anything else
    is refused as an invalid parameter (422)."""
    if not value:
        return ""
    if not area_filter(value):
        raise ValidationError(
            [{"loc": ["query", "district"], "msg": "Not a district or functional zone code."}]
        )
    return value


def _locale(language: str) -> Locale | None:
    return Locale.objects.filter(language_code=language).first()


def _translations(pages: Iterable[Page], model: type[Page], language: str) -> dict[Any, Page]:
    """{translation key: the live translation in ``language``} of ``pages``."""
    keys = {page.translation_key for page in pages}
    locale = _locale(language)
    if not keys or locale is None:
        return {}
    return {
        page.translation_key: page
        for page in model.objects.live().filter(translation_key__in=keys, locale=locale)
    }


def _language_code(page: Page, request: HttpRequest) -> str:
    """The page's language, read once per request rather than once per page."""
    codes = getattr(request, "api_locale_codes", None)
    if codes is None or page.locale_id not in codes:
        codes = dict(Locale.objects.values_list("pk", "language_code"))
        request.api_locale_codes = codes  # type: ignore[attr-defined]
    return codes[page.locale_id]


def _url(page: Page, request: HttpRequest) -> str | None:
    return page.get_full_url(request)


class Paged(Schema):
    next: str | None = Field(description="The next page's address; null on the last page.")


class CampaignPage(Paged):
    results: list[CampaignOut]


class ActivityPageOut(Paged):
    results: list[ActivityOut]


class SessionPage(Paged):
    results: list[SessionOut]


class InstitutionPageOut(Paged):
    results: list[InstitutionOut]


class ExpertPage(Paged):
    results: list[ExpertOut]


# --- Campaigns ------------------------------------------------------------------------------


def _campaigns() -> list[OpenDayIndexPage]:
    """Live default-language campaigns (the statistics and sessions are keyed by them)."""
    current = stats_selectors.campaign_current()
    if current is None:
        return []
    return [current, *stats_selectors.campaigns_earlier(than=current, limit=1000)]


def _campaign_out(
    campaign: OpenDayIndexPage, *, language: str, current_pk: int | None, request: HttpRequest
) -> dict[str, Any]:
    page = _translations([campaign], OpenDayIndexPage, language).get(
        campaign.translation_key, campaign
    )
    return {
        "id": page.pk,
        "translation_key": str(page.translation_key),
        "language": _language_code(page, request),
        "title": page.title,
        "year": page.year,
        "theme": page.theme,
        "start_date": page.start_date,
        "end_date": page.end_date,
        "current": campaign.pk == current_pk,
        "url": _url(page, request),
    }


def _campaign_key(campaign: OpenDayIndexPage) -> tuple[Any, ...]:
    return (-campaign.year, -campaign.start_date.toordinal(), campaign.pk)


@api.get(
    "/campaigns",
    response=_responses(CampaignPage),
    tags=["open day"],
    summary="Open-day campaigns, newest first",
)
def campaign_list(
    request: HttpRequest,
    lang: Language | None = LANG,
    cursor: str | None = CURSOR,
    limit: int = LIMIT,
) -> dict[str, Any]:
    language = translation.get_language()
    campaigns = _campaigns()
    current_pk = campaigns[0].pk if campaigns else None
    page, last = page_after(campaigns, key=_campaign_key, cursor=cursor, limit=limit)
    results = [
        _campaign_out(c, language=language, current_pk=current_pk, request=request) for c in page
    ]
    return {"next": next_link(request, last), "results": results}


def _campaign_for(campaign_id: int | None) -> OpenDayIndexPage:
    """The default-language campaign of ``campaign_id`` (any of its translations), or the
    current one; ``NotFound`` when there is none."""
    current = stats_selectors.campaign_current()
    if campaign_id is None:
        if current is None:
            raise NotFound()
        return current
    chosen = OpenDayIndexPage.objects.live().filter(pk=campaign_id).first()
    if chosen is None:
        raise NotFound()
    default = Locale.get_default()
    if chosen.locale_id != default.pk:
        chosen = (
            OpenDayIndexPage.objects.live()
            .filter(translation_key=chosen.translation_key, locale=default)
            .first()
        )
        if chosen is None:
            raise NotFound()
    return chosen


# --- Activities -----------------------------------------------------------------------------


class ActivityQuery(Schema):
    campaign: RowId | None = Field(None, description="A campaign's id; default the current one.")
    date_from: datetime.date | None = Field(None, description="Sessions on or after this day.")
    date_to: datetime.date | None = Field(None, description="Sessions on or before this day.")
    district: str | None = Field(
        None, max_length=20, description="A district or functional zone code."
    )
    institution: RowId | None = Field(None, description="An institution's id (any language).")
    activity_type: ActivityType | None = None
    host_kind: HostKind | None = None
    format: SessionFormat | None = Field(None, description="Activities with a session of it.")


def _activity_key(activity: ActivityPage) -> tuple[Any, ...]:
    start = getattr(activity, "next_start", None)
    return (start is None, start.timestamp() if start else 0.0, activity.title, activity.pk)


def _activity_out(
    activity: ActivityPage,
    page: ActivityPage,
    *,
    hosts: dict[Any, Page],
    campaign: OpenDayIndexPage,
    request: HttpRequest,
) -> dict[str, Any]:
    """``activity``: the default-language page with the selector's annotations; ``page``:
    its translation in the language of the request (or itself)."""
    host = getattr(activity, "host", None)
    institution = None
    if host is not None:
        shown = hosts.get(host.translation_key, host)
        institution = {
            "id": shown.pk,
            "translation_key": str(shown.translation_key),
            "title": shown.title,
            "kind": _choice(HostKind, host.kind),
        }
    next_start = getattr(activity, "next_start", None)
    next_session = None
    if next_start is not None:
        next_session = {
            "starts_at": next_start,
            "format": _choice(SessionFormat, activity.next_format),
            "places_left": activity.next_places_left,
        }
    return {
        "id": page.pk,
        "translation_key": str(page.translation_key),
        "language": _language_code(page, request),
        "title": page.title,
        "summary": page.summary,
        "activity_type": _choice(ActivityType, activity.activity_type),
        "venue": page.venue,
        "address": page.address,
        "district": _choice(District, activity.district),
        "zone": _choice(Zone, activity.zone),
        "audience": page.audience,
        "campaign_id": campaign.pk,
        "institution": institution,
        "session_count": activity.session_count,
        "next_session": next_session,
        "url": _url(page, request),
    }


@api.get(
    "/activities",
    response=_responses(ActivityPageOut),
    tags=["open day"],
    summary="Activities of a campaign, soonest next session first",
)
def activity_list(
    request: HttpRequest,
    filters: Query[ActivityQuery],
    lang: Language | None = LANG,
    cursor: str | None = CURSOR,
    limit: int = LIMIT,
) -> dict[str, Any]:
    language = translation.get_language()
    campaign = _campaign_for(filters.campaign)
    chosen = event_selectors.ActivityFilters(
        activity_type=filters.activity_type or "",
        district=_area(filters.district),
        institution=filters.institution,
        host_kind=filters.host_kind or "",
        format=filters.format or "",
        date_from=filters.date_from,
        date_to=filters.date_to,
    )
    activities = event_selectors.activity_list(campaign=campaign, filters=chosen)
    page, last = page_after(activities, key=_activity_key, cursor=cursor, limit=limit)
    translated = event_selectors.activities_in_language(activities=page, language=language)
    hosts = _translations(
        [a.host for a in page if getattr(a, "host", None) is not None], InstitutionPage, language
    )
    results = [
        _activity_out(a, translated[a.pk], hosts=hosts, campaign=campaign, request=request)
        for a in page
    ]
    return {"next": next_link(request, last), "results": results}


def _activity_for(activity_id: int) -> ActivityPage:
    activity = ActivityPage.objects.live().public().filter(pk=activity_id).first()
    if activity is None:
        raise NotFound()
    return activity


def _session_key(session: Any) -> tuple[Any, ...]:
    return (session.starts_at.timestamp(), session.pk)


@api.get(
    "/activities/{activity_id}/sessions",
    response=_responses(SessionPage),
    tags=["open day"],
    summary="Sessions of an activity with places left and the registration window",
)
def session_list(
    request: HttpRequest,
    activity_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    lang: Language | None = LANG,
    cursor: str | None = CURSOR,
    limit: int = LIMIT,
) -> dict[str, Any]:
    activity = _activity_for(activity_id)
    sessions = event_selectors.session_list_for_activity(activity=activity)
    page, last = page_after(sessions, key=_session_key, cursor=cursor, limit=limit)
    results = [
        {
            "id": s.pk,
            "activity_translation_key": str(activity.translation_key),
            "starts_at": s.starts_at,
            "ends_at": s.ends_at,
            "format": _choice(SessionFormat, s.format),
            "capacity": s.capacity,
            "places_left": s.places_left,
            "max_party_size": s.max_party_size,
            "registration_opens_at": s.registration_opens_at,
            "registration_closes_at": s.registration_closes_at,
            "registration_state": s.booking_state,
            "has_ended": s.has_ended,
            "note": s.note,
        }
        for s in page
    ]
    return {"next": next_link(request, last), "results": results}


# --- Institutions and labs ------------------------------------------------------------------


class InstitutionQuery(Schema):
    district: str | None = Field(
        None, max_length=20, description="A district or functional zone code."
    )
    field: SectorFieldCode | None = Field(None, description="A testing field.")
    kind: HostKind | None = Field(None, description="The kind of host.")


def _institution_key(page: InstitutionPage) -> tuple[Any, ...]:
    return (page.title, page.pk)


def _institution_out(
    source: InstitutionPage, page: InstitutionPage, *, labs: list[Any], request: HttpRequest
) -> dict[str, Any]:
    cma = None
    if source.is_accredited:
        cma = {
            "number": source.accreditation_number,
            "status": _choice(CmaStatus, source.cma_state()),
            "issued_on": source.cma_issued_on,
            "expires_on": source.cma_expires_on,
        }
    return {
        "id": page.pk,
        "translation_key": str(page.translation_key),
        "language": _language_code(page, request),
        "title": page.title,
        "kind": _choice(HostKind, source.kind),
        "district": _choice(District, source.district),
        "zone": _choice(Zone, source.zone),
        "address": page.address,
        "summary": page.summary,
        "website": source.website,
        "fields": [_choice(SectorFieldCode, f.code) for f in source.fields.all()],
        "cma": cma,
        "cnas_accredited": source.cnas_accredited,
        "labs": [
            {
                "id": lab.pk,
                "name": lab.display_name,
                "description": lab.display_description,
                "fields": lab.display_fields,
                "accepts_visits": lab.accepts_visits,
                "visit_capacity": lab.visit_capacity,
            }
            for lab in labs
        ],
        "url": _url(page, request),
    }


@api.get(
    "/institutions",
    response=_responses(InstitutionPageOut),
    tags=["institutions and experts"],
    summary="Institutions and other hosts, with their labs",
)
def institution_list(
    request: HttpRequest,
    filters: Query[InstitutionQuery],
    lang: Language | None = LANG,
    cursor: str | None = CURSOR,
    limit: int = LIMIT,
) -> dict[str, Any]:
    language = translation.get_language()
    district = _area(filters.district)
    index = InstitutionIndexPage.objects.live().filter(locale=Locale.get_default()).first()
    institutions: list[InstitutionPage] = []
    if index is not None:
        institutions = list(
            expert_selectors.institution_list(
                index=index,
                district=district,
                field=filters.field or "",
                kind=filters.kind or "",
            )
        )
    page, last = page_after(institutions, key=_institution_key, cursor=cursor, limit=limit)
    shown = _translations(page, InstitutionPage, language)
    labs = expert_selectors.labs_by_institution(pages=page)
    results = [
        _institution_out(
            i,
            shown.get(i.translation_key, i),
            labs=labs.get(i.translation_key, []),
            request=request,
        )
        for i in page
    ]
    return {"next": next_link(request, last), "results": results}


# --- The expert roster ----------------------------------------------------------------------


class ExpertQuery(Schema):
    service: Service | None = Field(None, description="Experts offering this service.")
    field: SectorFieldCode | None = Field(None, description="Experts covering this field.")


def _expert_key(expert: Any) -> tuple[Any, ...]:
    return (expert.sort_order, expert.name, expert.pk)


@api.get(
    "/experts",
    response=_responses(ExpertPage),
    tags=["institutions and experts"],
    summary="The expert roster (no contact data)",
)
def expert_list(
    request: HttpRequest,
    filters: Query[ExpertQuery],
    lang: Language | None = LANG,
    cursor: str | None = CURSOR,
    limit: int = LIMIT,
) -> dict[str, Any]:
    experts = expert_selectors.expert_list(service=filters.service or "", field=filters.field or "")
    page, last = page_after(experts, key=_expert_key, cursor=cursor, limit=limit)
    # Name, title, organisation, fields, services and the area served: what the public
    # roster shows. Never the linked account, a phone number or an e-mail address.
    results = [
        {
            "id": e.pk,
            "slug": e.slug,
            "name": e.display_name,
            "title": e.display_title,
            "organisation": e.display_organisation,
            "fields": [_choice(SectorFieldCode, f.code) for f in e.fields.all()],
            "services": [_choice(Service, s.code) for s in e.services.all()],
            "district": _choice(District, e.district),
            "zone": _choice(Zone, e.zone),
        }
        for e in page
    ]
    return {"next": next_link(request, last), "results": results}


# --- Open day in numbers --------------------------------------------------------------------


@api.get(
    "/figures",
    response=_responses(FiguresOut),
    tags=["open day"],
    summary="Open day in numbers: the public figures of a campaign",
)
def figures(
    request: HttpRequest,
    campaign: int | None = Query(
        None, ge=1, le=2**31 - 1, description="A campaign's id; default the current one."
    ),
    lang: Language | None = LANG,
) -> dict[str, Any]:
    language = translation.get_language()
    chosen = _campaign_for(campaign)
    current = stats_selectors.campaign_current()
    numbers = stats_selectors.public_figures(campaign=chosen)
    refresh = stats_selectors.stats_last_refresh()
    headline = numbers["open_day"]
    return {
        "campaign": _campaign_out(
            chosen,
            language=language,
            current_pk=current.pk if current else None,
            request=request,
        ),
        "as_of": refresh.finished_at if refresh else None,
        "open_day": {
            "activities": headline["activities"],
            "sessions": headline["sessions"],
            "institutions": headline["institutions"],
            "districts": numbers["districts"],
            "places": headline["capacity"],
            "registered": headline["registered"],
            "checked_in": headline["checked_in"],
            "unlimited_registered": headline["unlimited_registered"],
            "fill_rate": headline["fill_rate"],
            "turnout_rate": headline["turnout_rate"],
        },
        "services": {
            "consultations_requested": numbers["consultations"]["requests"],
            "consultations_completed": numbers["consultations"]["completed"],
            "lab_visits_approved": numbers["lab_visits"]["approved"],
            "lab_visitors": numbers["lab_visits"]["visitors"],
        },
        "by_activity_type": [
            {
                "activity_type": {"code": row["key"], "label": row["label"]},
                "sessions": row["sessions"],
                "places": row["capacity"],
                "registered": row["registered"],
                "checked_in": row["checked_in"],
                "fill_rate": row["fill_rate"],
            }
            for row in numbers["by_type"]
        ],
    }


# --- Anything else under /api/ ----------------------------------------------------------------


def route_not_found(request: HttpRequest) -> HttpResponse:
    """A path under ``/api/`` that names no operation: the API's 404 body, not a web page."""
    return error_response(
        api,
        request,
        status=404,
        code="not_found",
        message=gettext("Nothing was found at this address."),
    )
