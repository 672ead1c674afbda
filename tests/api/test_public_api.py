"""The public REST API (/api/v1/): every operation in both languages, its filters, the
cursor walk, the error body, the rate limit and the cache headers."""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events.choices import SessionFormat
from events.models import ActivityType
from experts.models import HostKind
from portal.choices import District, Zone
from stats.services import stats_refresh
from tests import factories

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def api_client():
    return Client()


@pytest.fixture
def world(site_tree):
    """A bilingual institution with a lab hosting a bilingual activity with two sessions,
    a second activity of another type, district and format, and two experts."""
    institution = factories.InstitutionPageFactory(
        parent=site_tree.zh.institutions, title="重庆市质量检测研究院"
    )
    institution_en = factories.translate(
        institution, "en", title="Chongqing Quality Inspection Institute"
    )
    factories.LabFactory(institution=institution)
    activity = factories.ActivityPageFactory(
        parent=site_tree.zh.campaign, title="汽车实验室参观", institution=institution
    )
    soon = factories.SessionFactory(activity=activity, taken=3)
    later = factories.SessionFactory(
        activity=activity,
        starts_at=soon.starts_at + datetime.timedelta(days=2),
        ends_at=soon.ends_at + datetime.timedelta(days=2),
    )
    activity_en = factories.translate(activity, "en", title="Vehicle lab tour")
    other = factories.ActivityPageFactory(
        parent=site_tree.zh.campaign,
        title="线上讲座",
        activity_type=ActivityType.LECTURE,
        district=District.YUBEI,
        zone=Zone.LIANGJIANG,
    )
    online = factories.SessionFactory(
        activity=other,
        format=SessionFormat.ONLINE,
        capacity=None,
        starts_at=soon.starts_at + datetime.timedelta(days=10),
        ends_at=soon.ends_at + datetime.timedelta(days=10),
    )
    experts = [
        factories.ExpertFactory(services=("consulting",), fields=("automotive",)),
        factories.ExpertFactory(services=("certification",)),
    ]
    return {
        "institution": institution,
        "institution_en": institution_en,
        "activity": activity,
        "activity_en": activity_en,
        "other": other,
        "sessions": [soon, later],
        "online": online,
        "experts": experts,
    }


def get(client, path, **headers):
    response = client.get(API + path, **headers)
    return response, json.loads(response.content)


# --- Campaigns and activities ----------------------------------------------------------------


def test_campaigns_in_both_languages_share_the_translation_key(api_client, site_tree):
    response, zh = get(api_client, "/campaigns?lang=zh-hans")
    assert response.status_code == 200
    _, en = get(api_client, "/campaigns", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert [c["title"] for c in zh["results"]] == [site_tree.zh.campaign.title]
    assert [c["title"] for c in en["results"]] == [site_tree.en.campaign.title]
    assert zh["results"][0]["translation_key"] == en["results"][0]["translation_key"]
    assert en["results"][0]["language"] == "en" and en["results"][0]["current"] is True
    assert zh["next"] is None


def test_activities_in_both_languages(api_client, world):
    response, zh = get(api_client, "/activities?lang=zh-hans")
    assert response["Content-Language"] == "zh-hans"
    _, en = get(api_client, "/activities?lang=en")
    titles_zh = {a["translation_key"]: a["title"] for a in zh["results"]}
    titles_en = {a["translation_key"]: a["title"] for a in en["results"]}
    key = str(world["activity"].translation_key)
    assert titles_zh[key] == "汽车实验室参观"
    assert titles_en[key] == "Vehicle lab tour"
    # The untranslated activity is listed in its own language, not left out.
    assert titles_en[str(world["other"].translation_key)] == "线上讲座"
    tour = next(a for a in en["results"] if a["translation_key"] == key)
    assert tour["id"] == world["activity_en"].pk
    assert tour["institution"]["title"] == "Chongqing Quality Inspection Institute"
    assert tour["activity_type"] == {"code": "lab_tour", "label": "Lab tour"}
    assert tour["session_count"] == 2
    assert tour["next_session"]["places_left"] == 27
    # The soonest next session first.
    assert [a["translation_key"] for a in en["results"]] == [
        key,
        str(world["other"].translation_key),
    ]


# Query -> the activities it keeps (one world for every case: building it takes a while).
ACTIVITY_FILTERS = [
    ("activity_type=lecture", {"other"}),
    ("district=banan", {"activity"}),
    ("district=liangjiang", {"other"}),
    ("format=online", {"other"}),
    ("format=in_person", {"activity"}),
    ("host_kind=accredited", {"activity"}),
    ("host_kind=training_base", set()),
    ("institution={institution}", {"activity"}),
    ("date_from={day10}", {"other"}),
    ("date_to={day2}", {"activity"}),
    ("date_from={day2}&date_to={day2}", {"activity"}),
    ("campaign={campaign_en}", {"activity", "other"}),
    ("activity_type=lab_tour&district=yubei", set()),
]


def test_activity_filters(api_client, world, site_tree):
    start = timezone.localtime(world["sessions"][1].starts_at).date()
    for query, expected in ACTIVITY_FILTERS:
        query = query.format(
            institution=world["institution_en"].pk,
            day2=start.isoformat(),
            day10=(start + datetime.timedelta(days=8)).isoformat(),
            campaign_en=site_tree.en.campaign.pk,
        )
        response, body = get(api_client, f"/activities?{query}")
        assert response.status_code == 200, body
        keys = {a["translation_key"] for a in body["results"]}
        assert keys == {str(world[name].translation_key) for name in expected}, query


def test_an_unknown_campaign_is_not_found(api_client, world):
    response, body = get(api_client, "/activities?campaign=999999")
    assert response.status_code == 404
    assert body["error"]["code"] == "not_found"


def test_an_unknown_district_is_an_invalid_parameter(api_client, world):
    response, body = get(api_client, "/activities?district=atlantis")
    assert response.status_code == 422
    assert body["error"]["code"] == "invalid"
    assert body["error"]["details"][0]["loc"] == ["query", "district"]


def test_sessions_with_places_left_and_registration_window(api_client, world):
    soon, later = world["sessions"]
    later.registration_opens_at = timezone.now() + datetime.timedelta(hours=5)
    later.save()
    response, body = get(api_client, f"/activities/{world['activity_en'].pk}/sessions?lang=en")
    assert response.status_code == 200
    rows = body["results"]
    assert [r["id"] for r in rows] == [soon.pk, later.pk]
    assert rows[0]["places_left"] == 27 and rows[0]["capacity"] == 30
    assert rows[0]["registration_state"] == "open"
    assert rows[1]["registration_state"] == "upcoming"
    assert rows[1]["registration_opens_at"] is not None
    assert rows[0]["format"] == {"code": "in_person", "label": "In person"}
    _, zh = get(api_client, f"/activities/{world['activity'].pk}/sessions?lang=zh-hans")
    assert [r["id"] for r in zh["results"]] == [soon.pk, later.pk]
    assert zh["results"][0]["format"]["label"] != "In person"


def test_an_online_session_without_a_place_limit(api_client, world):
    _, body = get(api_client, f"/activities/{world['other'].pk}/sessions")
    assert body["results"][0]["capacity"] is None
    assert body["results"][0]["places_left"] is None


# --- Institutions and experts ------------------------------------------------------------------


def test_institutions_with_labs_in_both_languages(api_client, world):
    _, zh = get(api_client, "/institutions?lang=zh-hans")
    _, en = get(api_client, "/institutions?lang=en")
    assert [i["title"] for i in zh["results"]] == ["重庆市质量检测研究院"]
    assert [i["title"] for i in en["results"]] == ["Chongqing Quality Inspection Institute"]
    assert zh["results"][0]["translation_key"] == en["results"][0]["translation_key"]
    institution = en["results"][0]
    assert institution["kind"]["code"] == HostKind.ACCREDITED
    assert institution["cma"]["number"] == world["institution"].accreditation_number
    assert len(institution["labs"]) == 1
    assert "contact_phone" not in institution and "contact_email" not in institution


def test_institution_filters(api_client, world, site_tree):
    factories.InstitutionPageFactory(
        parent=site_tree.zh.institutions,
        district=District.YUBEI,
        kind=HostKind.TRAINING_BASE,
        accreditation_number="",
    )
    _, banan = get(api_client, "/institutions?district=banan")
    _, bases = get(api_client, "/institutions?kind=training_base")
    assert [i["translation_key"] for i in banan["results"]] == [
        str(world["institution"].translation_key)
    ]
    assert [i["kind"]["code"] for i in bases["results"]] == ["training_base"]
    assert bases["results"][0]["cma"] is None
    response, _ = get(api_client, "/institutions?kind=castle")
    assert response.status_code == 422


def test_expert_roster_has_no_personal_contact_data(api_client, world):
    account = factories.UserFactory(username="expert-account", email="li.private@example.com")
    expert = world["experts"][0]
    expert.user = account
    expert.save()
    registration = factories.RegistrationFactory(session=world["sessions"][0])
    response, body = get(api_client, "/experts?lang=en")
    assert response.status_code == 200
    names = {e["name"] for e in body["results"]}
    assert names == {e.name_en for e in world["experts"]}
    text = response.content.decode()
    for secret in (account.email, account.username, registration.phone, registration.email):
        assert secret not in text
    assert "@" not in text and "+86" not in text
    assert set(body["results"][0]) == {
        "id",
        "slug",
        "name",
        "title",
        "organisation",
        "fields",
        "services",
        "district",
        "zone",
    }
    _, zh = get(api_client, "/experts?lang=zh-hans")
    assert {e["name"] for e in zh["results"]} == {e.name for e in world["experts"]}


def test_expert_filters(api_client, world):
    _, body = get(api_client, "/experts?service=certification")
    assert [e["id"] for e in body["results"]] == [world["experts"][1].pk]
    _, body = get(api_client, "/experts?field=automotive")
    assert [e["id"] for e in body["results"]] == [world["experts"][0].pk]


# --- Open day in numbers -----------------------------------------------------------------------


def test_figures_are_the_public_pages(api_client, world):
    stats_refresh()
    response, en = get(api_client, "/figures?lang=en")
    assert response.status_code == 200
    assert en["open_day"]["activities"] == 2
    assert en["open_day"]["sessions"] == 3
    assert en["open_day"]["places"] == 60
    assert en["open_day"]["registered"] == 3
    assert en["open_day"]["districts"] == 2
    assert en["campaign"]["current"] is True
    labels = {
        row["activity_type"]["code"]: row["activity_type"]["label"]
        for row in en["by_activity_type"]
    }
    assert labels["lecture"] == "Lecture"
    _, zh = get(api_client, "/figures?lang=zh-hans")
    assert zh["open_day"] == en["open_day"]
    assert zh["by_activity_type"][0]["activity_type"]["label"] != labels["lecture"]
    assert "张三" not in response.content.decode()


def test_figures_without_a_campaign_is_not_found(api_client, site_tree):
    site_tree.zh.campaign.unpublish()
    response, body = get(api_client, "/figures")
    assert response.status_code == 404
    assert body["error"]["code"] == "not_found"


# --- Paging, errors, limits, caching ---------------------------------------------------------


def test_the_cursor_walk_shows_every_expert_once(api_client, site_tree):
    experts = [factories.ExpertFactory(sort_order=100 + n % 3) for n in range(11)]
    seen: list[int] = []
    url = f"{API}/experts?limit=4&lang=en"
    pages = 0
    while url:
        response = api_client.get(url)
        body = json.loads(response.content)
        assert response.status_code == 200
        assert len(body["results"]) <= 4
        seen += [e["id"] for e in body["results"]]
        url = body["next"]
        pages += 1
        assert url is None or "lang=en" in url
    assert pages == 3
    assert len(seen) == len(set(seen)) == 11
    assert set(seen) == {e.pk for e in experts}


def test_the_cursor_walk_over_activities(api_client, world, site_tree):
    for n in range(5):
        factories.ActivityPageFactory(parent=site_tree.zh.campaign, title=f"讲座{n}")
    seen: list[str] = []
    url = f"{API}/activities?limit=2"
    while url:
        body = json.loads(api_client.get(url).content)
        seen += [a["translation_key"] for a in body["results"]]
        url = body["next"]
    assert len(seen) == len(set(seen)) == 7


@pytest.mark.parametrize("cursor", ["not-base64!", "bm90IGpzb24", "eyJhIjoxfQ"])
def test_a_forged_cursor_is_refused(api_client, world, cursor):
    response, body = get(api_client, f"/experts?cursor={cursor}&lang=en")
    assert response.status_code == 400
    assert body == {
        "error": {
            "code": "invalid_cursor",
            "message": "The cursor is not valid: use the next link of the previous page.",
        }
    }


def test_not_found_body(api_client, site_tree):
    response, body = get(api_client, "/activities/999999/sessions?lang=en")
    assert response.status_code == 404
    assert body == {"error": {"code": "not_found", "message": "Nothing was found at this address."}}
    assert "no-store" in response["Cache-Control"]
    _, zh = get(api_client, "/activities/999999/sessions?lang=zh-hans")
    assert zh["error"]["code"] == "not_found"


def test_a_path_without_an_operation_answers_the_error_body(api_client, site_tree):
    for path in ("/api/v1/nothing-here", "/api/v2/campaigns", "/api/", "/api/v1/"):
        response = api_client.get(path, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 404, path
        assert json.loads(response.content)["error"]["code"] == "not_found"
    response = api_client.get("/api/v1/nothing-here?lang=zh-hans")
    assert json.loads(response.content)["error"]["message"] != "Nothing was found at this address."


def test_validation_error_body(api_client, site_tree):
    response, body = get(api_client, "/experts?limit=1000")
    assert response.status_code == 422
    assert body["error"]["code"] == "invalid"
    assert body["error"]["details"][0]["loc"] == ["query", "limit"]


def test_rate_limit_per_client_address(api_client, site_tree, settings):
    settings.API_RATE_IP = "3/60"
    for _ in range(3):
        assert api_client.get(f"{API}/campaigns").status_code == 200
    response, body = get(api_client, "/campaigns?lang=en")
    assert response.status_code == 429
    assert body["error"]["code"] == "rate_limited"
    assert body["error"]["message"].startswith("Too many requests")
    assert response["Retry-After"] == "60"
    assert "no-store" in response["Cache-Control"]
    # Another client address is counted apart.
    other = api_client.get(f"{API}/campaigns", REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 200
    # The OpenAPI document and the interactive page count too.
    for path in ("/openapi.json", "/docs"):
        response, body = get(api_client, path)
        assert response.status_code == 429 and body["error"]["code"] == "rate_limited"
    assert api_client.get(f"{API}/openapi.json", REMOTE_ADDR="192.0.2.7").status_code == 200


def test_answers_are_public_short_lived_and_vary_on_language(api_client, world, settings):
    response = api_client.get(f"{API}/activities")
    cache_control = response["Cache-Control"]
    assert "public" in cache_control and f"max-age={settings.API_CACHE_SECONDS}" in cache_control
    assert "Accept-Language" in response["Vary"]
    assert "Cookie" not in response.get("Vary", "")
    assert not response.cookies
    # A signed-in visitor gets the same answer: nothing in it is theirs.
    signed_in = Client()
    signed_in.force_login(factories.UserFactory(username="api-reader"))
    assert signed_in.get(f"{API}/activities").content == response.content


def test_the_language_cookie_does_not_choose_the_language(api_client, world, settings):
    api_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response, body = get(api_client, "/institutions")
    assert response["Content-Language"] == "zh-hans"
    assert body["results"][0]["title"] == "重庆市质量检测研究院"


# --- The document and its page -----------------------------------------------------------------


def test_openapi_document_describes_every_route(api_client):
    response = api_client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.")
    public = {path for path in document["paths"] if not path.startswith("/api/v1/staff/")}
    assert public == {
        "/api/v1/campaigns",
        "/api/v1/activities",
        "/api/v1/activities/{activity_id}/sessions",
        "/api/v1/institutions",
        "/api/v1/experts",
        "/api/v1/figures",
    }
    for name in public:
        path = document["paths"][name]
        assert {"200", "400", "404", "422", "429"} <= set(path["get"]["responses"])
        assert "security" not in path["get"]
    # The staff routes (tests/api/test_staff_api.py) need a bearer token.
    assert document["components"]["securitySchemes"] == {
        "StaffAuth": {"type": "http", "scheme": "bearer"}
    }
    for name, path in document["paths"].items():
        for operation in path.values() if name not in public else ():
            assert operation["security"] == [{"StaffAuth": []}]
            assert {"200", "401", "403", "429"} <= set(operation["responses"])


def test_docs_page_loads_its_assets_from_the_portal_under_the_csp(api_client):
    response = api_client.get(f"{API}/docs")
    assert response.status_code == 200
    html = response.content.decode()
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    # No inline script that would need to run: the settings are a JSON data block.
    assert '<script type="application/json" id="swagger-settings">' in html
    for asset in ("swagger-ui-bundle.js", "swagger-ui-init.js", "swagger-ui.css"):
        assert api_client.get(f"/static/ninja/{asset}").status_code == 200


def test_the_activity_list_costs_the_same_queries_for_more_activities(
    api_client, world, site_tree, django_assert_max_num_queries
):
    """The selectors' fixed number of queries is kept: nothing is read per activity."""
    with CaptureQueriesContext(connection) as few:
        api_client.get(f"{API}/activities?lang=en")
    for n in range(4):
        activity = factories.ActivityPageFactory(parent=site_tree.zh.campaign, title=f"参观{n}")
        factories.SessionFactory(activity=activity)
        factories.translate(activity, "en", title=f"Tour {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = api_client.get(f"{API}/activities?lang=en")
    assert len(json.loads(response.content)["results"]) == 6


def test_the_institution_list_costs_the_same_queries_for_more_institutions(
    api_client, world, site_tree, django_assert_max_num_queries
):
    """Labs are read for the whole page at once, not per institution."""
    with CaptureQueriesContext(connection) as few:
        api_client.get(f"{API}/institutions?lang=en")
    for n in range(3):
        institution = factories.InstitutionPageFactory(
            parent=site_tree.zh.institutions, title=f"检测院{n}"
        )
        factories.LabFactory(institution=institution)
        factories.translate(institution, "en", title=f"Institute {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = api_client.get(f"{API}/institutions?lang=en")
    results = json.loads(response.content)["results"]
    assert len(results) == 4 and all(len(i["labs"]) == 1 for i in results)
