"""Sessions inside activity pages: what the inline design costs editors and readers.

    .venv/bin/python bench/sessions.py                  # SQLite, the embedded default
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench .venv/bin/python bench/sessions.py

A session is an inline child of its ``ActivityPage`` (a modelcluster ``ParentalKey``): it is
edited in the page editor, stored in every page revision and written back to its row by
every publish, which then compares each session with what its registrants were told
(``events.signals``). This benchmark measures what that costs, in one process, against a
dedicated database: a temporary SQLite file, or ``<name>_bench_sessions`` next to the
database of ``DATABASE_URL`` (created, migrated and dropped at the end; ``--keep`` keeps it).

- **Editors** (the figures that grow with the number of sessions): publishing an activity
  page with N = 0, 1, 10, 50 sessions as the page editor does, i.e. the latest revision
  loaded as the page, a changed title, ``save_revision()`` and ``publish()``; once more for
  the largest N with the change-detection receiver disconnected (what the inline rows cost
  alone); then the page editor itself through the admin (GET the edit view; POST it back
  with "Publish", which also runs the form's session delete guard). Reference, measured
  in the same rounds: a ``StandardPage`` with the same text and no children, through the
  same steps. A last row puts together what publishing ONE session would do if sessions
  were snippets with their own revisions (a revision row with the session alone, the row
  saved, a log entry, the change check for that session): an estimate from the same parts,
  since that model does not exist.
- **Readers**: the public activity page (page cache off, so it is rendered each time), the
  registration form and the registration POST (phone verification and the attempt limits
  off, a new phone each time), with the number of queries and how many touch a revision
  table. Reference: the public ``StandardPage``.
- **Code**: the lines of the objects that exist only because sessions are inline (and, for
  scale, of those either design needs), read from the source (``INLINE_ONLY``, ``BOTH``).
- **Checks** (not timed): the session ids survive every publish; readers read no revision;
  the activity page's queries do not grow with its sessions; and, only reported, what
  happens when a revision older than a session people registered for is published, through
  the admin (*Revisions -> Revert*, then *Publish*) and with ``Revision.publish()`` (what
  the scheduler and a workflow approval run).

Each step runs once untimed, then ``--repeat`` rounds (7) run every step once in turn, so a
busy machine slows all steps alike; the best run of each is shown, with its ratio to the
reference. Queries are counted on one extra run of each step. The exit status is 1 when a
check fails; a page that answers unexpectedly stops the run with an error.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, where bench/statistics.py
# would shadow the standard library's ``statistics``. Import bench modules as a package.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

import argparse  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402

SESSION_COUNTS = (0, 1, 10, 50)
TITLE = "走进检验检测实验室：食品安全检测开放日"
SUMMARY = "走进国家级检验检测实验室，了解食品从农田到餐桌要经过哪些检测。" * 2
DESCRIPTION = (
    "<p>" + "参观理化实验室、微生物实验室和仪器分析中心，与检测人员面对面交流。" * 8 + "</p>"
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--repeat", type=int, default=7, help="Timed runs of each step; the best is shown."
    )
    parser.add_argument(
        "--keep", action="store_true", help="Keep the benchmark database (for inspection)."
    )
    return parser.parse_args()


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("PORTAL_VAR_DIR", tempfile.mkdtemp(prefix="bench-sessions-var-"))
    import django
    from django.conf import settings

    django.setup()
    logging.disable(logging.WARNING)  # page-creation, task and request chatter
    db = settings.DATABASES["default"]
    settings.DEBUG = False  # no query log kept in memory (queries are counted on purpose)
    if db["ENGINE"].endswith("sqlite3"):
        folder = tempfile.mkdtemp(prefix="bench-sessions-")
        db["TEST"]["NAME"] = str(Path(folder) / "bench.sqlite3")
    else:
        db["TEST"]["NAME"] = f"{db['NAME']}_bench_sessions"
    # Readers are measured as rendered, not from the page cache; registrations need neither
    # a code nor a fresh client address each time.
    settings.PAGE_CACHE_SECONDS = 0
    settings.REGISTRATION_PAGE_CACHE_SECONDS = 0
    settings.PHONE_VERIFICATION = False
    settings.REGISTRATION_RATE_IP = "1000000/600"
    settings.REGISTRATION_RATE_PHONE = "1000000/600"


def _nothing() -> None:
    return None


@dataclass
class Step:
    """``run(prepared)`` is timed; ``prepare()`` (untimed) makes its argument, e.g. the
    editor's form data read from the edit view before the POST that is measured."""

    name: str
    run: Callable[[object], object]
    group: str  # which reference it is compared with: "editor", "admin-get", ... "reader"
    prepare: Callable[[], object] = _nothing


@dataclass
class Measured:
    best: float
    queries: int
    revision_queries: int


def measure(steps: list[Step], repeat: int) -> dict[str, Measured]:
    """One untimed run of every step, ``repeat`` rounds of one timed run each in turn, then
    one run of each with its queries captured."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for step in steps:
        step.run(step.prepare())
    best = dict.fromkeys((s.name for s in steps), float("inf"))
    for _ in range(repeat):
        for step in steps:
            prepared = step.prepare()
            started = time.perf_counter()
            step.run(prepared)
            best[step.name] = min(best[step.name], time.perf_counter() - started)
    result = {}
    for step in steps:
        prepared = step.prepare()
        with CaptureQueriesContext(connection) as captured:
            step.run(prepared)
        sql = [q["sql"] for q in captured.captured_queries]
        result[step.name] = Measured(
            best=best[step.name],
            queries=len(sql),
            revision_queries=sum("wagtailcore_revision" in s for s in sql),
        )
    return result


class Site:
    """The pages, sessions and users the steps use."""

    def __init__(self) -> None:
        from django.contrib.auth import get_user_model
        from django.utils import timezone
        from wagtail.models import Locale, Page
        from wagtail.models import Site as WagtailSite

        from cms.models import HomePage, StandardPage
        from events.models import ActivityPage, ActivityType, OpenDayIndexPage, Session
        from portal.choices import District

        locale = Locale.get_default()
        root = Page.get_first_root_node()
        WagtailSite.objects.all().delete()
        for page in root.get_children():
            page.delete()
        root = Page.get_first_root_node()

        def add(parent, page):
            parent.add_child(instance=page)
            page.save_revision().publish()
            return type(page).objects.get(pk=page.pk)

        home = add(root, HomePage(title="首页", slug="home", locale=locale, hero_title="首页"))
        WagtailSite.objects.create(
            hostname="localhost", port=80, root_page=home, is_default_site=True
        )
        today = timezone.localdate()
        campaign = add(
            home,
            OpenDayIndexPage(
                title="开放日",
                slug="open-day",
                locale=locale,
                year=today.year,
                theme="bench",
                start_date=today,
                end_date=today + datetime.timedelta(days=60),
            ),
        )
        self.standard = add(
            home,
            StandardPage(
                title=TITLE,
                slug="standard",
                locale=locale,
                intro=SUMMARY,
                body=[("paragraph", DESCRIPTION)],
            ),
        )
        start = timezone.make_aware(
            datetime.datetime.combine(today + datetime.timedelta(days=30), datetime.time(9))
        )
        self.activities = {}
        for n in SESSION_COUNTS:
            sessions = [
                Session(
                    starts_at=start + datetime.timedelta(days=k // 4, hours=2 * (k % 4)),
                    ends_at=start + datetime.timedelta(days=k // 4, hours=2 * (k % 4) + 1),
                    capacity=1_000_000,
                    max_party_size=3,
                    sort_order=k,
                )
                for k in range(n)
            ]
            self.activities[n] = add(
                campaign,
                ActivityPage(
                    title=TITLE,
                    slug=f"activity-{n}",
                    locale=locale,
                    activity_type=ActivityType.LAB_TOUR,
                    summary=SUMMARY,
                    description=DESCRIPTION,
                    venue="检测大楼一楼大厅",
                    address="重庆市巴南区界石镇",
                    district=District.BANAN,
                    sessions=sessions,
                ),
            )
        self.session_ids = {
            n: sorted(Session.objects.filter(activity=page).values_list("pk", flat=True))
            for n, page in self.activities.items()
        }
        self.editor = get_user_model().objects.create_superuser(
            username="bench-editor", email="editor@example.com", password="bench-pass-2026"
        )


def publish_steps(site: Site) -> list[Step]:
    """Editors: the latest revision as the page, a changed title, save_revision, publish."""
    from events.signals import activity_published

    flip = {}

    def publish(page_id: int) -> Callable[[], object]:
        from wagtail.models import Page

        specific = Page.objects.get(pk=page_id).specific_class

        def run(_prepared=None):
            page = specific.objects.get(pk=page_id).get_latest_revision_as_object()
            flip[page_id] = not flip.get(page_id)
            page.title = TITLE + ("（更新）" if flip[page_id] else "")
            return page.save_revision(user=site.editor).publish(user=site.editor)

        return run

    def without_detection(run: Callable[[], object]) -> Callable[[], object]:
        from wagtail.signals import page_published

        from events.models import ActivityPage

        def wrapped(_prepared=None):
            page_published.disconnect(
                activity_published, sender=ActivityPage, dispatch_uid="events_activity_published"
            )
            try:
                return run(None)
            finally:
                page_published.connect(
                    activity_published,
                    sender=ActivityPage,
                    dispatch_uid="events_activity_published",
                )

        return wrapped

    largest = max(SESSION_COUNTS)
    steps = [Step("publish: StandardPage (reference)", publish(site.standard.pk), "editor")]
    for n, page in site.activities.items():
        steps.append(Step(f"publish: activity, {n} sessions", publish(page.pk), "editor"))
    steps.append(
        Step(
            f"publish: activity, {largest} sessions, no change detection",
            without_detection(publish(site.activities[largest].pk)),
            "editor",
        )
    )
    steps.append(
        Step("publish ONE session as a snippet (estimate)", snippet_estimate(site), "editor")
    )
    return steps


def snippet_estimate(site: Site) -> Callable[[], object]:
    """What publishing one session would do if it were a snippet with RevisionMixin and
    DraftStateMixin: a revision holding that row alone, the row saved with its new latest
    revision, a log entry and the change check of that one session. Assembled from the same
    parts (the model does not exist), so an estimate, not a measurement of Wagtail's code."""
    from django.contrib.contenttypes.models import ContentType
    from modelcluster.models import get_serializable_data_for_fields
    from wagtail.models import ModelLogEntry, Revision

    from events.models import Session
    from events.services.session import session_schedule_check

    session = Session.objects.filter(activity=site.activities[10]).order_by("pk").first()
    content_type = ContentType.objects.get_for_model(Session)

    def run(_prepared=None):
        row = Session.objects.get(pk=session.pk)
        row.note = "" if row.note else "bench"
        revision = Revision.objects.create(
            content_type=content_type,
            base_content_type=content_type,
            object_id=str(row.pk),
            user=site.editor,
            object_str=str(row),
            content=get_serializable_data_for_fields(row),
        )
        row.save()  # a snippet's publish saves the row (and its live/revision fields)
        ModelLogEntry.objects.log_action(
            instance=row, action="wagtail.publish", user=site.editor, revision=revision
        )
        return session_schedule_check(session_id=row.pk, by=site.editor)

    return run


def admin_steps(site: Site) -> list[Step]:
    """The page editor through the admin: GET the edit view, POST it back with Publish."""
    from django.test import Client
    from django.urls import reverse
    from wagtail.test.utils.form_data import (
        nested_form_data,
        querydict_from_html,
        rich_text,
        streamfield,
    )

    client = Client()
    client.force_login(site.editor)
    steps = []
    pages = [("StandardPage (reference)", site.standard)] + [
        (f"activity, {n} sessions", page) for n, page in site.activities.items() if n
    ]
    # The StreamField's form is built by the editor's script: its data is added by hand.
    body = nested_form_data({"body": streamfield([("paragraph", rich_text(DESCRIPTION))])})
    for label, page in pages:
        url = reverse("wagtailadmin_pages:edit", args=[page.pk])
        extra = body if page.pk == site.standard.pk else {}

        def get(_prepared=None, url=url):
            response = client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")
            return response

        def form_data(url=url, extra=extra, flip={"on": False}):  # noqa: B006 - step's state
            data = querydict_from_html(get(url=url).content.decode(), form_id="page-edit-form")
            for key, value in extra.items():
                data[key] = value
            flip["on"] = not flip["on"]
            data["title"] = TITLE + ("（后台）" if flip["on"] else "")
            data["action-publish"] = "action-publish"
            return data

        def post(data, url=url):
            response = client.post(url, data)
            if response.status_code != 302:
                raise RuntimeError(f"publishing {url} answered {response.status_code}")
            return response

        steps.append(Step(f"editor GET: {label}", get, "admin-get"))
        steps.append(Step(f"editor POST publish: {label}", post, "admin-post", form_data))
    return steps


def reader_steps(site: Site) -> list[Step]:
    """Readers: the public pages and the registration POST, as an anonymous visitor."""
    from django.test import Client
    from django.urls import reverse
    from django.utils import translation

    from events.models import Session

    client = Client()

    def get(url: str) -> Callable[[], object]:
        def run(_prepared=None):
            response = client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")
            return response

        return run

    steps = [Step("GET public StandardPage (reference)", get(site.standard.url), "reader")]
    for n, page in site.activities.items():
        if n:
            steps.append(Step(f"GET public activity page, {n} sessions", get(page.url), "reader"))
    session = Session.objects.filter(activity=site.activities[10]).order_by("pk").first()
    with translation.override("zh-hans"):
        register_url = reverse("events:register", args=[session.pk])
    steps.append(Step("GET registration form (activity of 10)", get(register_url), "reader"))
    counter = {"n": 0}

    def register(_prepared=None):
        counter["n"] += 1
        response = client.post(
            register_url,
            {
                "name": "张三",
                "phone": f"139{counter['n']:08d}",
                "email": "",
                "organisation": "",
                "party_size": "1",
                "language": "zh-hans",
                "consent": "on",
                "website": "",
            },
        )
        if response.status_code != 302 or "/ticket/" not in response["Location"]:
            raise RuntimeError(f"registration answered {response.status_code}")
        return response

    steps.append(Step("POST registration (activity of 10)", register, "reader"))
    return steps


def revision_sizes(site: Site) -> dict[str, int]:
    from django.core.serializers.json import DjangoJSONEncoder

    pages = {"StandardPage (reference)": site.standard} | {
        f"activity, {n} sessions": page for n, page in site.activities.items()
    }
    return {
        label: len(
            json.dumps(
                type(page).objects.get(pk=page.pk).get_latest_revision().content,
                cls=DjangoJSONEncoder,
                ensure_ascii=False,
            ).encode()
        )
        for label, page in pages.items()
    }


def checks(site: Site, measured: dict[str, Measured]) -> list[tuple[str, bool | None, str]]:
    """(what, passed, or None when only observed, detail)."""
    from django.db import transaction
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone
    from wagtail.test.utils.form_data import querydict_from_html

    from events.models import ActivityPage, Registration, Session

    results = []
    now_ids = {
        n: sorted(Session.objects.filter(activity=page).values_list("pk", flat=True))
        for n, page in site.activities.items()
    }
    results.append(
        (
            "session ids unchanged by every publish of the timed rounds",
            now_ids == site.session_ids,
            ", ".join(f"{len(ids)} sessions" for ids in now_ids.values()),
        )
    )
    readers = {k: m for k, m in measured.items() if group_of[k] == "reader"}
    results.append(
        (
            "readers (public pages, registration) read no revision",
            all(m.revision_queries == 0 for m in readers.values()),
            f"{sum(m.revision_queries for m in readers.values())} revision queries",
        )
    )
    queries = {m.queries for k, m in readers.items() if "activity page" in k}
    results.append(
        (
            "the public activity page's queries do not grow with its sessions",
            len(queries) == 1,
            f"{sorted(queries)} queries",
        )
    )

    # An editor adds a session, people register for it, then somebody publishes an older
    # revision of the page: through the admin (Revisions -> Revert, then Publish) and as
    # a revision's publish() (what approving or scheduling an older draft runs).
    def with_new_registered_session(n: int):
        page = ActivityPage.objects.get(pk=site.activities[n].pk)
        old_revision = page.get_latest_revision()
        draft = page.get_latest_revision_as_object()
        last = max(draft.sessions.all(), key=lambda s: s.starts_at)
        draft.sessions.add(
            Session(
                starts_at=last.starts_at + datetime.timedelta(days=1),
                ends_at=last.ends_at + datetime.timedelta(days=1),
                capacity=10,
                sort_order=999,
            )
        )
        draft.save_revision(user=site.editor).publish(user=site.editor)
        added = Session.objects.get(activity=page, sort_order=999)
        Registration.objects.create(
            session=added,
            name="李四",
            phone=f"+861370000000{n}",
            consent_at=timezone.now(),
        )
        return page, old_revision, added

    page, old_revision, added = with_new_registered_session(1)
    client = Client(raise_request_exception=False)
    client.force_login(site.editor)
    revert = client.get(
        reverse("wagtailadmin_pages:revisions_revert", args=[page.pk, old_revision.pk])
    )
    data = querydict_from_html(revert.content.decode(), form_id="page-edit-form")
    data["action-publish"] = "action-publish"
    response = client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data)
    kept = Session.objects.filter(pk=added.pk).exists()
    results.append(
        (
            "admin: revert to a revision older than a session with registrations, Publish",
            None,
            f"answered {response.status_code}"
            + (" (server error)" if response.status_code >= 500 else "")
            + f"; the session {'is kept' if kept else 'was DELETED'}",
        )
    )

    page, old_revision, added = with_new_registered_session(10)
    try:
        with transaction.atomic():
            old_revision.publish(user=site.editor)
        outcome = "published"
    except Exception as error:  # noqa: BLE001 - the outcome is what is reported
        outcome = f"raised {type(error).__name__}"
    kept = Session.objects.filter(pk=added.pk).exists()
    results.append(
        (
            "revision.publish() of a revision older than a session with registrations",
            None,
            f"{outcome}; the session {'is kept' if kept else 'was DELETED'}",
        )
    )
    return results


# Code that exists only because sessions are rows of the page's cluster: (what, object).
INLINE_ONLY = (
    ("delete guard of the page form", "events.forms:ActivityPageForm"),
    ("  its raw-data reader", "events.forms:_marked_for_deletion"),
    ("publish receiver (every session of the page)", "events.signals:activity_published"),
    ("  checks of all sessions of a page", "events.services.session:session_checks_for_activity"),
    ("  the page's session ids", "events.selectors:session_ids_for_activity"),
    ("session factory publishing the page", "tests.factories:SessionFactory"),
    ("tests of sessions in the page editor", "tests.events.test_session_editor"),
)
# Code either design needs (kept by a move), for scale.
BOTH = (
    ("what registrants were told / cancellation", "events.models:SessionState"),
    ("change check and notice of one session", "events.services.session:session_schedule_check"),
    ("sessions of a page in any language", "events.selectors:_sessions_of"),
)


def code_inventory() -> list[tuple[str, str, int]]:
    """(what, where, lines) of the objects named above, read from the source."""
    import importlib
    import inspect

    rows = []
    for label, target in INLINE_ONLY + BOTH:
        module_name, _, name = target.partition(":")
        obj = importlib.import_module(module_name)
        for part in filter(None, name.split(".")):
            obj = getattr(obj, part)
        lines, _start = inspect.getsourcelines(obj)
        rows.append((label, target, len(lines)))
    return rows


def report(
    vendor: str,
    repeat: int,
    measured: dict[str, Measured],
    admin: dict[str, Measured],
    sizes: dict[str, int],
    observed: list[tuple[str, bool | None, str]],
    inventory: list[tuple[str, str, int]],
) -> bool:
    from bench.server import Row, print_table

    references = {
        "editor": "publish: StandardPage (reference)",
        "admin-get": "editor GET: StandardPage (reference)",
        "admin-post": "editor POST publish: StandardPage (reference)",
        "reader": "GET public StandardPage (reference)",
    }
    groups = {}
    for name, m in (measured | admin).items():
        groups.setdefault(group_of[name], []).append((name, m))
    titles = {
        "editor": "Editors: publish (latest revision, new title, save_revision, publish)",
        "admin-get": "Editors: the page editor (admin edit view), GET",
        "admin-post": "Editors: the page editor, POST with Publish (form data read untimed)",
        "reader": "Readers (page cache off; registration with verification and limits off)",
    }
    for group, rows_in in groups.items():
        ref = measured.get(references[group]) or admin[references[group]]
        rows = [
            Row(
                name,
                f"{m.best * 1000:.1f} ms, {m.queries} q"
                + (f" ({m.revision_queries} revision)" if m.revision_queries else ""),
                f"{ref.best * 1000:.1f} ms, {ref.queries} q",
                f"{m.best / ref.best:.2f}x time, {m.queries / max(ref.queries, 1):.1f}x queries",
            )
            for name, m in rows_in
        ]
        print_table(titles[group], rows)
    print()
    print("Size of the latest revision's content (JSON, UTF-8):")
    reference = sizes["StandardPage (reference)"]
    for label, size in sizes.items():
        print(f"  {label:<30} {size:>8,} bytes  {size / reference:5.1f}x")
    print()
    print("Code that exists only because sessions are inline (lines, read from the source):")
    for index, (label, where, lines) in enumerate(inventory):
        if index == len(INLINE_ONLY):
            print("Code either design needs, for scale:")
        print(f"  {label:<48} {where:<55} {lines:>4}")
    print(f"  total inline-only: {sum(n for _l, _w, n in inventory[: len(INLINE_ONLY)])} lines")
    print()
    ok = True
    for what, passed, detail in observed:
        mark = {True: "ok", False: "FAILED", None: "observed"}[passed]
        ok = ok and passed is not False
        print(f"check: {what}: {mark} ({detail})")
    print(
        f"\n{vendor}; best of {repeat} rounds after one untimed run of each step; "
        "queries counted on one more run."
    )
    return ok


group_of: dict[str, str] = {}


def run(args: argparse.Namespace) -> bool:
    from django.db import connection

    print("Building the pages and sessions ...", flush=True)
    site = Site()
    editor = publish_steps(site)
    readers = reader_steps(site)
    admin = admin_steps(site)
    for step in editor + readers + admin:
        group_of[step.name] = step.group
    print("Measuring publishing and reading ...", flush=True)
    measured = measure(editor + readers, args.repeat)
    print("Measuring the page editor ...", flush=True)
    admin_measured = measure(admin, args.repeat)
    sizes = revision_sizes(site)
    observed = checks(site, measured)
    return report(
        connection.vendor, args.repeat, measured, admin_measured, sizes, observed, code_inventory()
    )


def main() -> int:
    args = parse_args()
    setup_django()
    from django.db import connection

    old_name = connection.settings_dict["NAME"]
    started = time.monotonic()
    print(f"Creating and migrating the benchmark database ({connection.vendor}) ...", flush=True)
    created = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        ok = run(args)
    finally:
        if not args.keep:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        else:
            print(f"Kept the benchmark database {created}.")
    print(f"total {time.monotonic() - started:.0f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
