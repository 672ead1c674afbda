"""The shapes of the API's answers: the OpenAPI document is built from them, and every
answer is checked against them before it leaves."""

from __future__ import annotations

import datetime
from typing import Literal

from ninja import Field, Schema

Language = Literal["zh-hans", "en"]


class Choice(Schema):
    code: str
    label: str = Field(description="In the language of the request.")


class Translated(Schema):
    id: int = Field(description="The page in the language of the request.")
    translation_key: str = Field(
        description="The same for every translation of a page: pairs the languages."
    )
    language: str


class CampaignOut(Translated):
    title: str
    year: int
    theme: str
    start_date: datetime.date
    end_date: datetime.date
    current: bool = Field(description="The campaign of the latest year.")
    url: str | None


class InstitutionRef(Schema):
    id: int
    translation_key: str
    title: str
    kind: Choice


class NextSession(Schema):
    starts_at: datetime.datetime
    format: Choice
    places_left: int | None = Field(description="Null: no limit on places (online).")


class ActivityOut(Translated):
    title: str
    summary: str
    activity_type: Choice
    venue: str
    address: str
    district: Choice
    zone: Choice | None
    audience: str
    campaign_id: int = Field(description="The campaign (default-language page).")
    institution: InstitutionRef | None
    session_count: int
    next_session: NextSession | None = Field(
        description="The session the activity's card shows: the first upcoming one open "
        "for registration with places left, else the first not open yet, else the first "
        "upcoming one."
    )
    url: str | None


class SessionOut(Schema):
    id: int
    activity_translation_key: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    format: Choice
    capacity: int | None = Field(description="Null: no limit on places (online).")
    places_left: int | None = Field(description="Null: no limit on places.")
    max_party_size: int
    registration_opens_at: datetime.datetime | None
    registration_closes_at: datetime.datetime | None
    registration_state: Literal["upcoming", "open", "full", "closed", "cancelled"]
    has_ended: bool
    note: str


class LabOut(Schema):
    id: int
    name: str
    description: str
    fields: str
    accepts_visits: bool
    visit_capacity: int | None


class CmaOut(Schema):
    number: str
    status: Choice
    issued_on: datetime.date | None
    expires_on: datetime.date | None


class InstitutionOut(Translated):
    title: str
    kind: Choice
    district: Choice
    zone: Choice | None
    address: str
    summary: str
    website: str
    fields: list[Choice]
    cma: CmaOut | None = Field(description="Accredited testing institutions only.")
    cnas_accredited: bool
    labs: list[LabOut]
    url: str | None


class ExpertOut(Schema):
    id: int
    slug: str
    name: str
    title: str
    organisation: str
    fields: list[Choice]
    services: list[Choice]
    district: Choice | None
    zone: Choice | None


class OpenDayFigures(Schema):
    activities: int
    sessions: int
    institutions: int
    districts: int
    places: int
    registered: int
    checked_in: int
    unlimited_registered: int = Field(
        description="People registered for online sessions without a place limit."
    )
    fill_rate: float | None
    turnout_rate: float | None


class ServiceFigures(Schema):
    consultations_requested: int
    consultations_completed: int
    lab_visits_approved: int
    lab_visitors: int


class TypeFigures(Schema):
    activity_type: Choice
    sessions: int
    places: int
    registered: int
    checked_in: int
    fill_rate: float | None


class FiguresOut(Schema):
    campaign: CampaignOut
    as_of: datetime.datetime | None = Field(description="When the figures were last rebuilt.")
    open_day: OpenDayFigures
    services: ServiceFigures
    by_activity_type: list[TypeFigures]


# --- Staff routes (/api/v1/staff/) ----------------------------------------------------------


class StatsTableRef(Schema):
    key: str
    title: str = Field(description="In the language of the request.")


class StatsColumn(Schema):
    key: str
    label: str
    kind: Literal["text", "int", "rate", "decimal", "auto"] = Field(
        description="rate: a share between 0 and 1; auto: the value's own type."
    )


class StatsTableOut(Schema):
    key: str
    title: str
    filters: dict[str, str] = Field(description="The filters the figures were computed with.")
    as_of: datetime.datetime | None = Field(description="When the summary tables were rebuilt.")
    columns: list[StatsColumn]
    rows: list[dict[str, str | int | float | None]] = Field(
        description="One object per row, keyed by the columns' keys."
    )


class StatsTableList(Schema):
    tables: list[StatsTableRef]


class StaffSessionRef(Schema):
    id: int
    activity_title: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime


class RegistrationOut(Schema):
    id: int
    name: str = Field(description="In full for regulator staff; masked (张**) otherwise.")
    phone: str = Field(description="Always masked: 138 **** 1234.")
    party_size: int
    status: Choice
    source: Choice
    created_at: datetime.datetime
    checked_in_at: datetime.datetime | None


class RegistrationPage(Schema):
    next: str | None = Field(description="The next page's address; null on the last page.")
    session: StaffSessionRef
    results: list[RegistrationOut]


class EnterpriseRef(Schema):
    name: str
    district: Choice | None
    zone: Choice | None


class ConsultationOut(Schema):
    id: int
    reference: str
    state: Choice
    service: Choice
    field: Choice | None
    topic: str
    enterprise: EnterpriseRef
    expert: str | None = Field(description="The expert's name; null before one is assigned.")
    starts_at: datetime.datetime | None
    ends_at: datetime.datetime | None
    contact_name: str = Field(description="Masked (王**).")
    contact_phone: str = Field(description="Always masked: 138 **** 1234.")
    created_at: datetime.datetime
    escalated_at: datetime.datetime | None


class ConsultationPage(Schema):
    next: str | None
    results: list[ConsultationOut]


class LabVisitOut(Schema):
    id: int
    state: Choice
    institution: str
    institution_translation_key: str
    lab: str
    slot_id: int
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    enterprise: str
    group_size: int
    contact_name: str = Field(description="Masked (王**).")
    contact_phone: str = Field(description="Always masked: 138 **** 1234.")
    created_at: datetime.datetime
    checked_in_at: datetime.datetime | None


class LabVisitPage(Schema):
    next: str | None
    results: list[LabVisitOut]


class CheckinIn(Schema):
    ticket: str = Field(
        min_length=1, max_length=200, description="A scanned QR token or a typed ticket code."
    )
    nonce: str | None = Field(
        None,
        max_length=64,
        description="The scan's id (8-64 of A-Z a-z 0-9 _ -): the same scan sent again "
        "answers as the first time instead of 'already checked in'.",
    )
    override: bool = Field(
        False, description="Check in outside the check-in time (needs the permission)."
    )
    reason: str = Field("", max_length=150, description="Why, when overriding.")


class CheckinOut(Schema):
    code: Literal["checked_in"]
    message: str
    party_size: int
    checked_in_at: datetime.datetime | None
