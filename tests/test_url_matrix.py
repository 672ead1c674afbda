"""Every URL of the site, walked from the URL resolver, GET as every role.

The URL list is not written by hand: it comes from ``get_resolver()`` (includes and the
language prefix are followed), so a URL added later is walked too, and this module fails
until whoever added it says, in ``EXPECTED``, which roles may open it and, if it has a new
kind of URL argument, which fixture row fills it (``KWARGS``).

In the Wagtail admin (``/cms-admin/``) only the portal's own views are walked (those whose
view lives in one of our apps); Wagtail's catch-all page view is walked for each page type.

A role not allowed to open a URL must be refused: a redirect to a sign-in page, Wagtail's
redirect to the admin home, 403, 404 or 405 (a POST-only view). Some views send a signed-in
user somewhere else on purpose (``REDIRECTS``). No role ever gets a 5xx.

tests/test_permission_matrix.py keeps the explicit, hand-written matrix of the booking and
visit pages with their secrets; this module is the net under every other URL.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone, translation
from wagtail.documents.models import Document
from wagtail.models import Collection, PageViewRestriction

from consultations.models import ConsultationAttachment
from enterprises.models import Membership
from events.tickets import manage_token_make
from inbox.models import Notification
from labvisits.models import LabVisit
from ratings.links import rating_token_make
from reminders.models import Broadcast, Reminder
from stats.models import ReportJob
from tests import factories
from tests.needs.factories import NeedFactory, OfferFactory

pytestmark = pytest.mark.django_db

# The portal's apps: admin URLs whose view lives in one of them are walked.
OUR_APPS = (
    "portal",
    "cms",
    "events",
    "experts",
    "enterprises",
    "consultations",
    "labvisits",
    "needs",
    "inbox",
    "reminders",
    "ratings",
    "stats",
    "api",
)
ADMIN_PREFIX = "cms-admin/"

ROLES = [
    "anonymous",
    "public",
    "ent_a",
    "ent_b",
    "expert",
    "contact",
    "checkin",
    "editor",
    "approver",
]

# --- The URL list ---------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    key: str  # the qualified URL name, or the route itself for an unnamed pattern
    route: str
    kwargs: tuple[str, ...]
    module: str


def _view_module(pattern: URLPattern) -> str:
    callback = pattern.callback
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    return (view_class or callback).__module__


def _walk(resolver: URLResolver, prefix: str, namespaces: tuple[str, ...]) -> Iterator[Route]:
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            # The language prefix (i18n_patterns) is a URLResolver too; its str() is the
            # active language's prefix, and reverse() below adds it again.
            inner = namespaces + ((pattern.namespace,) if pattern.namespace else ())
            yield from _walk(pattern, route, inner)
            continue
        module = _view_module(pattern)
        if route.startswith(ADMIN_PREFIX) and module.split(".")[0] not in OUR_APPS:
            continue  # Wagtail's own admin: Wagtail tests it.
        key = ":".join((*namespaces, pattern.name)) if pattern.name else route
        names = tuple(pattern.pattern.regex.groupindex)
        yield Route(key=key, route=route, kwargs=names, module=module)


def site_routes() -> list[Route]:
    seen: dict[str, Route] = {}
    for route in _walk(get_resolver(), "", ()):
        seen.setdefault(route.key, route)
    return list(seen.values())


# --- Who may open what ------------------------------------------------------------------

EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}
NOBODY: frozenset[str] = frozenset()
# Regulator staff with the admin's registration/booking/statistics views.
REGULATOR = frozenset({"editor", "approver"})
APPROVER = frozenset({"approver"})
ENTERPRISES = frozenset({"ent_a", "ent_b"})

# URL name (or unnamed route) -> the roles whose GET answers 200.
EXPECTED: dict[str, frozenset[str]] = {
    # Health check, language switch, sitemap, the public pages.
    "healthz": EVERYONE,
    "set_language": NOBODY,  # POST only (GET redirects back)
    "sitemap.xml": EVERYONE,
    "wagtail_serve": EVERYONE,
    "search": EVERYONE,
    "stats:public": EVERYONE,
    # The public REST API, its OpenAPI document and docs page; a path under /api/ that names
    # no operation (and ninja's root, shadowed by it) answers the API's 404 body.
    "api_v1:campaign_list": EVERYONE,
    "api_v1:activity_list": EVERYONE,
    "api_v1:session_list": EVERYONE,
    "api_v1:institution_list": EVERYONE,
    "api_v1:expert_list": EVERYONE,
    "api_v1:figures": EVERYONE,
    "api_v1:openapi-json": EVERYONE,
    "api_v1:openapi-view": EVERYONE,
    "api_v1:api-root": NOBODY,
    "api/v1/": NOBODY,
    "api_not_found": NOBODY,
    # The staff routes need a staff API token, never a session cookie: 401 for every role
    # here (their matrix of tokens and scopes: tests/api/test_staff_api.py).
    "api_v1:statistics_tables": NOBODY,
    "api_v1:statistics_table": NOBODY,
    "api_v1:session_registrations": NOBODY,
    "api_v1:consultation_list": NOBODY,
    "api_v1:lab_visit_list": NOBODY,
    "api_v1:session_checkin": NOBODY,  # POST only
    "api_v1:visit_slot_checkin": NOBODY,  # POST only
    # The admin's API token pages: staff holding a scope's permission (their own tokens).
    "api_tokens:index": {"checkin", *REGULATOR},
    "api_tokens:create": {"checkin", *REGULATOR},
    "api_tokens:revoke": NOBODY,  # POST only
    "^media/(?P<path>.*)$": EVERYONE,  # public images/documents (DEBUG only)
    "wagtaildocs_serve": EVERYONE,
    "wagtaildocs_authenticate_with_password": EVERYONE,
    "wagtailcore_authenticate_with_password": EVERYONE,
    "wagtailcore_login": EVERYONE,
    # Accounts (allauth) and the user's own data.
    "account_login": {"anonymous"},
    "account_logout": SIGNED_IN,
    "account_inactive": EVERYONE,
    "account_signup": {"anonymous"},
    "account_reauthenticate": SIGNED_IN,
    # Re-authentication by an e-mailed code is for accounts without a password; ours have
    # one, so allauth sends them to "reauthenticate" (password) instead.
    "account_request_reauthentication_code": NOBODY,
    "account_confirm_reauthentication_code": NOBODY,
    "account_email": SIGNED_IN,
    "account_email_verification_sent": EVERYONE,
    "account_change_password": SIGNED_IN,
    "account_set_password": NOBODY,  # users with a password are sent to "change"
    "account_reset_password": EVERYONE,
    "account_confirm_login_code": NOBODY,
    "account_confirm_email": EVERYONE,  # a bad key: the "link expired" page
    "account_reset_password_from_key_done": EVERYONE,
    "account_reset_password_from_key": EVERYONE,  # a bad key: the "link expired" page
    "account_reset_password_done": EVERYONE,
    "privacy:my_data": SIGNED_IN,
    "privacy:my_data_download": SIGNED_IN,
    "privacy:delete_account": SIGNED_IN,
    "inbox:notifications": SIGNED_IN,
    "inbox:notifications_read": NOBODY,
    "inbox:notification_calendar": {"ent_a"},  # the recipient's own notice's .ics
    # Open-day registration: the ticket link is the key (signed token).
    "events:register": EVERYONE,
    "events:ticket_resend": NOBODY,
    "events:registration_manage": EVERYONE,
    "events:registration_ics": EVERYONE,
    "events:registration_party_size": NOBODY,
    "events:registration_cancel": EVERYONE,
    "events:my_registrations": SIGNED_IN,
    "events:calendar_activity": EVERYONE,
    "events:calendar_campaign": EVERYONE,
    # Supply-demand matching: the board and an open need are public; offers by responders.
    "needs:board": EVERYONE,
    "needs:detail": EVERYONE,
    "needs:post": ENTERPRISES,
    "needs:mine": SIGNED_IN,
    "needs:offer": {"expert", "contact"},
    "needs:withdraw": NOBODY,  # POST only
    "needs:accept": NOBODY,  # POST only
    "enterprise_services_needs:index": REGULATOR,
    "enterprise_services_needs:index_results": REGULATOR,
    "enterprise_services_needs:inspect": REGULATOR,
    # Proving a phone number ahead of registration.
    "verification:verify": EVERYONE,
    # Check-in at the door.
    "events:checkin_home": {"checkin", "contact"},
    "events:checkin_session": {"checkin"},
    "events:checkin_ticket": NOBODY,
    "events:checkin_walk_in": NOBODY,
    "events:checkin_counts": {"checkin"},
    # The check-in screen offline: manifest and service worker hold no data.
    "events:checkin_manifest": EVERYONE,
    "events:checkin_service_worker": EVERYONE,
    "events:checkin_offline_list": {"checkin"},
    "events:checkin_offline_sync": NOBODY,
    "labvisits:checkin_visit_slot": {"checkin", "contact"},
    "labvisits:checkin_visit_ticket": NOBODY,
    "labvisits:checkin_visit_counts": {"checkin", "contact"},
    "labvisits:checkin_visit_offline_list": {"checkin", "contact"},
    "labvisits:checkin_visit_offline_sync": NOBODY,
    # Enterprise accounts.
    "enterprises:mine": {"ent_a", "ent_b"},
    "enterprises:start": SIGNED_IN - ENTERPRISES,
    "enterprises:create": SIGNED_IN - ENTERPRISES,
    "enterprises:join": SIGNED_IN,
    "enterprises:edit": {"ent_a", "ent_b"},
    "enterprises:decide": NOBODY,
    "enterprises:withdraw": NOBODY,
    # Expert consultations.
    "consultations:availability": {"expert"},
    "consultations:availability_for": {"expert", *REGULATOR},
    "consultations:match": EVERYONE,
    "consultations:request": {"ent_a", "ent_b"},
    "consultations:list_mine": {"ent_a", "ent_b"},
    "consultations:expert_dashboard": {"expert"},
    "consultations:detail": {"ent_a", "expert", *REGULATOR},
    "consultations:confirm": NOBODY,
    "consultations:decline": NOBODY,
    "consultations:cancel": NOBODY,
    "consultations:reschedule_propose": NOBODY,
    "consultations:reschedule_respond": NOBODY,
    "consultations:complete": NOBODY,
    "consultations:no_show": NOBODY,
    "consultations:rate": NOBODY,
    # Editors see a booking's page but not its calendar file or attachments.
    "consultations:ics": {"ent_a", "expert", "approver"},
    # Only a completed consultation has a service record, and the walk's consultation is
    # confirmed: 404 for everyone (the parties' download: tests/consultations/
    # test_service_record.py).
    "consultations:record": set(),
    "consultations:attachment": {"ent_a", "expert", "approver"},
    # Lab visits.
    "labvisits:request_start": EVERYONE,  # the public list of visit slots
    "labvisits:instrument_list": EVERYONE,  # the shared-instrument catalogue
    "labvisits:instrument_detail": EVERYONE,
    "labvisits:request": {"ent_a", "ent_b"},
    "labvisits:detail": {"ent_a", "contact", *REGULATOR},
    "labvisits:ticket": {"ent_a", "contact", *REGULATOR},
    "labvisits:decide": NOBODY,
    "labvisits:cancel": NOBODY,
    "labvisits:contact_dashboard": {"contact"},
    "labvisits:slot_create": NOBODY,
    "labvisits:slot_delete": NOBODY,
    # The portal's admin views.
    "portal_audit_log": NOBODY,  # administrators (superusers) only
    "portal_audit_log_results": NOBODY,
    "stats_admin:dashboard": REGULATOR,
    "stats_admin:refresh": NOBODY,
    "stats_admin:report_start": NOBODY,
    "stats_admin:report_status": REGULATOR,
    "stats_admin:report_status_json": REGULATOR,
    "stats_admin:report_download": REGULATOR,
    # Regulator staff see registrations; only approvers change them. Check-in staff have the
    # door screen only (no lists of every session, no exports).
    "open_day_registrations:index": REGULATOR,
    "open_day_registrations:session": REGULATOR,
    "open_day_registrations:session_cancel": APPROVER,
    "open_day_registrations:registration": REGULATOR,
    "open_day_registrations:cancel": APPROVER,
    "open_day_registrations:move": APPROVER,
    "open_day_noshow_waivers:add": APPROVER,
    # Tickets presented twice at the door; check-in staff see their session's on its screen.
    "open_day_checkin_conflicts:index": REGULATOR,
    "open_day_checkin_conflicts:index_results": REGULATOR,
    "enterprise_services_consultations:index": REGULATOR,
    "enterprise_services_consultations:index_results": REGULATOR,
    "enterprise_services_consultations:inspect": REGULATOR,
    "enterprise_services_consultations:assign": APPROVER,
    "enterprise_services_lab_visits:index": REGULATOR,
    "enterprise_services_lab_visits:index_results": REGULATOR,
    "enterprise_services_lab_visits:inspect": REGULATOR,
    "enterprise_services_visit_slots:index": REGULATOR,
    "enterprise_services_visit_slots:index_results": REGULATOR,
    "enterprise_services_enterprises:index": REGULATOR,
    "enterprise_services_enterprises:index_results": REGULATOR,
    "enterprise_services_enterprises:inspect": REGULATOR,
    "enterprise_services_enterprises:verify": APPROVER,
    "reminders_reminders:index": REGULATOR,
    "reminders_reminders:index_results": REGULATOR,
    "reminders_reminders:retry": APPROVER,
    "reminders_broadcasts:index": REGULATOR,
    "reminders_broadcasts:index_results": REGULATOR,
    # Ratings: the page is reached by its signed link, without signing in.
    "ratings:rate": EVERYONE,
    "ratings_ratings:index": REGULATOR,
    "ratings_ratings:index_results": REGULATOR,
    "ratings_ratings:handle": APPROVER,
}

# Served only with DEBUG on (portal/urls.py), so absent from the test run's resolver.
DEBUG_ONLY = {"^media/(?P<path>.*)$"}

# Views that send these roles somewhere other than a sign-in page on purpose (no data):
# URL name -> {role: the path the redirect must lead to}.
# URL name -> (roles, the paths they may be sent to).
# After sign-in: the page of the user's role (portal.roles), else my registrations.
_HOME = frozenset(
    {
        "/en/open-day/registration/mine/",
        "/en/open-day/checkin/",
        "/en/consultations/expert/",
        "/en/lab-visits/institution/",
        "/en/enterprise/",
        "/en/enterprise/start/",
        "/cms-admin/",  # superusers, editors and reviewers: the CMS
    }
)
REDIRECTS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "set_language": (EVERYONE, frozenset({"/"})),  # GET: back, language unchanged
    "account_logout": (frozenset({"anonymous"}), frozenset({"/"})),
    "account_login": (SIGNED_IN, _HOME),
    "account_signup": (SIGNED_IN, _HOME),
    "account_confirm_login_code": (SIGNED_IN, _HOME),
    "account_set_password": (SIGNED_IN, frozenset({"/en/accounts/password/change/"})),
    "account_request_reauthentication_code": (
        SIGNED_IN,
        frozenset({"/en/accounts/reauthenticate/"}),
    ),
    "account_confirm_reauthentication_code": (
        SIGNED_IN,
        frozenset({"/en/accounts/reauthenticate/code/"}),
    ),
    # Without an enterprise: first create or join one.
    **{
        name: (SIGNED_IN - ENTERPRISES, frozenset({"/en/enterprise/start/"}))
        for name in (
            "enterprises:mine",
            "enterprises:edit",
            "consultations:request",
            "consultations:list_mine",
            "labvisits:request",
            "needs:post",
        )
    },
    # With one: to it.
    "enterprises:start": (ENTERPRISES, frozenset({"/en/enterprise/"})),
    "enterprises:create": (ENTERPRISES, frozenset({"/en/enterprise/start/"})),
}


# --- The data set -----------------------------------------------------------------------


@pytest.fixture
def world(site_tree):
    users = {
        "public": factories.UserFactory(username="u-public"),
        "ent_a": factories.UserFactory(username="u-ent-a"),
        "ent_b": factories.UserFactory(username="u-ent-b"),
        "expert": factories.UserFactory(username="u-expert", groups=["Experts"]),
        "contact": factories.UserFactory(username="u-contact", groups=["Institution contacts"]),
        "checkin": factories.UserFactory(username="u-door", groups=["Check-in staff"]),
        "editor": factories.UserFactory(username="u-editor", groups=["Regulator editors"]),
        "approver": factories.UserFactory(username="u-approver", groups=["Regulator approvers"]),
    }
    ent_a = factories.EnterpriseFactory(owner=users["ent_a"])
    factories.EnterpriseFactory(owner=users["ent_b"])
    joiner = factories.UserFactory(username="u-joiner")
    join_request = Membership.objects.create(
        enterprise=ent_a, user=joiner, role=Membership.Role.MEMBER
    )

    # Open day: a campaign activity with a session and enterprise A's registration.
    activity = factories.ActivityPageFactory(parent=site_tree.zh.campaign)
    session = factories.SessionFactory(activity=activity)
    registration = factories.RegistrationFactory(session=session, user=users["ent_a"])
    # A session notice, listed by the admin's session-notices pages.
    Broadcast.objects.create(
        session=session, kind=Broadcast.Kind.choices[0][0], created_by=users["approver"]
    )
    reminder = Reminder.objects.create(
        key="matrix-reminder",
        registration=registration,
        audience=Reminder.Audience.REGISTRANT,
        channel=Reminder.Channel.EMAIL,
        due_at=timezone.now(),
        state=Reminder.State.FAILED,
    )

    # A consultation of enterprise A with the expert, with an attachment.
    expert = factories.ExpertFactory(user=users["expert"], services=("certification",))
    slot = factories.SlotFactory(expert=expert)
    consultation = factories.ConsultationFactory(
        requested_by=users["ent_a"], enterprise=ent_a, slot=slot
    )
    attachment = ConsultationAttachment(
        consultation=consultation,
        token="tok-url-matrix",
        original_name="report.pdf",
        content_type="application/pdf",
        size=20,
    )
    attachment.file.save("report.pdf", ContentFile(b"%PDF-1.4 secret report"), save=False)
    attachment.save()

    # A lab visit of enterprise A at the contact's institution.
    institution = factories.InstitutionPageFactory(parent=site_tree.zh.institutions)
    factories.InstitutionContactFactory(user=users["contact"], institution=institution)
    lab = factories.LabFactory(institution=institution)
    visit_slot = factories.VisitSlotFactory(lab=lab)
    instrument = factories.InstrumentFactory(lab=lab)
    visit = factories.LabVisitFactory(
        requested_by=users["ent_a"],
        enterprise=ent_a,
        slot=visit_slot,
        state=LabVisit.State.APPROVED,
        decided_at=timezone.now() - datetime.timedelta(hours=1),
    )

    # Enterprise A's open need with another institution's offer (the contact may still make
    # one for theirs).
    need = NeedFactory(enterprise=ent_a, posted_by=users["ent_a"])
    other_institution = factories.InstitutionPageFactory(parent=site_tree.zh.institutions)
    need_offer = OfferFactory(need=need, institution=other_institution)

    # Enterprise A's notice with a calendar file (linked from its notification list).
    notice = Notification.objects.create(
        user=users["ent_a"], subject="Confirmed", body="Attached.", ics="BEGIN:VCALENDAR\r\n"
    )
    # A low rating of the lab visit, for the staff's list and its "Mark handled".
    rating = factories.RatingFactory(kind="lab_visit", object_id=visit.pk, level=1)

    job = ReportJob.objects.create(
        token="job-url-matrix", state=ReportJob.State.DONE, created_by=users["approver"]
    )
    job.file.save("report.xlsx", ContentFile(b"PK\x03\x04 workbook"), save=True)

    document = Document.objects.create(title="Open day leaflet")
    document.file.save("leaflet.pdf", ContentFile(b"%PDF-1.4 leaflet"), save=True)
    private = Collection.get_first_root_node().add_child(name="Protected")
    doc_restriction = private.view_restrictions.create(
        restriction_type=PageViewRestriction.PASSWORD, password="x"
    )
    protected_page = factories.StandardPageFactory(parent=site_tree.zh.home)
    page_restriction = PageViewRestriction.objects.create(
        page=protected_page, restriction_type=PageViewRestriction.PASSWORD, password="x"
    )

    news = factories.NewsPageFactory(parent=site_tree.zh.news)
    pages = [
        site_tree.zh.home,
        site_tree.en.home,
        site_tree.zh.news,
        news,
        site_tree.zh.campaign,
        activity,
        site_tree.zh.institutions,
        institution,
        site_tree.zh.roster,
        site_tree.en.about,
    ]
    return {
        "users": users,
        "pages": pages,
        # URL argument -> value, or {URL name or namespace: value} when one argument name
        # stands for different rows in different places.
        "kwargs": {
            "session_id": session.pk,
            "activity_id": activity.pk,
            "slot_id": visit_slot.pk,
            "table": "summary",
            "expert_id": expert.pk,
            "reference": consultation.reference,
            "page_id": {
                "events:calendar_activity": activity.pk,
                "events:calendar_campaign": site_tree.zh.campaign.pk,
                "wagtailcore_authenticate_with_password": protected_page.pk,
            },
            "page_view_restriction_id": page_restriction.pk,
            "restriction_id": doc_restriction.pk,
            "token": {
                "events": manage_token_make(registration.ticket_code),
                "consultations": attachment.token,
                "stats_admin": job.token,
                "ratings": rating_token_make(kind="lab_visit", object_id=visit.pk),
            },
            "pk": {
                "open_day_registrations": registration.pk,
                "enterprise_services_consultations": consultation.pk,
                "enterprise_services_lab_visits": visit.pk,
                "enterprise_services_enterprises": ent_a.pk,
                "reminders_reminders": reminder.pk,
                "ratings_ratings": rating.pk,
                "labvisits": visit.pk,
                "needs": need.pk,
                "needs:accept": need_offer.pk,
                "enterprise_services_needs": need.pk,
                "labvisits:instrument_detail": instrument.pk,
                "enterprises": join_request.pk,
                "inbox": notice.pk,
                "api_tokens": 1,  # revoke is POST only: a GET never looks the token up
            },
            # allauth's e-mail and password links: a key that is not valid.
            "key": "not-a-valid-key",
            "uidb36": "zz",
            "path": document.file.name,
        },
        # Patterns with unnamed groups: the URL is built here.
        "urls": {
            "wagtaildocs_serve": [document.url],
            "wagtail_serve": [page.url for page in pages],
        },
    }


def _kwarg(world, route: Route, name: str):
    table = world["kwargs"]
    assert name in table, (
        f"The URL {route.route!r} ({route.key}) takes an argument {name!r} that "
        f"tests/test_url_matrix.py does not know: add a fixture row for it to the 'kwargs' "
        f"table of the world fixture, and the URL to EXPECTED."
    )
    value = table[name]
    if isinstance(value, dict):
        namespace = route.key.rpartition(":")[0]
        for candidate in (route.key, namespace):
            if candidate in value:
                return value[candidate]
        raise AssertionError(
            f"The URL {route.route!r} ({route.key}) takes {name!r}, which means a different "
            f"row in each app: say which row in the world fixture's kwargs[{name!r}]."
        )
    return value


def concrete_urls(world, route: Route) -> list[str]:
    if route.key in world["urls"]:
        return world["urls"][route.key]
    if route.key == "^media/(?P<path>.*)$":
        return [f"/media/{_kwarg(world, route, 'path')}"]
    if route.key == route.route and not route.kwargs:
        return ["/" + route.route]  # an unnamed route without arguments
    kwargs = {name: _kwarg(world, route, name) for name in route.kwargs}
    with translation.override("en"):
        return [reverse(route.key, kwargs=kwargs)]


# --- The checks -------------------------------------------------------------------------

SIGN_IN_PATHS = ("/accounts/login/", "/cms-admin/login/")


def outcome(response, *, landings: frozenset[str] = frozenset()) -> str:
    """'ok', 'refused', or a description of anything else. The CMS's home is where it sends
    whoever may not see a page, unless it is one of the ``landings`` expected."""
    status = response.status_code
    if status == 200:
        return "ok"
    if status in (401, 403, 404, 405):  # 401: the API's staff routes, without a token
        return "refused"
    if status == 302:
        location = response["Location"]
        if any(path in location for path in SIGN_IN_PATHS):
            return "refused"
        if location == "/cms-admin/" and location not in landings:
            return "refused"
        return f"302 to {location}"
    return str(status)


def client_for(world, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world["users"][role])
    return client


def test_every_url_is_classified():
    """A URL added to the site without an entry here fails, naming the URL."""
    keys = {route.key for route in site_routes()}
    unknown = sorted(keys - EXPECTED.keys())
    assert not unknown, (
        f"New URLs not in tests/test_url_matrix.py EXPECTED (say which roles may GET them): "
        f"{unknown}"
    )
    gone = sorted(EXPECTED.keys() - keys - DEBUG_ONLY)
    assert not gone, f"EXPECTED names URLs the site no longer has: {gone}"


def test_the_walk_reaches_the_portal_admin_and_the_language_prefixed_urls():
    keys = {route.key for route in site_routes()}
    assert {"stats_admin:dashboard", "reminders_reminders:retry", "events:register"} <= keys
    assert "wagtailadmin_home" not in keys  # Wagtail's own admin is left out


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_only_what_it_may(world, role):
    client = client_for(world, role)
    wrong = []
    for route in site_routes():
        for url in concrete_urls(world, route):
            response = client.get(url)
            assert response.status_code < 500, (role, route.key, url, response.status_code)
            redirected = route.key in REDIRECTS and role in REDIRECTS[route.key][0]
            got = outcome(response, landings=REDIRECTS[route.key][1] if redirected else frozenset())
            if role in EXPECTED.get(route.key, ()):
                expected = "ok"
            elif redirected:
                expected = " or ".join(f"302 to {to}" for to in sorted(REDIRECTS[route.key][1]))
            else:
                expected = "refused"
            if got not in expected.split(" or "):
                wrong.append(f"{route.key} {url}: expected {expected}, got {got}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


# --- Arguments out of range -------------------------------------------------------------

HUGE = "99999999999999999999"  # beyond any 64-bit key
PLACEHOLDERS = {"id": HUGE, "int": HUGE, "str": "x", "slug": "x", "path": "x"}


def test_a_number_beyond_any_key_in_any_url_is_not_found_never_an_error(world, superuser):
    """Every route of the site with a number in it (walked from the resolver, so a new one
    is covered), given a number no key can be: 404 or a refusal, never a database overflow
    (500). The portal's routes use the ``id`` converter (``portal.converters``)."""
    import re

    argument = re.compile(r"<(?:(\w+):)?(\w+)>")
    numbered = [r for r in site_routes() if re.search(r"<(?:id|int):", r.route)]
    assert len(numbered) > 20
    assert not [r.key for r in numbered if "<int:" in r.route and r.module.startswith(OUR_APPS)]
    clients = {"anonymous": Client(), "superuser": Client()}
    clients["superuser"].force_login(superuser)
    for route in numbered:
        path = "/" + argument.sub(lambda m: PLACEHOLDERS.get(m.group(1) or "str", "x"), route.route)
        for role, client in clients.items():
            response = client.get(path)
            assert response.status_code < 500, (role, route.key, path, response.status_code)


def _filter_values(filterset_class) -> list[dict[str, str]]:
    """Query strings at the edges of each filter of a staff list: the first and last day
    a date can have, a key beyond 64 bits, a choice that does not exist."""
    import django_filters

    edges: list[dict[str, str]] = []
    for name, spec in filterset_class.base_filters.items():
        if isinstance(spec, django_filters.DateFromToRangeFilter):
            for day in ("0001-01-01", "9999-12-31"):
                edges.append({f"{name}_after": day, f"{name}_before": day})
        elif isinstance(spec, django_filters.ModelChoiceFilter):
            edges += [{name: HUGE}, {name: "-" + HUGE}, {name: "x"}]
        else:
            edges += [{name: "x"}, {name: HUGE}]
    return edges


def test_staff_list_filters_at_their_edges_never_fail(world, superuser):
    """Every filter of every staff list of the portal (walked from the resolver): a date
    at the edge of the calendar or a key beyond 64 bits answers the list, never a 500."""
    from django.urls import resolve

    client = Client()
    client.force_login(superuser)
    lists = []
    for route in site_routes():
        if not route.route.startswith(ADMIN_PREFIX) or route.kwargs:
            continue
        url = concrete_urls(world, route)[0]
        func = resolve(url).func
        # Given by the viewset (initkwargs) or set on the view class.
        filterset_class = getattr(func, "view_initkwargs", {}).get("filterset_class") or getattr(
            getattr(func, "view_class", None), "filterset_class", None
        )
        if not isinstance(filterset_class, type):
            continue  # none, or made per request by Wagtail's own views
        lists.append(route.key)
        for params in _filter_values(filterset_class):
            response = client.get(url, params)
            assert response.status_code == 200, (route.key, params, response.status_code)
    assert len(lists) >= 4, lists
