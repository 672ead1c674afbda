"""axe-core (bundled by axe-playwright-python) over every public page type and the main
forms, in both languages, on a phone-sized and a desktop viewport: no WCAG 2.1 A/AA
violation is allowed.

Each test (one language x one viewport) builds the content once, visits every page with one
Chromium, then reports every violation found at once.
"""

from __future__ import annotations

import datetime
import re

import pytest
from allauth.account.models import EmailAddress
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from events.tickets import manage_token_make
from tests import factories
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.test_checkin import sign_in
from tests.needs.factories import NeedFactory

# axe checks the markup of every page, the same on either database; at about a minute
# of two workers' time it runs in .ci/run's SQLite pass only.
pytestmark = [pytest.mark.browser, pytest.mark.embedded_only]

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
VIEWPORTS = {
    "phone": {"width": 390, "height": 844},
    "desktop": {"width": 1280, "height": 900},
}
LANGUAGES = {"zh-hans": "zh-CN", "en": "en-GB"}

# Parts of pages that are not ours to fix, each with the reason. Keep this list short.
EXCLUDE: list[str] = []

# axe cannot compute the contrast of text on a gradient and asks for a review. These were
# reviewed against every colour stop (static/css/portal.css), lowest ratios: brand band,
# white 9.2:1 and tagline #d5e1f3 7.0:1; hero, white 7.1:1 and #e6edf7 6.1:1; hero with a
# photo, white 6.2:1 over a white photo at the overlay's lightest (0.7).
REVIEWED_GRADIENTS = [".brand-band", ".hero"]

AXE = Axe()


# Function-scoped on purpose: while Playwright's event loop runs in the test thread, Django's
# connection handler is context-local, so a browser kept across tests would hide the saved
# rows that serialized rollback puts back after each transactional test.
@pytest.fixture
def chromium():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _rich_body() -> list[tuple[str, object]]:
    """A body using each block an editor can add, except embeds (they need the network)."""
    from wagtail.images.models import Image
    from wagtail.images.tests.utils import get_test_image_file

    image = Image.objects.create(title="实验室", file=get_test_image_file())
    return [
        ("heading", {"text": "参观前", "size": "h2"}),
        ("paragraph", '<p>请带好身份证件，<a href="https://example.com/">查看交通指引</a>。</p>'),
        ("heading", {"text": "安全", "size": "h3"}),
        ("paragraph", "<ul><li>不要触摸仪器</li><li>跟随讲解员</li></ul>"),
        ("image", {"image": image, "alt_text": "实验室里的检测仪器", "caption": "检测大楼"}),
        ("quote", {"text": "向新而行，智检未来。", "attribute_name": "开放日主题"}),
        (
            "table",
            {
                "data": [["时间", "内容"], ["09:00", "签到"], ["09:30", "参观"]],
                "first_row_is_table_header": True,
                "first_col_is_header": False,
                "table_caption": "日程",
            },
        ),
    ]


@pytest.fixture
def content(transactional_site_tree):
    """One page of every type, in both languages, and the users of the signed-in pages."""
    tree = transactional_site_tree
    news = factories.NewsPageFactory(parent=tree.zh.news, title="开放日活动顺利举行", slug="opened")
    guide = factories.StandardPageFactory(
        parent=tree.zh.home, title="参观须知", slug="visitor-guide", body=_rich_body()
    )
    guide_en = factories.translate(guide, "en", title="Visitor guide")
    news_en = factories.translate(news, "en", title="The open day went well")

    institution = factories.InstitutionPageFactory(parent=tree.zh.institutions, slug="cqi")
    lab = factories.LabFactory(institution=institution)
    factories.VisitSlotFactory(lab=lab)
    instrument = factories.InstrumentFactory(lab=lab)  # on the institution page too
    machine_time = factories.VisitSlotFactory(lab=lab, instrument=instrument, capacity=2)
    institution_en = factories.translate(institution, "en", title="Chongqing Quality Institute")

    activity = factories.ActivityPageFactory(
        parent=tree.zh.campaign, title="走进食品检测实验室", slug="food-lab"
    )
    # Starting within the hour: its registration is open and its door too (the check-in
    # window), so the check-in screen shows a result, then a refusal.
    starts = timezone.now().replace(second=0, microsecond=0) + datetime.timedelta(hours=1)
    session = factories.SessionFactory(
        activity=activity,
        capacity=30,
        max_party_size=4,
        taken=2,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
    )
    factories.SessionFactory(activity=activity, capacity=2, taken=2)  # a full one
    activity_en = factories.translate(activity, "en", title="Inside a food testing lab")
    registration = factories.RegistrationFactory(
        session=session, name="张三丰", party_size=2, ticket_code="K7M2P9QX"
    )

    expert = factories.ExpertFactory(
        name="林春景", name_en="Lin Chunjing", slug="lin", fields=("automotive",)
    )
    slot = factories.SlotFactory(expert=expert)

    newcomer = factories.UserFactory(username="newcomer")
    buyer = factories.UserFactory(username="buyer")
    EmailAddress.objects.create(user=buyer, email=buyer.email, verified=True, primary=True)
    factories.EnterpriseFactory(owner=buyer)
    door = factories.UserFactory(username="door", groups=["Check-in staff"])
    need = NeedFactory(title="制动盘噪声台架测试")

    def urls(lang: str) -> dict[str, str]:
        pages = tree.zh if lang == "zh-hans" else tree.en
        localized = {
            "news": news,
            "guide": guide,
            "institution": institution,
            "activity": activity,
        }
        if lang == "en":
            localized = {
                "news": news_en,
                "guide": guide_en,
                "institution": institution_en,
                "activity": activity_en,
            }
        return {
            "home": pages.home.url,
            "news index": pages.news.url,
            "news article": localized["news"].url,
            "standard page": localized["guide"].url,
            "campaign": pages.campaign.url,
            "activity": localized["activity"].url,
            "institution index": pages.institutions.url,
            "institution": localized["institution"].url,
            "expert roster": pages.roster.url,
            "expert profile": pages.roster.specific.expert_url(expert),
            "search results": f"/{lang}/search/?q=%E5%AE%9E%E9%AA%8C+lab",
            "in numbers": f"/{lang}/in-numbers/",
            "sign in": f"/{lang}/accounts/login/",
            "sign up": f"/{lang}/accounts/signup/",
            "registration form": f"/{lang}/open-day/registration/session/{session.pk}/",
            "verify phone": f"/{lang}/phone/verify/",
            "ticket": (
                f"/{lang}/open-day/registration/ticket/"
                f"{manage_token_make(registration.ticket_code)}/"
            ),
            "find an expert": f"/{lang}/consultations/find-an-expert/",
            "enterprise start": f"/{lang}/enterprise/start/",
            "enterprise create": f"/{lang}/enterprise/create/",
            "my registrations": f"/{lang}/open-day/registration/mine/",
            "my data": f"/{lang}/accounts/my-data/",
            "delete account": f"/{lang}/accounts/delete-account/",
            "lab visits": f"/{lang}/lab-visits/",
            "instruments": f"/{lang}/instruments/?field=materials",
            "instrument": f"/{lang}/instruments/{instrument.pk}/",
            "machine-time request": f"/{lang}/lab-visits/slots/{machine_time.pk}/request/",
            "needs board": f"/{lang}/needs/",
            "need": f"/{lang}/needs/{need.pk}/",
            "post a need": f"/{lang}/needs/post/",
            "consultation request": f"/{lang}/consultations/request/?slot={slot.pk}",
            "check-in": f"/{lang}/open-day/checkin/{session.pk}/",
            "not found": f"/{lang}/no-such-page/",
        }

    return urls, {"newcomer": newcomer, "buyer": buyer, "door": door}


def _context(chromium, live_server, *, viewport: dict, locale: str, user=None):
    context = chromium.new_context(viewport=viewport, locale=locale)
    context.set_default_timeout(15_000)
    if user is not None:
        sign_in(context, live_server, user)
    return context


def _reviewed_contrast(page, node: dict) -> bool:
    """Whether axe could not compute this node's contrast only because it sits on one of the
    gradients checked by hand (see REVIEWED_GRADIENTS)."""
    if len(node["target"]) != 1:
        return False
    return page.evaluate(
        "([target, within]) => !!document.querySelector(target)?.closest(within)",
        [node["target"][0], ", ".join(REVIEWED_GRADIENTS)],
    )


def _violations(page, label: str) -> list[str]:
    """axe's WCAG 2.1 A/AA violations on the page as it is now, one readable line each.

    Results axe cannot decide ("incomplete", to be reviewed by a person) count as
    violations too, except the contrast of text on the gradients reviewed by hand.
    """
    options = {
        "runOnly": {"type": "tag", "values": WCAG_TAGS},
        "resultTypes": ["violations", "incomplete"],
    }
    context = {"exclude": [[selector] for selector in EXCLUDE]} if EXCLUDE else None
    results = AXE.run(page, context=context, options=options)
    lines = []
    for kind in ("violations", "incomplete"):
        for rule in results.response[kind]:
            for node in rule["nodes"]:
                if (
                    kind == "incomplete"
                    and rule["id"] == "color-contrast"
                    and _reviewed_contrast(page, node)
                ):
                    continue
                summary = node.get("failureSummary") or "; ".join(
                    check["message"] for check in node["any"] + node["all"] + node["none"]
                )
                lines.append(
                    f"{label}: {rule['id']} ({kind}, {rule['impact']}) {node['target']} "
                    f"{summary!r} {node['html'][:200]}"
                )
    return lines


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_wcag_violations(chromium, live_server, content, lang, viewport, phone_verification):
    urls_for, users = content
    urls = urls_for(lang)
    size = VIEWPORTS[viewport]
    locale = LANGUAGES[lang]
    found: list[str] = []
    visited: list[str] = []

    def check(page, label: str, path: str | None = None, status: int = 200) -> None:
        if path is not None:
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == status, f"{label}: {path} answered {response.status}"
        visited.append(label)
        found.extend(_violations(page, label))

    signed_in = {
        None: [
            "home",
            "news index",
            "news article",
            "standard page",
            "campaign",
            "activity",
            "institution index",
            "institution",
            "expert roster",
            "expert profile",
            "search results",
            "in numbers",
            "sign in",
            "sign up",
            "registration form",
            "verify phone",
            "ticket",
            "instruments",
            "instrument",
            "needs board",
            "need",
            "not found",
        ],
        "newcomer": [
            "enterprise start",
            "enterprise create",
            "my registrations",
            "my data",
            "delete account",
        ],
        "buyer": [
            "find an expert",
            "consultation request",
            "lab visits",
            "post a need",
            "machine-time request",
        ],
        "door": ["check-in"],
    }
    for username, labels in signed_in.items():
        context = _context(
            chromium,
            live_server,
            viewport=size,
            locale=locale,
            user=users[username] if username else None,
        )
        try:
            page = context.new_page()
            for label in labels:
                check(page, label, urls[label], 404 if label == "not found" else 200)
                if label == "standard page":
                    # The body's blocks are there to be checked.
                    assert page.locator("main table").count() == 1
                    assert page.locator("main figure img").count() == 1
                if label == "registration form":
                    # The error state: a phone number that cannot be right.
                    page.locator("main form input[name=name]").fill("Li Hua")
                    page.locator("main form input[name=phone]").fill("12345")
                    page.locator("main form [type=submit]").last.click()
                    page.wait_for_load_state()
                    page.get_by_role("alert").first.wait_for()
                    check(page, "registration form with errors")
                if label == "verify phone":
                    # A code sent: the notice beside the code field.
                    page.locator("main form input[name=phone]").fill("139 0000 4321")
                    page.get_by_role("button", name=re.compile("Send code|获取验证码")).click()
                    page.locator(".field__notice").filter(has_text="**** 4321").wait_for()
                    check(page, "verify phone with a code sent")
                if label == "sign in":
                    page.locator("input[name=login]").fill("nobody@example.com")
                    page.locator("input[name=password]").fill("wrong password")
                    page.locator("main form [type=submit]").last.click()
                    page.wait_for_load_state()
                    page.locator("main .errorlist").first.wait_for()
                    check(page, "sign in with errors")
                if label == "check-in":
                    # The screen with the result of a scan, then of a refused one.
                    page.locator("main form input[name=ticket]").first.fill("K7M2P9QX")
                    page.locator("main form input[name=ticket]").first.press("Enter")
                    page.locator("#checkin-result.checkin-result--ok").filter(
                        has_text="2"
                    ).wait_for()
                    check(page, "check-in with a result")
                    page.locator("main form input[name=ticket]").first.fill("K7M2P9QX")
                    page.locator("main form input[name=ticket]").first.press("Enter")
                    page.locator("#checkin-result.checkin-result--refused").wait_for()
                    check(page, "check-in with a refusal")
        finally:
            context.close()

    # Every URL, plus the two form error states, the code sent and the two check-in results.
    assert len(visited) == len(urls) + 5
    assert not found, f"{len(found)} WCAG violation(s) ({lang}, {viewport}):\n" + "\n".join(found)


def test_axe_reports_what_it_should(chromium):
    """The check itself works: axe, run with our tags, finds known faults."""
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.set_content(
            "<html><head><title>Faults</title></head><body><main>"
            '<h1>Faults</h1><p style="color:#aaa;background:#fff">Pale text</p>'
            '<input type="text"><a href="/x"></a></main></body></html>'
        )
        found = {line.split(": ", 1)[1].split(" ", 1)[0] for line in _violations(page, "t")}
    finally:
        context.close()
    assert {"html-has-lang", "color-contrast", "label", "link-name"} <= found
