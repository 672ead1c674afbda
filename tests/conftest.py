"""Fixtures shared by the whole suite: the bilingual page tree, staff users and an
S3-compatible server for object storage."""

from __future__ import annotations

import copy
import os
import time
from dataclasses import dataclass

import hypothesis
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection
from hypothesis import HealthCheck
from pytest_django.plugin import blocking_manager_key
from wagtail.models import Locale
from wagtail.users.models import UserProfile

from portal import objectstorage
from tests import factories
from tests.isolation import isolate_worker
from tests.objectstore import S3Server
from tests.sitetree import SharedTree, SiteTree, build_site_tree, database_use, uses_shared_tree

# Hypothesis budgets (tests/fuzz/, tests/events/test_registration_fuzz.py): "ci" by
# default, HYPOTHESIS_PROFILE=nightly searches ten times as long. Requests through the
# test client are slow for hypothesis's taste, and its examples reuse the test's fixtures
# on purpose (one site, one session), hence the deadline and health checks.
_FUZZ = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}
hypothesis.settings.register_profile("ci", max_examples=30, **_FUZZ)
hypothesis.settings.register_profile("nightly", max_examples=300, **_FUZZ)
hypothesis.settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

_shared_tree = SharedTree()


def pytest_configure(config):
    isolate_worker()


def servers_missing() -> dict[str, str]:
    """Marker -> why tests with it cannot run here ("" when they can)."""
    database = settings.DATABASES["default"]["ENGINE"]
    return {
        "postgres": "" if "postgresql" in database else "needs PostgreSQL (DATABASE_URL)",
        "redis": ""
        if str(settings.CELERY_BROKER_URL).startswith("redis://")
        and str(settings.CACHES["default"].get("LOCATION", "")).startswith("redis://")
        else "needs Redis (CELERY_BROKER_URL and CACHE_URL)",
    }


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Tests marked ``postgres`` or ``redis`` are skipped without that server. Then the
    long tests without a database first (``starts_first``), and after pytest-django's
    order (database tests, transactional tests, the rest): the database tests that use the
    shared page tree first, so it is built once per run (per xdist worker) rather than once
    per stretch of such tests."""
    missing = servers_missing()
    for item in items:
        for name, reason in missing.items():
            if reason and item.get_closest_marker(name):
                item.add_marker(pytest.mark.skip(reason=reason))
    order = {"db": 0, "transactional": 1, None: 2}
    items.sort(
        key=lambda item: (
            not starts_first(item),
            order[database_use(item)],
            not uses_shared_tree(item),
        )
    )


def starts_first(item) -> bool:
    """The long tests that use no database (``make run``'s servers, about a minute and a
    half on 2 busy cores) start the run: at its end one xdist worker would run them while
    the others wait with nothing left to do."""
    return database_use(item) is None and item.get_closest_marker("embedded_only") is not None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    _shared_tree.prepare_for(item, item.config.stash[blocking_manager_key])


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """With --reuse-db, a run interrupted during a transactional test leaves the test
    database flushed: schema present, rows from data migrations (root page, locales,
    groups, workflow) gone. Rebuild it then instead of failing every test."""
    with django_db_blocker.unblock():
        if not Locale.objects.exists():
            connection.close()
            connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    _shared_tree.database_ready = True
    yield
    with django_db_blocker.unblock():
        _shared_tree.close()


@pytest.fixture
def site_tree(db) -> SiteTree:
    """The bilingual page tree (``tests/sitetree.py``), shared by the tests that use it."""
    return _shared_tree.get() or build_site_tree()


def english(user):
    """The admin speaks English to this user whatever catalogues exist, so tests can
    assert on the (source) English messages."""
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    return user


@pytest.fixture
def superuser(db):
    return english(
        get_user_model().objects.create_superuser(
            username="admin", email="admin@example.com", password="correct horse battery staple"
        )
    )


@pytest.fixture
def editor(db):
    return factories.UserFactory(username="editor", groups=["Regulator editors"])


@pytest.fixture
def approver(db):
    return factories.UserFactory(username="approver", groups=["Regulator approvers"])


@pytest.fixture
def staff_editor(db):
    """A regulator editor whose admin speaks English."""
    return english(factories.UserFactory(username="editor", groups=["Regulator editors"]))


@pytest.fixture
def staff_approver(db):
    """A regulator approver whose admin speaks English."""
    return english(factories.UserFactory(username="approver", groups=["Regulator approvers"]))


@pytest.fixture
def admin_only_user(db):
    """May use the admin but holds no permission on open-day or enterprise services data."""
    user = english(factories.UserFactory(username="outsider"))
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    return user


@pytest.fixture
def transactional_site_tree(transactional_db, django_db_serialized_rollback) -> SiteTree:
    """The site tree for tests whose threads or live server need committed data.

    Serialized rollback puts the data-migration rows (root page, locales, groups) back
    after the flush that ends a transactional test.
    """
    return build_site_tree()


@pytest.fixture(autouse=True)
def _celery_runs_tasks_inline(settings):
    """Tasks run in the test's own process and raise their errors. The suite's real-worker
    tests start a worker themselves and switch this off."""
    from portal.celery_app import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager = False
    app.conf.task_eager_propagates = False


# A moment at the start of a window of every length the rate limits use (300 s, 3600 s).
RATE_WINDOW_START = 1_800_000_000.0


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Attempt counters live in the cache; each test starts with none, at the beginning of
    a window. The counters are per fixed window (``portal.ratelimit``): a test that ran
    across the end of one would see its attempts split over two windows and fail by chance.
    The clock moves on from there at its real pace."""
    from unittest import mock

    from django.core.cache import cache

    cache.clear()
    started = time.monotonic()
    clock = mock.Mock(wraps=time)
    clock.time = lambda: RATE_WINDOW_START + (time.monotonic() - started)
    with mock.patch("portal.ratelimit.time", clock):
        yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Users are made by the dozen; the production hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's default language: a request through the test client
    leaves its URL's language active in the thread, which would leak into the next test."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _email_through_the_outbox(settings):
    """As in production, every e-mail is an outbox row first (``reminders.backends``), sent
    by the worker (inline here, once the transaction commits) into ``mail.outbox``."""
    settings.EMAIL_BACKEND = "reminders.backends.OutboxEmailBackend"
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def _phone_verification_off(settings):
    """Most registration tests are about places, waiting lists and tickets, and post the
    form without proving the number. The tests of phone verification itself
    (``tests/verification``, the browser flow, the rush with numbers verified beforehand)
    turn it back on with the ``phone_verification`` fixture, as it is in production."""
    settings.PHONE_VERIFICATION = False


@pytest.fixture
def phone_verification(settings):
    """Phone verification on, as by default in production."""
    settings.PHONE_VERIFICATION = True


@pytest.fixture(autouse=True)
def _sms_outbox(settings):
    """Text messages are kept in memory (``sms.outbox``), empty at the start of each test."""
    import sms

    settings.SMS_BACKEND = "sms.backends.locmem.SmsBackend"
    sms.outbox = []
    yield sms.outbox


@pytest.fixture
def celery_worker_all_queues(settings):
    """A real Celery worker in a thread, consuming every queue the portal routes tasks to,
    from the configured broker (file system by default, Redis in CI's second run)."""
    from celery.contrib.testing.worker import start_worker

    from portal.celery_app import app

    # The test run has DEBUG off; a worker on the embedded defaults is meant here.
    settings.SILENCED_SYSTEM_CHECKS = ["portal.E001", "portal.E002"]

    app.conf.task_always_eager = False
    with start_worker(
        app,
        pool="solo",
        perform_ping_check=False,
        shutdown_timeout=30,
        queues=["default", "mail", "reports"],
    ) as worker:
        yield worker


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory) -> S3Server:
    """An S3-compatible server on a free loopback port (moto, ``tests/objectstore.py``),
    started once per test session (per xdist worker) by the first test that asks for it."""
    with S3Server(log=tmp_path_factory.mktemp("s3") / "server.log") as server:
        yield server


@dataclass
class ObjectStore:
    server: S3Server
    bucket: str

    def keys(self, prefix: str = "") -> list[str]:
        return self.server.keys(self.bucket, prefix)

    def direct_url(self, key: str) -> str:
        """The object's address on the S3 server, for a request without credentials."""
        return f"{self.server.url}/{self.bucket}/{key}"


@pytest.fixture
def object_storage(s3_server, settings) -> ObjectStore:
    """Media, attachments and report workbooks in a new bucket of the test S3 server, with
    the settings ``AWS_STORAGE_BUCKET_NAME`` and friends produce (``portal/settings.py``)."""
    bucket = s3_server.bucket_new()
    storages = s3_server.storages(bucket)
    settings.STORAGES = {**settings.STORAGES, **storages}
    settings.MEDIA_URL = objectstorage.media_url(storages)
    settings.MEDIA_ORIGINS = [objectstorage.url_origin(settings.MEDIA_URL)]
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["img-src"] = [*policy["DIRECTIVES"]["img-src"], *settings.MEDIA_ORIGINS]
    settings.CONTENT_SECURITY_POLICY = policy
    return ObjectStore(server=s3_server, bucket=bucket)
