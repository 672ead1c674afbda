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
