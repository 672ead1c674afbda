"""A believable history for the demo site: last year's campaign with its attendance, and
consultations and lab visits of the past months (``demo.content_history``).

Called by ``demo.builder`` once the pages, experts and the demo enterprise exist. Safe to
run again: a past session that holds registrations is left as it is (its personal data may
have been anonymised since), consultations are found by reference, enterprises by credit
code, visit slots by lab and start, visits by slot and enterprise. Rows are written with
``bulk_create`` so seeding stays fast.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from consultations.models import Consultation, ConsultationChange
from demo import content_history as history
from demo.content_people import DEMO_ENTERPRISE
from demo.content_site import CAMPAIGN_TITLE
from enterprises.models import Enterprise, Membership
from events.models import ActivityPage, OpenDayIndexPage, Registration, Session
from experts.models import Expert, Lab
from labvisits.models import LabVisit, LabVisitChange, VisitSlot
from portal.tickets import ticket_code_new
from stats.models import PlanTargets

if TYPE_CHECKING:
    from demo.builder import _Builder

TZ = ZoneInfo(settings.TIME_ZONE)
Status = Registration.Status
# Party sizes of the past registrations, in turn (cut to each session's maximum).
PARTIES = [1, 2, 1, 1, 2, 1]
SURNAMES = "张王李刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静磊洋艳勇军杰娟涛明超"


def _credit_code(base: str) -> str:
    from stdnum.cn import uscc

    return base + uscc.calc_check_digit(base)


def past_campaign(builder: _Builder) -> None:
    """The 2025 campaign page (zh and en), its activities and their past sessions."""
    spec = history.PAST_CAMPAIGN
    if spec["year"] >= builder.year:
        return  # only ever a past campaign
    builder.pair(
        key="past-campaign",
        parent_key="home",
        model=OpenDayIndexPage,
        slug=spec["slug"],
        common={
            "year": spec["year"],
            "start_date": spec["start"],
            "end_date": spec["end"],
            "hero_image": builder.images["Demo: open-day campaign"],
            # Last year's campaign is reached from the news and the statistics, not the menu.
            "show_in_menus": False,
        },
        zh={"title": CAMPAIGN_TITLE["zh"].format(year=spec["year"]), **spec["zh"]},
        en={"title": CAMPAIGN_TITLE["en"].format(year=spec["year"]), **spec["en"]},
    )
    for activity in history.PAST_ACTIVITIES:

        def set_sessions(page, sessions=activity["sessions"]):
            existing = {s.sort_order: s for s in page.sessions.all()} if page.pk else {}
            rows = []
            for order, (day, start, end, capacity, party, _outcome) in enumerate(sessions):
                session = existing.pop(order, None) or Session()
                session.sort_order = order
                session.starts_at = _at(day, start)
                session.ends_at = _at(day, end)
                session.capacity = capacity
                session.max_party_size = party
                session.registration_opens_at = _at(day - datetime.timedelta(days=14), "09:00")
                session.registration_closes_at = _at(day - datetime.timedelta(days=1), "18:00")
                rows.append(session)
            page.sessions = rows + list(existing.values())

        institution = activity["institution"]
        inst_zh, inst_en = (
            builder.pages[f"institution:{institution}"] if institution else (None, None)
        )
        builder.pair(
            key=f"activity:{activity['slug']}",
            parent_key="past-campaign",
            model=ActivityPage,
            slug=activity["slug"],
            common={
                "activity_type": activity["activity_type"],
                "district": activity["district"],
                "cover_image": builder.images[activity["image"]],
            },
            zh={**activity["zh"], "institution": inst_zh},
            en={**activity["en"], "institution": inst_en},
            children=set_sessions,
        )


def _at(day: datetime.date, hhmm: str) -> datetime.datetime:
    hour, minute = (int(x) for x in hhmm.split(":"))
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=TZ)


def past_registrations(builder: _Builder) -> None:
    """Registrations of the past sessions with their outcome: people checked in (with the
    time they came), no-shows, walk-ins and cancellations."""
    phone = 0
    rows: list[Registration] = []
    for activity in history.PAST_ACTIVITIES:
        if f"activity:{activity['slug']}" not in builder.pages:
            return
        page = builder.pages[f"activity:{activity['slug']}"][0]
        sessions = {s.sort_order: s for s in Session.objects.filter(activity=page)}
        for order, (*_times, party_max, outcome) in enumerate(activity["sessions"]):
            session = sessions[order]
            phone += 1000
            if Registration.objects.filter(session=session).exists():
                builder.tally.record("past registration", "unchanged")
                continue
            checked_in, no_shows, walk_ins, cancelled = outcome
            n = phone
            for status, source, people in (
                (Status.CHECKED_IN, Registration.Source.ONLINE, checked_in - walk_ins),
                (Status.NO_SHOW, Registration.Source.ONLINE, no_shows),
                (Status.CHECKED_IN, Registration.Source.WALK_IN, walk_ins),
                (Status.CANCELLED, Registration.Source.ONLINE, cancelled),
            ):
                turn = 0
                while people > 0:
                    party = min(PARTIES[turn % len(PARTIES)], party_max, people)
                    people -= party
                    turn += 1
                    n += 1
                    came = status == Status.CHECKED_IN
                    rows.append(
                        Registration(
                            session=session,
                            name=SURNAMES[n % len(SURNAMES)] + GIVEN[(n * 7) % len(GIVEN)],
                            phone=f"+86139{n:08d}",
                            organisation="",
                            party_size=party,
                            language="zh-hans",
                            status=status,
                            source=source,
                            ticket_code=ticket_code_new(),
                            consent_at=session.registration_opens_at,
                            consent_version=settings.PRIVACY_NOTICE_VERSION,
                            checked_in_at=session.starts_at + datetime.timedelta(minutes=n % 25)
                            if came
                            else None,
                        )
                    )
            builder.tally.record("past registration", "created")
    Registration.objects.bulk_create(rows, batch_size=500)


def past_enterprises(builder: _Builder) -> list[Enterprise]:
    """The enterprises of the past services, each with an owner account that cannot sign
    in (no password)."""
    user_model = get_user_model()
    enterprises = []
    for index, spec in enumerate(history.PAST_ENTERPRISES, start=1):
        values = dict(spec)
        code = _credit_code(values.pop("credit_code_base"))
        enterprise = Enterprise.objects.filter(credit_code=code).first()
        if enterprise is None:
            enterprise = Enterprise.objects.create(
                credit_code=code,
                is_verified=True,
                verified_at=timezone.now(),
                verified_by=builder.users.get("approver"),
                **values,
            )
            owner, _created = user_model.objects.get_or_create(
                username=f"demo-owner-{index}", defaults={"email": f"owner{index}@example.com"}
            )
            if _created:
                owner.set_unusable_password()
                owner.save(update_fields=["password"])
            Membership.objects.get_or_create(
                enterprise=enterprise,
                user=owner,
                defaults={
                    "role": Membership.Role.OWNER,
                    "status": Membership.Status.APPROVED,
                    "decided_at": timezone.now(),
                },
            )
            builder.tally.record("past enterprise", "created")
        else:
            builder.tally.record("past enterprise", "unchanged")
        enterprises.append(enterprise)
    return enterprises


def _owner(enterprise: Enterprise):
    membership = (
        Membership.objects.filter(enterprise=enterprise, role=Membership.Role.OWNER)
        .select_related("user")
        .first()
    )
    return membership.user if membership else None


def past_consultations(builder: _Builder, *, enterprises: list[Enterprise]) -> None:
    """Completed consultations (the expert's summary and advice) and a no-show, each with
    its timeline: requested, confirmed a few hours later, then the outcome."""
    demo_enterprise = Enterprise.objects.filter(name=_demo_enterprise_name()).first()
    existing = set(
        Consultation.objects.filter(
            reference__in=[c[0] for c in history.PAST_CONSULTATIONS]
        ).values_list("reference", flat=True)
    )
    experts = {e.slug: e for e in Expert.objects.all()}
    changes: list[ConsultationChange] = []
    for (
        reference,
        enterprise_index,
        expert_slug,
        service,
        when,
        start,
        mode,
        state,
        topic,
        need,
        summary,
        advice,
    ) in history.PAST_CONSULTATIONS:
        if reference in existing:
            builder.tally.record("past consultation", "unchanged")
            continue
        enterprise = demo_enterprise if enterprise_index < 0 else enterprises[enterprise_index]
        expert = experts.get(expert_slug)
        requested_by = _owner(enterprise) if enterprise is not None else None
        if enterprise is None or expert is None or requested_by is None:
            continue
        day = (
            when
            if isinstance(when, datetime.date)
            else builder.today - datetime.timedelta(days=when)
        )
        starts_at = _at(day, start)
        requested_at = starts_at - datetime.timedelta(days=6)
        confirmed_at = requested_at + datetime.timedelta(hours=3 + len(topic) % 20)
        consultation = Consultation.objects.create(
            reference=reference,
            enterprise=enterprise,
            requested_by=requested_by,
            expert=expert,
            service=service,
            field=enterprise.industry,
            topic=topic,
            description=need,
            contact_name=enterprise.contact_name,
            contact_phone=enterprise.contact_phone,
            state=state,
            starts_at=starts_at,
            ends_at=starts_at + datetime.timedelta(hours=1),
            mode=mode,
            summary=summary,
            recommendations=advice,
            completed_at=starts_at + datetime.timedelta(hours=2) if state == "completed" else None,
        )
        # ``created_at`` is set on insert; the history needs the request's own moment.
        Consultation.objects.filter(pk=consultation.pk).update(
            created_at=requested_at, updated_at=starts_at + datetime.timedelta(hours=2)
        )
        expert_user = expert.user
        changes += [
            ConsultationChange(
                consultation=consultation,
                event="requested",
                from_state="",
                to_state="requested",
                changed_by=requested_by,
                created_at=requested_at,
            ),
            ConsultationChange(
                consultation=consultation,
                event="confirmed",
                from_state="requested",
                to_state="confirmed",
                changed_by=expert_user,
                created_at=confirmed_at,
            ),
            ConsultationChange(
                consultation=consultation,
                event="completed" if state == "completed" else "no_show",
                from_state="confirmed",
                to_state=state,
                changed_by=expert_user,
                created_at=starts_at + datetime.timedelta(hours=2),
            ),
        ]
        builder.tally.record("past consultation", "created")
    ConsultationChange.objects.bulk_create(changes)


def _demo_enterprise_name() -> str:
    return DEMO_ENTERPRISE["name"]


def past_lab_visits(builder: _Builder, *, enterprises: list[Enterprise]) -> None:
    """Past visit slots of a few labs, with visits that came (checked in) and some that
    did not (no-show)."""
    demo_enterprise = Enterprise.objects.filter(name=_demo_enterprise_name()).first()
    changes: list[LabVisitChange] = []
    for lab_name, days_ago, start, end, capacity, visits in history.PAST_LAB_VISITS:
        lab = Lab.objects.filter(name=lab_name, institution__locale=builder.zh).first()
        if lab is None:
            continue
        day = builder.today - datetime.timedelta(days=days_ago)
        slot, _created = VisitSlot.objects.get_or_create(
            lab=lab,
            starts_at=_at(day, start),
            defaults={"ends_at": _at(day, end), "capacity": capacity},
        )
        for enterprise_index, group_size, came in visits:
            enterprise = demo_enterprise if enterprise_index < 0 else enterprises[enterprise_index]
            requested_by = _owner(enterprise) if enterprise is not None else None
            if requested_by is None:
                continue
            if LabVisit.objects.filter(slot=slot, enterprise=enterprise).exists():
                builder.tally.record("past lab visit", "unchanged")
                continue
            state = LabVisit.State.APPROVED if came else LabVisit.State.NO_SHOW
            visit = LabVisit.objects.create(
                slot=slot,
                enterprise=enterprise,
                requested_by=requested_by,
                group_size=group_size,
                purpose="了解检测流程和设备能力，为新产品送检做准备。",
                visitor_names="\n".join(f"参观者{i + 1}" for i in range(group_size)),
                contact_name=enterprise.contact_name,
                contact_phone=enterprise.contact_phone,
                state=state,
                ticket_code=ticket_code_new(),
                checked_in_at=slot.starts_at + datetime.timedelta(minutes=5) if came else None,
            )
            requested_at = slot.starts_at - datetime.timedelta(days=8)
            changes += [
                LabVisitChange(
                    visit=visit,
                    event="requested",
                    from_state="",
                    to_state="requested",
                    changed_by=requested_by,
                    created_at=requested_at,
                ),
                LabVisitChange(
                    visit=visit,
                    event="approved",
                    from_state="requested",
                    to_state="approved",
                    created_at=requested_at + datetime.timedelta(days=1),
                ),
            ]
            if came:
                changes.append(
                    LabVisitChange(
                        visit=visit,
                        event="checked_in",
                        from_state="approved",
                        to_state="approved",
                        created_at=visit.checked_in_at,
                    )
                )
            else:
                changes.append(
                    LabVisitChange(
                        visit=visit,
                        event="no_show",
                        from_state="approved",
                        to_state="no_show",
                        created_at=slot.ends_at + datetime.timedelta(minutes=30),
                    )
                )
            builder.tally.record("past lab visit", "created")
    LabVisitChange.objects.bulk_create(changes)


def plan_figures(builder: _Builder) -> None:
    """The regional figures of the plan's targets, where staff have entered none."""
    targets = PlanTargets.load()
    missing = {
        name: value
        for name, value in history.PLAN_FIGURES.items()
        if getattr(targets, name) is None
    }
    if missing:
        for name, value in missing.items():
            setattr(targets, name, value)
        targets.save()
    builder.tally.record("plan targets", "updated" if missing else "unchanged")


def history_build(builder: _Builder) -> None:
    past_campaign(builder)
    past_registrations(builder)
    enterprises = past_enterprises(builder)
    past_consultations(builder, enterprises=enterprises)
    past_lab_visits(builder, enterprises=enterprises)
    plan_figures(builder)
