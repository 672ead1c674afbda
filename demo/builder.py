"""Builds (or brings up to date) the complete demo site in Chinese and English.

``seed_demo()`` is safe to run again: pages are found by their slug under their parent,
translations through Wagtail's translation key, snippets by slug, accounts by username,
sessions by their position on the activity and registrations by (session, phone).
"""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from wagtail.models import Locale, Page, Revision, Site

from cms.models import (
    ConsumerWarningIndexPage,
    ConsumerWarningPage,
    HomePage,
    NewsIndexPage,
    NewsPage,
    SiteSettings,
    StandardPage,
)
from consultations.models import Availability, Consultation, Mode, Slot
from consultations.services.availability import slots_generate
from demo import content_events as ev
from demo import content_news as news_content
from demo import content_people as people
from demo import content_site as site_content
from demo import content_warnings as warnings_content
from demo.content_instruments import instruments_build
from demo.history import history_build
from demo.images import ensure_images
from demo.needs import needs_seed
from demo.pages import Tally, stream, upsert_page, upsert_snippet, upsert_translation
from demo.ratings import ratings_seed
from enterprises.models import Enterprise, Membership
from events.choices import SessionFormat
from events.models import ActivityPage, ActivityRecording, OpenDayIndexPage, Registration, Session
from experts.models import (
    Expert,
    ExpertRosterPage,
    HostKind,
    InstitutionIndexPage,
    InstitutionPage,
    Lab,
)
from labvisits.models import InstitutionContact, LabVisit, VisitSlot
from portal.models import SectorField, ServiceType
from portal.tickets import ticket_code_new
from ratings.models import Rating

TZ = ZoneInfo(settings.TIME_ZONE)
# Party sizes of the demo registrations, in turn (cut to each session's maximum).
PARTY_PATTERN = [2, 1, 3, 4, 1, 2, 2, 1]


@dataclass
class SeedResult:
    tally: Tally
    counts: dict[str, int] = field(default_factory=dict)
    accounts: list[tuple[str, str, str, str]] = field(default_factory=list)
    campaign_start: datetime.date | None = None
    campaign_end: datetime.date | None = None


def campaign_window(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """This year's open days: 10–30 September, or three weeks from a few days ahead when
    that part of September is already too close or past, so every session lies ahead."""
    start = datetime.date(today.year, 9, 10)
    end = datetime.date(today.year, 9, 30)
    if today + datetime.timedelta(days=3) > start:
        start = today + datetime.timedelta(days=3)
        end = start + datetime.timedelta(days=20)
    return start, end


def _at(day: datetime.date, hhmm: str) -> datetime.datetime:
    hour, minute = (int(x) for x in hhmm.split(":"))
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=TZ)


def _sector_fields(codes: list[str]) -> list[SectorField]:
    # Default ordering, so the in-memory list compares equal to what is read back.
    return list(SectorField.objects.filter(code__in=codes))


def _services(codes: list[str]) -> list[ServiceType]:
    return list(ServiceType.objects.filter(code__in=codes))


class _Builder:
    def __init__(self, *, today: datetime.date, stdout=None) -> None:
        self.today = today
        self.tally = Tally()
        self.stdout = stdout
        self.zh = Locale.get_default()
        self.en, _ = Locale.objects.get_or_create(language_code="en")
        self.images: dict = {}
        self.pages: dict[str, tuple[Page, Page]] = {}
        self.users: dict[str, object] = {}
        self.start, self.end = campaign_window(today)
        self.year = today.year

    def log(self, message: str) -> None:
        if self.stdout is not None:
            self.stdout.write(message)

    def pair(self, *, key, parent_key, model, slug, common, zh, en, children=None):
        """Creates/updates a page under ``parent_key`` and its English translation."""
        zh_parent, _ = self.pages[parent_key]
        if parent_key == "home":
            # Sections under the home page make up the main menu; the privacy notice and
            # accessibility statement are linked from the footer instead.
            in_menu = slug not in ("privacy", "accessibility")
            common = {"show_in_menus": in_menu, **common}
        zh_page = upsert_page(
            parent=zh_parent,
            model=model,
            slug=slug,
            values={**common, **zh},
            tally=self.tally,
            children=children,
        )
        en_page = upsert_translation(
            source=zh_page, locale=self.en, values={"slug": slug, **common, **en}, tally=self.tally
        )
        self.pages[key] = (zh_page, en_page)
        return zh_page, en_page

    # --- site and home ------------------------------------------------------------------

    def home(self) -> None:
        root = Page.get_first_root_node()
        home = HomePage.objects.filter(depth=2, locale=self.zh).first()
        if home is not None:
            slug = home.slug
        elif root.get_children().filter(slug="home").exists():
            slug = "portal-home"  # renamed to "home" once Wagtail's welcome page is gone
        else:
            slug = "home"
        zh = {
            **site_content.HOME["zh"],
            "hero_title": site_content.HOME["zh"]["hero_title"].format(year=self.year),
            "hero_image": self.images["Demo: home hero"],
        }
        home = upsert_page(parent=root, model=HomePage, slug=slug, values=zh, tally=self.tally)

        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            site = Site(hostname="localhost", port=80, is_default_site=True)
        if site.root_page_id != home.pk or site.site_name != site_content.SITE_NAME:
            site.root_page = home
            site.site_name = site_content.SITE_NAME
            site.save()
        # Wagtail's "Welcome to your new Wagtail site!" page: a plain Page at the top level.
        page_ct = ContentType.objects.get_for_model(Page)
        for welcome in Page.objects.filter(depth=2, content_type=page_ct, numchild=0):
            if not Site.objects.filter(root_page=welcome).exists():
                welcome.delete()
                self.log("Deleted Wagtail's default welcome page.")

        en = {
            **site_content.HOME["en"],
            "slug": "home-en",
            "hero_title": site_content.HOME["en"]["hero_title"].format(year=self.year),
            "hero_image": self.images["Demo: home hero"],
        }
        en_home = upsert_translation(source=home, locale=self.en, values=en, tally=self.tally)
        self.pages["home"] = (home, en_home)

    def home_links(self) -> None:
        """Quick links and the featured campaign, once the pages they point at exist."""
        zh_home, en_home = self.pages["home"]
        campaign_zh = self.pages["campaign"][0]
        for lang, page in (("zh", zh_home), ("en", en_home)):
            index = 0 if lang == "zh" else 1
            links = []
            for key, zh_label, zh_desc, en_label, en_desc in site_content.QUICK_LINKS:
                target = self.pages[key][index]
                links.append(
                    (
                        "link",
                        {
                            "label": zh_label if lang == "zh" else en_label,
                            "page": target.pk,
                            "url": "",
                            "description": zh_desc if lang == "zh" else en_desc,
                        },
                    )
                )
            values = {
                "quick_links": stream(f"home-links-{lang}", links),
                "featured_campaign": campaign_zh,
            }
            if lang == "zh":
                siblings = page.get_parent().get_children()
                if page.slug != "home" and not siblings.filter(slug="home").exists():
                    values["slug"] = "home"  # the welcome page that held the slug is gone
                upsert_page(
                    parent=page.get_parent(),
                    model=HomePage,
                    slug=page.slug,
                    values=values,
                    tally=self.tally,
                )
            else:
                upsert_translation(source=zh_home, locale=self.en, values=values, tally=self.tally)

    def site_settings(self) -> None:
        site = Site.objects.get(is_default_site=True)
        obj = SiteSettings.for_site(site)
        changed = False
        for name, value in site_content.SITE_SETTINGS.items():
            if getattr(obj, name) != value:
                setattr(obj, name, value)
                changed = True
        privacy = self.pages.get("privacy", (None,))[0]
        if privacy is not None and obj.privacy_page_id != privacy.pk:
            obj.privacy_page = privacy
            changed = True
        if changed or obj.pk is None:
            obj.save()
        self.tally.record("sitesettings", "updated" if changed else "unchanged")

    # --- sections -------------------------------------------------------------------------

    def sections(self) -> None:
        c = ev.CAMPAIGN
        title = site_content.CAMPAIGN_TITLE
        self.pair(
            key="campaign",
            parent_key="home",
            model=OpenDayIndexPage,
            slug=f"open-day-{self.year}",
            common={
                "year": self.year,
                "start_date": self.start,
                "end_date": self.end,
                "hero_image": self.images["Demo: open-day campaign"],
            },
            zh={"title": title["zh"].format(year=self.year), **c["zh"]},
            en={"title": title["en"].format(year=self.year), **c["en"]},
        )
        for key, spec, model in (
            ("institutions", site_content.INSTITUTION_INDEX, InstitutionIndexPage),
            ("experts", site_content.EXPERT_ROSTER, ExpertRosterPage),
            ("news", site_content.NEWS_INDEX, NewsIndexPage),
            ("warnings", warnings_content.INDEX, ConsumerWarningIndexPage),
        ):
            self.pair(
                key=key,
                parent_key="home",
                model=model,
                slug=spec["slug"],
                common={},
                zh=spec["zh"],
                en=spec["en"],
            )
        for spec in site_content.STANDARD_PAGES:
            slug = spec["slug"]
            self.pair(
                key=slug,
                parent_key="home",
                model=StandardPage,
                slug=slug,
                common={},
                zh={**spec["zh"], "body": stream(f"{slug}-zh", spec["zh"]["body"])},
                en={**spec["en"], "body": stream(f"{slug}-en", spec["en"]["body"])},
            )

    def consumer_warnings(self) -> None:
        for spec in warnings_content.WARNINGS:
            slug = spec["slug"]
            common = {
                "date": spec["date"],
                "product_category": spec["product_category"],
                "risk_level": spec["risk_level"],
            }
            self.pair(
                key=f"warning:{slug}",
                parent_key="warnings",
                model=ConsumerWarningPage,
                slug=slug,
                common=common,
                zh={**spec["zh"], "body": stream(f"warning-{slug}-zh", spec["zh"]["body"])},
                en={**spec["en"], "body": stream(f"warning-{slug}-en", spec["en"]["body"])},
            )

    def institutions(self) -> None:
        for spec in ev.INSTITUTIONS:

            def set_labs(page, labs=spec["labs"]):
                existing = {lab.name: lab for lab in page.labs.all()} if page.pk else {}
                rows = []
                for order, data in enumerate(labs):
                    lab = existing.pop(data["name"], None) or Lab()
                    for name, value in data.items():
                        setattr(lab, name, value)
                    lab.sort_order = order
                    rows.append(lab)
                page.labs = rows + list(existing.values())

            kind = spec.get("kind", HostKind.ACCREDITED)
            # Only accredited testing institutions have a CMA certificate; other hosts
            # (content_hosts) keep the accreditation fields empty.
            cma = ev.ACCREDITATION.get(spec["slug"])
            accreditation: dict = {"kind": kind, "accreditation_number": ""}
            if cma is not None:
                accreditation = {
                    "kind": kind,
                    "accreditation_number": spec["accreditation_number"],
                    "cma_issued_on": datetime.date.fromisoformat(cma["issued"]),
                    "cma_expires_on": datetime.date.fromisoformat(cma["expires"]),
                    "cnas_accredited": bool(cma["cnas"]),
                    "cnas_number": cma["cnas"],
                }
            scope = {"zh": cma["zh"], "en": cma["en"]} if cma else {"zh": "", "en": ""}
            common = {
                **accreditation,
                "fields": _sector_fields(spec["fields"]),
                "district": spec["district"],
                "zone": spec.get("zone", ""),
                "contact_phone": spec["contact_phone"],
                "contact_email": spec["contact_email"],
                "logo": self.images[spec["image"]],
            }
            self.pair(
                key=f"institution:{spec['slug']}",
                parent_key="institutions",
                model=InstitutionPage,
                slug=spec["slug"],
                common=common,
                zh={**spec["zh"], "cma_scope": scope["zh"]},
                en={**spec["en"], "cma_scope": scope["en"]},
                children=set_labs,
            )

    # --- activities, sessions, registrations ----------------------------------------------

    def activities(self) -> None:
        opens = _at(self.today - datetime.timedelta(days=7), "09:00")
        for spec in ev.ACTIVITIES:

            def set_sessions(page, sessions=spec["sessions"], spec=spec):
                fmt = spec.get("format", SessionFormat.IN_PERSON)
                meeting_url = spec.get("meeting_url", "")
                existing = {s.sort_order: s for s in page.sessions.all()} if page.pk else {}
                rows = []
                for order, (day, start, end, capacity, party, _taken) in enumerate(sessions):
                    date = self.start + datetime.timedelta(days=day)
                    session = existing.pop(order, None)
                    if session is None:
                        session = Session()
                    session.sort_order = order
                    session.format = fmt
                    session.meeting_url = meeting_url
                    session.starts_at = _at(date, start)
                    session.ends_at = _at(date, end)
                    # Never below the places real registrations already hold; None: no
                    # limit (online).
                    session.capacity = (
                        None if capacity is None else max(capacity, session.count_places_taken())
                    )
                    session.max_party_size = party
                    session.registration_opens_at = opens
                    session.registration_closes_at = _at(date - datetime.timedelta(days=1), "18:00")
                    rows.append(session)
                # Sessions no longer in the list are kept: people may have registered.
                page.sessions = rows + list(existing.values())

            inst_zh, inst_en = (
                self.pages[f"institution:{spec['institution']}"]
                if spec["institution"]
                else (None, None)
            )
            warnings = [
                self.pages[f"warning:{slug}"]
                for slug in warnings_content.ACTIVITY_WARNINGS.get(spec["slug"], [])
            ]
            common = {
                "activity_type": spec["activity_type"],
                "district": spec["district"],
                "zone": spec.get("zone", ""),
                "latitude": spec["latitude"],
                "longitude": spec["longitude"],
                "cover_image": self.images[spec["image"]],
            }
            self.pair(
                key=f"activity:{spec['slug']}",
                parent_key="campaign",
                model=ActivityPage,
                slug=spec["slug"],
                common=common,
                zh={
                    **spec["zh"],
                    "institution": inst_zh,
                    "related_warnings": [w[0] for w in warnings],
                },
                en={
                    **spec["en"],
                    "institution": inst_en,
                    "related_warnings": [w[1] for w in warnings],
                },
                children=set_sessions,
            )
            if spec.get("recordings"):
                self._set_recordings(spec["slug"], spec["recordings"])

    def _set_recordings(self, slug: str, recordings: list[dict]) -> None:
        """The activity's recordings in each language, published only when they changed."""
        for page, language in zip(self.pages[f"activity:{slug}"], ("zh", "en"), strict=True):
            wanted = [
                (r[language], datetime.date.fromisoformat(r["recorded_on"]), r["url"])
                for r in recordings
            ]
            existing = list(page.recordings.all())
            if [(r.title, r.recorded_on, r.url) for r in existing] == wanted:
                self.tally.record("recording", "unchanged")
                continue
            rows = []
            for order, (title, day, url) in enumerate(wanted):
                row = existing[order] if order < len(existing) else ActivityRecording()
                row.sort_order, row.title, row.recorded_on, row.url = order, title, day, url
                rows.append(row)
            page.recordings = rows
            page.save_revision().publish()
            self.tally.record("recording", "updated")

    def registrations(self) -> None:
        phone_numbers = itertools.count(1)
        visitor = self.users.get("visitor")
        for spec in ev.ACTIVITIES:
            page = self.pages[f"activity:{spec['slug']}"][0]
            sessions = {s.sort_order: s for s in Session.objects.filter(activity=page)}
            for order, (_day, _s, _e, _cap, party_max, taken) in enumerate(spec["sessions"]):
                session = sessions[order]
                remaining, turn = taken, 0
                while remaining > 0:
                    n = next(phone_numbers)
                    party = min(PARTY_PATTERN[turn % len(PARTY_PATTERN)], party_max, remaining)
                    turn += 1
                    remaining -= party
                    self._registration(session=session, n=n, party=party, visitor=visitor)

    def _registration(self, *, session: Session, n: int, party: int, visitor) -> None:
        phone = f"+86138{n:08d}"
        if Registration.objects.filter(session=session, phone=phone).exists():
            self.tally.record("registration", "unchanged")
            return
        # Never overbook: real registrations may have arrived since the last run.
        if not session.fits(party):
            return
        own = n == 1 and visitor is not None
        surname = ev.SURNAMES[n % len(ev.SURNAMES)]
        given = ev.GIVEN_NAMES[(n * 7) % len(ev.GIVEN_NAMES)]
        Registration.objects.create(
            session=session,
            user=visitor if own else None,
            name="演示访客" if own else f"{surname}{given}",
            phone=phone,
            email="visitor@example.com" if own else (f"demo{n:03d}@example.com" if n % 3 else ""),
            organisation=ev.ORGANISATIONS[n % len(ev.ORGANISATIONS)],
            party_size=party,
            language="en" if n % 9 == 0 else "zh-hans",
            status=Registration.Status.CONFIRMED,
            ticket_code=ticket_code_new(),
            consent_at=timezone.now(),
            consent_version=settings.PRIVACY_NOTICE_VERSION,
        )
        self.tally.record("registration", "created")

    # --- news -----------------------------------------------------------------------------

    def news(self) -> None:
        activity_count = len(ev.ACTIVITIES)
        institution_slugs = {a["institution"] for a in ev.ACTIVITIES if a["institution"]}
        districts = {a["district"] for a in ev.ACTIVITIES}
        announcement = news_content.campaign_article(
            year=self.year,
            theme_zh=ev.CAMPAIGN["zh"]["theme"],
            theme_en=ev.CAMPAIGN["en"]["theme"],
            date=min(self.today, self.start - datetime.timedelta(days=10)),
            activity_count=activity_count,
            institution_count=len(institution_slugs),
            district_count=len(districts),
        )
        related = {
            announcement["slug"]: [a["slug"] for a in ev.ACTIVITIES[:6]],
            "quality-hub-and-baxin-expert-team": ["baxin-expert-clinic"],
            "2025-open-day-chongqing-venue": ["whole-vehicle-lab-tour"],
        }
        for spec in [announcement, *news_content.ARCHIVE]:
            slug = spec["slug"]
            acts = [self.pages[f"activity:{s}"] for s in related.get(slug, [])]
            common = {
                "date": spec["date"],
                "cover_image": self.images[spec["image"]],
            }
            zh = {
                **spec["zh"],
                "source": news_content.SOURCE_ZH,
                "body": stream(f"{slug}-zh", spec["zh"]["body"]),
                "related_activities": [a[0] for a in acts],
            }
            en = {
                **spec["en"],
                "source": news_content.SOURCE_EN,
                "body": stream(f"{slug}-en", spec["en"]["body"]),
                "related_activities": [a[1] for a in acts],
            }
            self.pair(
                key=f"news:{slug}",
                parent_key="news",
                model=NewsPage,
                slug=slug,
                common=common,
                zh=zh,
                en=en,
            )

    # --- people -----------------------------------------------------------------------------

    def accounts(self) -> None:
        user_model = get_user_model()
        for username, email, role, group, is_staff, is_superuser, login in people.ACCOUNTS:
            user = user_model.objects.filter(username=username).first()
            created = user is None
            if created:
                user = user_model(username=username)
            changed = created
            for name, value in (
                ("email", email),
                ("is_staff", is_staff),
                ("is_superuser", is_superuser),
                ("is_active", True),
            ):
                if getattr(user, name) != value:
                    setattr(user, name, value)
                    changed = True
            if created or not user.check_password(people.DEMO_PASSWORD):
                user.set_password(people.DEMO_PASSWORD)
                changed = True
            if changed:
                user.save()
            if group:
                user.groups.add(Group.objects.get_or_create(name=group)[0])
            address = EmailAddress.objects.filter(user=user, email__iexact=email).first()
            if address is None:
                EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
            elif not (address.verified and address.primary):
                address.verified = address.primary = True
                address.save(update_fields=["verified", "primary"])
            self.tally.record(
                "user", "created" if created else "updated" if changed else "unchanged"
            )
            self.users[username] = user
            self.result_accounts.append((username, people.DEMO_PASSWORD, role, login))

    def experts(self) -> None:
        for order, spec in enumerate(people.EXPERTS):
            values = {
                key: spec[key]
                for key in (
                    "name",
                    "name_en",
                    "title",
                    "title_en",
                    "organisation",
                    "organisation_en",
                    "district",
                    "bio",
                    "bio_en",
                )
            }
            values.update(
                zone=spec.get("zone", ""),
                services=_services(spec["services"]),
                fields=_sector_fields(spec["fields"]),
                is_active=True,
                sort_order=(order + 1) * 10,
            )
            if spec["slug"] == people.EXPERT_ACCOUNT_SLUG and "expert" in self.users:
                values["user"] = self.users["expert"]
            upsert_snippet(
                model=Expert, lookup={"slug": spec["slug"]}, values=values, tally=self.tally
            )

    # --- enterprise services: the demo enterprise, expert hours, lab visit slots ----------

    def enterprise(self) -> None:
        """The verified enterprise owned by the "enterprise" account."""
        from stdnum.cn import uscc

        spec = dict(people.DEMO_ENTERPRISE)
        base = spec.pop("credit_code_base")
        code = base + uscc.calc_check_digit(base)
        enterprise = Enterprise.objects.filter(credit_code=code).first()
        created = enterprise is None
        if created:
            enterprise = Enterprise(credit_code=code)
        changed = created
        for name, value in spec.items():
            if getattr(enterprise, name) != value:
                setattr(enterprise, name, value)
                changed = True
        if not enterprise.is_verified:
            enterprise.is_verified = True
            enterprise.verified_at = timezone.now()
            enterprise.verified_by = self.users.get("approver")
            changed = True
        if changed:
            enterprise.save()
        self.tally.record(
            "enterprise", "created" if created else "updated" if changed else "unchanged"
        )
        owner = self.users.get("enterprise")
        if owner is not None and not Membership.objects.filter(user=owner).exists():
            Membership.objects.create(
                enterprise=enterprise,
                user=owner,
                role=Membership.Role.OWNER,
                status=Membership.Status.APPROVED,
                decided_at=timezone.now(),
            )

    def expert_availability(self) -> None:
        """Weekly hours for every expert, each rule offering all of the expert's services,
        then their slots for the coming weeks (from today)."""
        experts = {e.slug: e for e in Expert.objects.filter(slug__in=people.EXPERT_HOURS)}
        for slug, hours in people.EXPERT_HOURS.items():
            expert = experts.get(slug)
            if expert is None:
                continue
            services = list(expert.services.order_by("pk"))
            for weekday, start, end, mode in hours:
                start_time = datetime.time(*(int(x) for x in start.split(":")))
                end_time = datetime.time(*(int(x) for x in end.split(":")))
                rule = Availability.objects.filter(
                    expert=expert,
                    kind=Availability.Kind.WEEKLY,
                    weekday=weekday,
                    start_time=start_time,
                ).first()
                if rule is None:
                    rule = Availability.objects.create(
                        expert=expert,
                        kind=Availability.Kind.WEEKLY,
                        weekday=weekday,
                        start_date=self.today,
                        start_time=start_time,
                        end_time=end_time,
                        slot_minutes=60,
                        mode=mode,
                        note=people.EXPERT_AVAILABILITY_NOTE if mode == Mode.AT_CENTRE else "",
                        created_by=self.users.get("expert")
                        if slug == people.EXPERT_ACCOUNT_SLUG
                        else None,
                    )
                    rule.services.set(services)
                    self.tally.record("availability", "created")
                elif set(rule.services.all()) != set(services):
                    # A rule from an older demo offering fewer services than the expert.
                    rule.services.set(services)
                    self.tally.record("availability", "updated")
                else:
                    self.tally.record("availability", "unchanged")
            slots_generate(expert=expert)

    def institution_contact(self) -> None:
        """The "institution" account handles visits to one institution's labs, which get a
        few visit slots in the coming weeks."""
        zh_page = self.pages[f"institution:{people.CONTACT_INSTITUTION_SLUG}"][0]
        user = self.users.get("institution")
        if user is not None:
            _contact, created = InstitutionContact.objects.get_or_create(
                user=user, institution=zh_page
            )
            self.tally.record("institution contact", "created" if created else "unchanged")
        lab = (
            Lab.objects.filter(institution=zh_page, accepts_visits=True)
            .order_by("sort_order")
            .first()
        )
        if lab is None:
            return
        now = timezone.now()
        # Topped up, never duplicated: a re-run on a later day adds slots only when fewer
        # than the planned number lie ahead.
        future = VisitSlot.objects.filter(lab=lab, starts_at__gt=now).count()
        for days, start, end, capacity in people.VISIT_SLOTS:
            if future >= len(people.VISIT_SLOTS):
                break
            day = self.today + datetime.timedelta(days=days)
            starts_at = _at(day, start)
            if VisitSlot.objects.filter(lab=lab, starts_at=starts_at).exists():
                continue
            VisitSlot.objects.create(
                lab=lab, starts_at=starts_at, ends_at=_at(day, end), capacity=capacity
            )
            future += 1
            self.tally.record("visit slot", "created")

    # --- run --------------------------------------------------------------------------------

    def run(self) -> SeedResult:
        self.result_accounts: list[tuple[str, str, str, str]] = []
        self.images, created_images = ensure_images()
        for _ in range(created_images):
            self.tally.record("image", "created")
        self.accounts()
        self.experts()
        self.home()
        self.sections()
        self.consumer_warnings()
        self.institutions()
        self.activities()
        self.registrations()
        self.enterprise()
        self.expert_availability()
        self.institution_contact()
        needs_seed(
            today=self.today,
            tally=self.tally,
            institution=self.pages[f"institution:{people.CONTACT_INSTITUTION_SLUG}"][0],
            users=self.users,
        )
        instruments_build(self)  # shared instruments, their machine time, one approved
        # Last year's campaign and the past months' services, for the statistics.
        history_build(self)
        self.news()
        self.home_links()
        self.site_settings()
        return SeedResult(
            tally=self.tally,
            accounts=self.result_accounts,
            campaign_start=self.start,
            campaign_end=self.end,
        )


def demo_counts() -> dict[str, int]:
    """How many of each thing the demo site holds, for the summary and the tests."""
    zh, en = Locale.get_default(), Locale.objects.filter(language_code="en").first()
    counts: dict[str, int] = {}
    for model in (
        HomePage,
        OpenDayIndexPage,
        ActivityPage,
        InstitutionIndexPage,
        InstitutionPage,
        ExpertRosterPage,
        NewsIndexPage,
        NewsPage,
        ConsumerWarningIndexPage,
        ConsumerWarningPage,
        StandardPage,
    ):
        name = model._meta.verbose_name_plural
        counts[f"{name} (zh-hans)"] = model.objects.live().filter(locale=zh).count()
        counts[f"{name} (en)"] = model.objects.live().filter(locale=en).count() if en else 0
    now = timezone.now()
    counts["sessions"] = Session.objects.count()
    counts["future sessions"] = Session.objects.filter(starts_at__gt=now).count()
    counts["full sessions"] = sum(1 for s in Session.objects.with_places() if s.places_left == 0)
    counts["labs"] = Lab.objects.count()
    counts["registrations"] = Registration.objects.count()
    counts["enterprises"] = Enterprise.objects.count()
    counts["campaigns"] = OpenDayIndexPage.objects.filter(locale=zh).count()
    counts["past sessions"] = Session.objects.filter(ends_at__lt=now).count()
    counts["consultations completed"] = Consultation.objects.filter(state="completed").count()
    counts["lab visits attended"] = LabVisit.objects.filter(checked_in_at__isnull=False).count()
    counts["future consultation slots"] = Slot.objects.filter(starts_at__gt=now).count()
    counts["future visit slots"] = VisitSlot.objects.filter(starts_at__gt=now).count()
    counts["experts (published)"] = Expert.objects.filter(live=True).count()
    counts["accounts"] = get_user_model().objects.count()
    counts["revisions"] = Revision.objects.count()
    counts["ratings"] = Rating.objects.count()
    return counts


def seed_demo(*, today: datetime.date | None = None, stdout=None) -> SeedResult:
    """Create or update the whole demo site; returns what was done and what now exists."""
    today = today or timezone.localdate()
    with transaction.atomic():
        result = _Builder(today=today, stdout=stdout).run()
        # Last: the finished services the build made (any history too) get their ratings.
        ratings_seed(tally=result.tally)
    result.counts = demo_counts()
    return result
