"""The staff routes of the REST API (/api/v1/staff/) and their tokens: the token's life
(created with its secret shown once, stored as a hash, revoked, expired), the 401/403/429
bodies, each route's answers with phones masked, check-in through the door's service, and
the permission matrix of every staff route against every role and token scope."""

from __future__ import annotations

import datetime
import hashlib
import json
import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.utils import timezone

from api.exceptions import ApiTokenError
from api.models import SCOPE_FIELDS, ApiToken, Scope
from api.services import (
    api_scopes_grantable,
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
)
from api.staff import router
from consultations.models import Consultation
from events.models import Registration
from labvisits.models import LabVisit
from tests import factories

pytestmark = pytest.mark.django_db

API = "/api/v1/staff"
PHONE_DIGITS = "13912345678"


@pytest.fixture
def world(site_tree, superuser):
    """Two institutions (I with a lab, an activity and a session at the door now; J with
    nothing), registrations, consultations of two experts, an approved lab visit now, and
    a user of every role."""
    now = timezone.now()
    users = {
        "admin": superuser,
        "approver": factories.UserFactory(username="t-approver", groups=["Regulator approvers"]),
        "door": factories.UserFactory(username="t-door", groups=["Check-in staff"]),
        "contact_i": factories.UserFactory(username="t-contact-i"),
        "contact_j": factories.UserFactory(username="t-contact-j"),
        "expert": factories.UserFactory(username="t-expert"),
        "member": factories.UserFactory(username="t-member"),
    }
    institution_i = factories.InstitutionPageFactory(parent=site_tree.zh.institutions)
    institution_j = factories.InstitutionPageFactory(parent=site_tree.zh.institutions)
    factories.InstitutionContactFactory(user=users["contact_i"], institution=institution_i)
    factories.InstitutionContactFactory(user=users["contact_j"], institution=institution_j)
    activity = factories.ActivityPageFactory(
        parent=site_tree.zh.campaign, title="汽车实验室参观", institution=institution_i
    )
    session = factories.SessionFactory(
        activity=activity,
        starts_at=now - datetime.timedelta(minutes=10),
        ends_at=now + datetime.timedelta(hours=2),
    )
    registrations = [
        factories.RegistrationFactory(session=session, name="王小明", phone="+86" + PHONE_DIGITS),
        *(factories.RegistrationFactory(session=session) for _ in range(3)),
        factories.RegistrationFactory(session=session, status=Registration.Status.WAITLISTED),
    ]
    expert = factories.ExpertFactory(user=users["expert"], services=("certification",))
    mine = factories.ConsultationFactory(
        requested_by=users["member"],
        slot=factories.SlotFactory(expert=expert),
        contact_phone="+86" + PHONE_DIGITS,
    )
    other = factories.ConsultationFactory()
    lab = factories.LabFactory(institution=institution_i)
    visit_slot = factories.VisitSlotFactory(
        lab=lab,
        starts_at=now - datetime.timedelta(minutes=10),
        ends_at=now + datetime.timedelta(hours=2),
    )
    visit = factories.LabVisitFactory(
        slot=visit_slot,
        state=LabVisit.State.APPROVED,
        decided_at=now - datetime.timedelta(days=1),
        contact_phone="+86" + PHONE_DIGITS,
    )
    return {
        "users": users,
        "institution_i": institution_i,
        "session": session,
        "registrations": registrations,
        "consultations": {"mine": mine, "other": other},
        "visit_slot": visit_slot,
        "visit": visit,
    }


def token_for(user, *scopes: Scope, by=None) -> str:
    """A token of ``user`` with ``scopes`` (default: every scope the user may hold)."""
    chosen = [str(s) for s in scopes] or api_scopes_grantable(user=user)
    return api_token_create(user=user, by=by or user, name="test", scopes=chosen)[1]


def raw_token(user, *scopes: Scope | int) -> str:
    """A token written straight to the database, past the service's check that the user
    holds each scope's permission: what the request-time check must still refuse. An int
    among ``scopes`` makes another secret for the same user."""
    n = sum(x for x in scopes if isinstance(x, int))
    scopes = tuple(x for x in scopes if not isinstance(x, int))
    secret = "ptk_" + "x" * 37 + f"{n:03d}" + str(user.pk).rjust(3, "0")
    ApiToken.objects.create(
        user=user,
        name="raw",
        prefix=secret[:12],
        secret_hash=hashlib.sha256(secret.encode()).hexdigest(),
        **{SCOPE_FIELDS[s]: True for s in scopes},
    )
    return secret


def call(method: str, path: str, token: str | None = None, body: dict | None = None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    # A bearer token is no cookie: posts need no CSRF token (as in production).
    client = Client(enforce_csrf_checks=True)
    if method == "post":
        response = client.post(
            API + path, data=json.dumps(body or {}), content_type="application/json", **headers
        )
    else:
        response = client.get(API + path, **headers)
    return response, json.loads(response.content)


# --- Tokens -------------------------------------------------------------------------------


def test_token_secret_is_shown_once_and_only_its_hash_is_stored(approver):
    token, secret = api_token_create(
        user=approver, by=approver, name="  District   platform ", scopes=["stats:read"]
    )
    assert re.fullmatch(r"ptk_[A-Za-z0-9_-]{43}", secret)
    assert token.name == "District platform" and token.scopes == ["stats:read"]
    assert token.prefix == secret[:12]
    assert token.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert not any(secret in str(value) for value in stored.values())
    assert api_token_authenticate(secret=secret).pk == token.pk


def test_a_scope_is_granted_only_to_users_holding_its_permission(world):
    users = world["users"]
    with pytest.raises(ApiTokenError) as refused:
        api_token_create(user=users["door"], by=users["admin"], name="x", scopes=["stats:read"])
    assert refused.value.code == "scope_not_held"
    assert api_scopes_grantable(user=users["member"]) == []
    assert api_scopes_grantable(user=users["contact_i"]) == [
        "registrations:read",
        "labvisits:read",
        "checkin:write",
    ]
    assert api_scopes_grantable(user=users["expert"]) == ["consultations:read"]
    # Only administrators create tokens for someone else.
    with pytest.raises(ApiTokenError) as refused:
        api_token_create(user=users["door"], by=users["approver"], name="x", scopes=[])
    assert refused.value.code == "forbidden"
    with pytest.raises(ApiTokenError) as refused:
        api_token_create(user=users["approver"], by=users["approver"], name="x", scopes=[])
    assert refused.value.code == "scope_missing"


def test_revoked_expired_and_unknown_tokens_answer_401(approver, superuser):
    revoked = token_for(approver, Scope.STATS_READ)
    api_token_revoke(token=ApiToken.objects.get(prefix=revoked[:12]), by=superuser)
    expiring = token_for(approver, Scope.STATS_READ)
    # (The database refuses an expiry before the creation: move both back.)
    ApiToken.objects.filter(prefix=expiring[:12]).update(
        created_at=timezone.now() - datetime.timedelta(days=2),
        expires_at=timezone.now() - datetime.timedelta(seconds=1),
    )
    cases = {
        None: "unauthenticated",
        "not-a-token": "invalid_token",
        "ptk_" + "A" * 43: "invalid_token",
        revoked: "token_revoked",
        expiring: "token_expired",
    }
    for token, code in cases.items():
        response, body = call("get", "/statistics", token)
        assert response.status_code == 401, token
        assert body["error"]["code"] == code and body["error"]["message"]
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert "no-store" in response["Cache-Control"]
    # A token sent with another scheme, or no token after "Bearer", is no token.
    for header in (f"Token {revoked}", "Bearer ", "Basic dXNlcjpwYXNz"):
        response = Client().get(API + "/statistics", HTTP_AUTHORIZATION=header)
        assert json.loads(response.content)["error"]["code"] == "unauthenticated", header


def test_an_inactive_user_or_one_who_lost_the_role_loses_api_access(approver):
    token = token_for(approver, Scope.STATS_READ)
    assert call("get", "/statistics", token)[0].status_code == 200
    approver.groups.remove(Group.objects.get(name="Regulator approvers"))
    response, body = call("get", "/statistics", token)
    assert response.status_code == 403 and body["error"]["code"] == "forbidden"
    approver.is_active = False
    approver.save()
    assert call("get", "/statistics", token)[1]["error"]["code"] == "invalid_token"


def test_last_use_is_recorded(approver):
    token = token_for(approver, Scope.STATS_READ)
    assert ApiToken.objects.get(prefix=token[:12]).last_used_at is None
    call("get", "/statistics", token)
    assert ApiToken.objects.get(prefix=token[:12]).last_used_at is not None


def test_rate_limit_per_token(approver, settings):
    settings.API_RATE_TOKEN = "2/60"
    first, second = token_for(approver, Scope.STATS_READ), token_for(approver, Scope.STATS_READ)
    assert [call("get", "/statistics", first)[0].status_code for _ in range(2)] == [200, 200]
    response, body = call("get", "/statistics", first)
    assert response.status_code == 429 and body["error"]["code"] == "rate_limited"
    assert response["Retry-After"] == "60"
    assert call("get", "/statistics", second)[0].status_code == 200


def test_staff_answers_are_private_and_not_stored(approver):
    token = token_for(approver, Scope.STATS_READ)
    response, _ = call("get", "/statistics", token)
    assert response.status_code == 200
    cache_control = response["Cache-Control"]
    assert "private" in cache_control and "no-store" in cache_control
    assert "public" not in cache_control and "max-age" not in cache_control


# --- Routes -------------------------------------------------------------------------------


def test_statistics_tables_with_the_dashboards_filters(approver):
    token = token_for(approver, Scope.STATS_READ)
    _, listed = call("get", "/statistics?lang=en", token)
    keys = [t["key"] for t in listed["tables"]]
    assert "open_day_district" in keys and "consultation_state" in keys
    response, table = call(
        "get", "/statistics/open_day_activity_type?lang=en&district=yuzhong", token
    )
    assert response.status_code == 200
    assert table["filters"] == {"district": "yuzhong"}
    assert table["columns"][0] == {"key": "label", "label": "Activity type", "kind": "text"}
    assert all(set(row) == {c["key"] for c in table["columns"]} for row in table["rows"])
    response, body = call("get", "/statistics/open_day_day?activity_type=nonsense", token)
    assert response.status_code == 422 and body["error"]["details"][0]["loc"] == [
        "query",
        "activity_type",
    ]
    assert call("get", "/statistics/nonsense", token)[0].status_code == 404


def test_registrations_of_a_session_phones_masked_names_as_the_staff_list(world):
    session = world["session"]
    path = f"/sessions/{session.pk}/registrations?limit=2"
    staff_token = token_for(world["users"]["approver"])
    seen, url = [], path
    while url:
        response, page = call("get", url, staff_token)
        assert response.status_code == 200
        assert PHONE_DIGITS.encode() not in response.content
        assert b"1234 5678" not in response.content
        seen += page["results"]
        url = page["next"] and page["next"].split(API, 1)[1]
    assert [r["id"] for r in seen] == [r.pk for r in world["registrations"]]
    assert seen[0]["name"] == "王小明" and seen[0]["phone"] == "139 **** 5678"
    assert seen[0]["status"]["code"] == "confirmed"
    # An institution contact sees the sessions of their institution, names masked too.
    response, page = call(
        "get",
        f"/sessions/{session.pk}/registrations?status=waitlisted",
        token_for(world["users"]["contact_i"]),
    )
    assert [r["status"]["code"] for r in page["results"]] == ["waitlisted"]
    response, page = call(
        "get", f"/sessions/{session.pk}/registrations", token_for(world["users"]["contact_i"])
    )
    assert page["results"][0]["name"] == "王**"
    assert "王小明".encode() not in response.content
    assert (
        call("get", f"/sessions/{session.pk}/registrations?cursor=@@", staff_token)[0].status_code
        == 400
    )


def test_consultations_staff_see_all_experts_their_own(world):
    mine, other = world["consultations"]["mine"], world["consultations"]["other"]
    response, page = call("get", "/consultations", token_for(world["users"]["approver"]))
    assert {c["reference"] for c in page["results"]} == {mine.reference, other.reference}
    assert PHONE_DIGITS.encode() not in response.content
    response, page = call(
        "get", "/consultations?state=requested", token_for(world["users"]["expert"])
    )
    assert [c["reference"] for c in page["results"]] == [mine.reference]
    assert page["results"][0]["contact_phone"] == "139 **** 5678"
    assert page["results"][0]["contact_name"] == "王**"
    _, page = call("get", "/consultations?state=completed", token_for(world["users"]["expert"]))
    assert page["results"] == []
    Consultation.objects.filter(pk=mine.pk).update(state=Consultation.State.COMPLETED)
    _, page = call("get", "/consultations?state=completed", token_for(world["users"]["expert"]))
    assert [c["reference"] for c in page["results"]] == [mine.reference]


def test_lab_visits_staff_see_all_contacts_their_labs(world):
    visit = world["visit"]
    response, page = call(
        "get", "/lab-visits?state=approved", token_for(world["users"]["contact_i"])
    )
    assert [v["id"] for v in page["results"]] == [visit.pk]
    assert PHONE_DIGITS.encode() not in response.content
    assert page["results"][0]["contact_phone"] == "139 **** 5678"
    _, page = call("get", "/lab-visits", token_for(world["users"]["contact_j"]))
    assert page["results"] == []
    staff = token_for(world["users"]["approver"])
    institution = world["institution_i"].pk
    _, page = call("get", f"/lab-visits?institution={institution}", staff)
    assert [v["id"] for v in page["results"]] == [visit.pk]
    _, page = call("get", "/lab-visits?state=cancelled", staff)
    assert page["results"] == []


def test_session_checkin_goes_through_the_door_service(world):
    registration = world["registrations"][0]
    session = world["session"]
    token = token_for(world["users"]["door"], Scope.CHECKIN_WRITE)
    path = f"/sessions/{session.pk}/checkin"
    body = {"ticket": registration.ticket_code, "nonce": "scan-0001"}
    response, answer = call("post", path, token, body)
    assert response.status_code == 200 and answer["code"] == "checked_in"
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CHECKED_IN
    assert registration.checked_in_by == world["users"]["door"]
    assert registration.changes.count() == 1  # the history row of the service
    # The same scan again answers as the first time; another scan is a repeat.
    assert call("post", path, token, body)[0].status_code == 200
    response, answer = call("post", path, token, {**body, "nonce": "scan-0002"})
    assert response.status_code == 409 and answer["error"]["code"] == "already_checked_in"
    waitlisted = world["registrations"][-1]
    response, answer = call("post", path, token, {"ticket": waitlisted.ticket_code})
    assert answer["error"]["code"] == "waitlisted"
    assert call("post", "/sessions/999999/checkin", token, body)[0].status_code == 404
    response, answer = call("post", path, token, {"ticket": ""})
    assert response.status_code == 422 and answer["error"]["code"] == "invalid"


def test_visit_slot_checkin_by_the_institution_contact(world):
    visit = world["visit"]
    slot = world["visit_slot"]
    token = token_for(world["users"]["contact_i"], Scope.CHECKIN_WRITE)
    response, answer = call(
        "post", f"/visit-slots/{slot.pk}/checkin", token, {"ticket": visit.ticket_code}
    )
    assert response.status_code == 200 and answer["party_size"] == visit.group_size
    visit.refresh_from_db()
    assert visit.checked_in_at is not None
    other = token_for(world["users"]["contact_j"], Scope.CHECKIN_WRITE)
    response, answer = call(
        "post", f"/visit-slots/{slot.pk}/checkin", other, {"ticket": visit.ticket_code}
    )
    assert response.status_code == 404 and answer["error"]["code"] == "not_found"


# --- The permission matrix ------------------------------------------------------------------

UNKNOWN_TICKET = {"ticket": "ZZZZZZZZ"}


def routes(world) -> dict[tuple[str, str], tuple[str, dict | None]]:
    """Every staff route: (method, route) → (a path to call, a body). A check-in with an
    unknown ticket reaches the service (409) without changing anything."""
    return {
        ("GET", "/statistics"): ("/statistics", None),
        ("GET", "/statistics/{table}"): ("/statistics/open_day_district", None),
        ("GET", "/sessions/{session_id}/registrations"): (
            f"/sessions/{world['session'].pk}/registrations",
            None,
        ),
        ("GET", "/consultations"): ("/consultations", None),
        ("GET", "/lab-visits"): ("/lab-visits", None),
        ("POST", "/sessions/{session_id}/checkin"): (
            f"/sessions/{world['session'].pk}/checkin",
            UNKNOWN_TICKET,
        ),
        ("POST", "/visit-slots/{slot_id}/checkin"): (
            f"/visit-slots/{world['visit_slot'].pk}/checkin",
            UNKNOWN_TICKET,
        ),
    }


ROUTE_ORDER = [
    ("GET", "/statistics"),
    ("GET", "/statistics/{table}"),
    ("GET", "/sessions/{session_id}/registrations"),
    ("GET", "/consultations"),
    ("GET", "/lab-visits"),
    ("POST", "/sessions/{session_id}/checkin"),
    ("POST", "/visit-slots/{slot_id}/checkin"),
]
# The status each caller gets from each route (in ROUTE_ORDER). Role tokens hold every scope
# their user may be given; "no_scope" is the administrator's token with every scope but the
# route's; "lacks_role" an enterprise member's token with every scope, written past the
# service. 409: the check-in service was reached and refused the unknown ticket.
MATRIX = {
    "anonymous": [401, 401, 401, 401, 401, 401, 401],
    "no_scope": [403, 403, 403, 403, 403, 403, 403],
    "lacks_role": [403, 403, 403, 403, 403, 403, 403],
    "admin": [200, 200, 200, 200, 200, 409, 409],
    "approver": [200, 200, 200, 200, 200, 403, 403],
    "door": [403, 403, 403, 403, 403, 409, 409],
    "contact_i": [403, 403, 200, 403, 200, 403, 409],
    "contact_j": [403, 403, 404, 403, 200, 403, 404],
    "expert": [403, 403, 403, 200, 403, 403, 403],
    "member": [403, 403, 403, 403, 403, 403, 403],
}
SCOPE_OF_ROUTE = {
    ("GET", "/statistics"): Scope.STATS_READ,
    ("GET", "/statistics/{table}"): Scope.STATS_READ,
    ("GET", "/sessions/{session_id}/registrations"): Scope.REGISTRATIONS_READ,
    ("GET", "/consultations"): Scope.CONSULTATIONS_READ,
    ("GET", "/lab-visits"): Scope.LABVISITS_READ,
    ("POST", "/sessions/{session_id}/checkin"): Scope.CHECKIN_WRITE,
    ("POST", "/visit-slots/{slot_id}/checkin"): Scope.CHECKIN_WRITE,
}


def test_every_staff_route_is_in_the_permission_matrix():
    declared = {
        (method, path): operation
        for path, view in router.path_operations.items()
        for operation in view.operations
        for method in operation.methods
    }
    assert set(declared) == set(ROUTE_ORDER) == set(SCOPE_OF_ROUTE)
    for key, operation in declared.items():
        [auth] = operation.auth_callbacks
        assert auth.scope == SCOPE_OF_ROUTE[key], key


def test_permission_matrix(world):
    """Every caller of MATRIX against every staff route (one world for all of them: the
    callers change nothing, a check-in of an unknown ticket is refused by the service)."""
    users = world["users"]
    paths = routes(world)
    wrong = []
    for caller, expected in MATRIX.items():
        if caller == "anonymous":
            tokens = dict.fromkeys(ROUTE_ORDER)
        elif caller == "no_scope":
            tokens = {
                route: token_for(users["admin"], *(s for s in Scope if s != SCOPE_OF_ROUTE[route]))
                for route in ROUTE_ORDER
            }
        elif caller == "lacks_role":
            tokens = dict.fromkeys(ROUTE_ORDER, raw_token(users["member"], *Scope))
        elif caller == "member":
            # Holds no scope's permission: the service makes no token for them (tested
            # above); one with a single scope written past it is refused like lacks_role.
            tokens = dict.fromkeys(ROUTE_ORDER, raw_token(users["member"], Scope.STATS_READ, 1))
        else:
            tokens = dict.fromkeys(ROUTE_ORDER, token_for(users[caller]))
        for route, status in zip(ROUTE_ORDER, expected, strict=True):
            path, body = paths[route]
            response, answer = call(route[0].lower(), path, tokens[route], body)
            if response.status_code != status:
                wrong.append(f"{caller} {route}: expected {status}, got {response.status_code}")
            if response.status_code >= 400:
                assert set(answer) == {"error"} and answer["error"]["code"]
            assert PHONE_DIGITS.encode() not in response.content
    assert not wrong, "\n".join(wrong)


# --- The admin's token pages ----------------------------------------------------------------


def test_admin_creates_a_token_for_a_contact_and_shows_the_secret_once(world):
    admin, contact = world["users"]["admin"], world["users"]["contact_i"]
    client = Client()
    client.force_login(admin)
    response = client.post(
        "/cms-admin/staff-api-tokens/new/",
        {"user": contact.pk, "name": "Lab door", "scopes": ["checkin:write"]},
    )
    assert response.status_code == 200
    secret = re.search(rb'value="(ptk_[A-Za-z0-9_-]{43})"', response.content).group(1).decode()
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(prefix=secret[:12])
    assert token.user == contact and token.created_by == admin
    listing = client.get("/cms-admin/staff-api-tokens/")
    assert secret[:12].encode() in listing.content and secret.encode() not in listing.content
    # A scope the contact may not hold is refused with the service's message.
    response = client.post(
        "/cms-admin/staff-api-tokens/new/",
        {"user": contact.pk, "name": "Stats", "scopes": ["stats:read"]},
    )
    assert response.status_code == 200 and b"ptk_" not in response.content
    assert ApiToken.objects.filter(user=contact).count() == 1
    client.post(f"/cms-admin/staff-api-tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == admin


def test_staff_manage_only_their_own_tokens_in_the_admin(world):
    approver, door = world["users"]["approver"], world["users"]["door"]
    theirs = ApiToken.objects.get(prefix=token_for(door)[:12])
    client = Client()
    client.force_login(approver)
    assert client.get("/cms-admin/staff-api-tokens/").status_code == 200
    response = client.post(
        "/cms-admin/staff-api-tokens/new/",
        {"user": door.pk, "name": "x", "scopes": ["checkin:write"]},
    )
    assert response.status_code == 200 and not ApiToken.objects.filter(name="x").exists()
    # Not found for them (Django's locale middleware answers a 404 with a redirect).
    response = client.post(f"/cms-admin/staff-api-tokens/{theirs.pk}/revoke/")
    assert response.status_code in (302, 404)
    assert response.status_code == 404 or response["Location"].endswith(f"/{theirs.pk}/revoke/")
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    # Admin access alone holds no scope: no token page.
    outsider = factories.UserFactory(username="t-outsider")
    outsider.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    client.force_login(outsider)
    # Wagtail answers a refusal with a redirect to the admin's home page.
    response = client.get("/cms-admin/staff-api-tokens/")
    assert response.status_code == 302 and response["Location"] == "/cms-admin/"
