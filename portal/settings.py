"""Settings for the portal, configured by environment variables.

With nothing set the portal runs on the *embedded default*: SQLite in ``var/`` next to
the code, a file-system Celery broker (no server needed) and e-mails written to
``var/mail``. Production sets ``DATABASE_URL`` (PostgreSQL), ``CELERY_BROKER_URL`` (Redis),
``SECRET_KEY`` and ``DEBUG=0``. Every variable is listed in ``.env.example`` and the README.
"""

import os
from email.utils import getaddresses
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from portal import objectstorage
from portal.logs import log_format

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PORTAL_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# --- Core -------------------------------------------------------------------------------

INSECURE_SECRET_KEY = "insecure-development-key-change-me"  # noqa: S105 - refused below
SECRET_KEY = os.environ.get("SECRET_KEY", INSECURE_SECRET_KEY)
# The embedded default is a development setup; production sets DEBUG=0.
DEBUG = env_bool("DEBUG", True)
# Checks accepted on purpose, comma-separated: e.g. "portal.E001,portal.E002,portal.W001"
# for a single-machine start on the embedded defaults with DEBUG off (portal/checks.py).
SILENCED_SYSTEM_CHECKS = [
    check.strip()
    for check in os.environ.get("SILENCED_SYSTEM_CHECKS", "").split(",")
    if check.strip()
]
if not DEBUG and SECRET_KEY == INSECURE_SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a long random value when DEBUG is off "
        "(the built-in development key is refused)."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
WAGTAILADMIN_BASE_URL = SITE_URL

INSTALLED_APPS = [
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
    "verification",
    "ratings",
    "stats",
    "demo",
    "api",
    "webhooks",
    # django-ninja's templates and static files: the API's docs page (/api/v1/docs) loads
    # Swagger UI from the portal's own static files, as the Content-Security-Policy requires
    # (without the app, ninja would load it from a CDN).
    "ninja",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.table_block",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.simple_translation",
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail.locales",
    "wagtail",
    "modelcluster",
    "taggit",
    "csp",
    "allauth",
    "allauth.account",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    # First, so every log record of the request carries its id (portal/logs.py).
    "portal.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portal.pagecache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Django's, leaving the API's paths (UNPREFIXED_PATHS) to choose their own language.
    "portal.language.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "portal.context_processors.site",
                "inbox.context_processors.account_nav",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
# Embedded default: SQLite with WAL and a busy timeout, and transactions that take the write
# lock when they begin (IMMEDIATE), so concurrent writers wait for each other instead of
# failing with "database is locked" halfway through a transaction.
# https://docs.djangoproject.com/en/5.2/ref/databases/#sqlite-transaction-behavior
SQLITE_PATH = VAR_DIR / "db.sqlite3"
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    # Connections are kept for a minute and checked before a request reuses one, so a
    # database restart or a failover costs no request an error.
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
    }
else:
    # SQLite cannot create the folder of its file; a fresh clone has no var/ yet.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "OPTIONS": {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_DATABASE_NAME") or None}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file (not :memory:) so that threads in concurrency tests share the database.
    DATABASES["default"]["TEST"]["NAME"] = os.environ.get("TEST_DATABASE_NAME") or str(
        VAR_DIR / "test-db.sqlite3"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# How long a request waits for a row lock held by others (a rush on one open-day session)
# before it answers "busy, try again in a moment" (429 with Retry-After) instead of
# hanging: PostgreSQL's lock_timeout, set per transaction (portal/locking.py).
LOCK_TIMEOUT_SECONDS = float(os.environ.get("LOCK_TIMEOUT_SECONDS", "3"))

# --- Cache --------------------------------------------------------------------------------
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL.startswith("redis"):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }
    # Sessions are read from Redis; the database keeps the durable copy, so a Redis flush
    # or restart signs nobody out and forgets no remembered ticket.
    # https://docs.djangoproject.com/en/5.2/topics/http/sessions/#using-cached-sessions
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Public pages served to anonymous visitors from the cache above, for at most this many
# seconds (places left shown on an activity page are at most this old); publishing purges
# them at once. 0 turns the page cache off. See portal/pagecache.py.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "30"))
# The registration form shows the places left: it is kept only this long (at most
# PAGE_CACHE_SECONDS).
REGISTRATION_PAGE_CACHE_SECONDS = int(os.environ.get("REGISTRATION_PAGE_CACHE_SECONDS", "3"))
# Each session's places as last counted under its lock are kept this long in the cache, so
# that a registration for a full session is refused without a database transaction
# (events/availability.py). 0 turns this off: every registration goes to the database.
AVAILABILITY_SECONDS = int(os.environ.get("AVAILABILITY_SECONDS", "3"))

# --- Auth and accounts --------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
# After signing in without a page to return to, a user who holds no role with a page of
# its own (portal/roles.py) sees their registrations.
LOGIN_REDIRECT_URL = "events:my_registrations"
# django-allauth: e-mail sign-in, verified addresses, its own rate limits left on.
# https://docs.allauth.org/en/latest/account/configuration.html
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# Password guessing: failed sign-ins are counted per client address and per account (the
# "key" is the login typed) in the default cache, so with CACHE_URL pointing at Redis every
# worker shares the counters. Once a limit is reached the login is refused (even with the
# right password) until the oldest failure leaves the window: a cool-off, not a lock-out.
# Format "count/period/per", period like 30s, 5m, 1h.
# https://docs.allauth.org/en/latest/account/rate_limits.html
ACCOUNT_RATE_LIMITS = {
    "login_failed": os.environ.get("ACCOUNT_LOGIN_FAILED_RATE", "20/5m/ip,5/5m/key"),
}
# allauth finds the client address for its limits the same way as portal/ratelimit.py.
# https://docs.allauth.org/en/latest/common/configuration.html
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("NUM_PROXIES", "0"))
# The portal's limits on failed sign-ins, and the page of each role after signing in.
ACCOUNT_ADAPTER = "enterprises.adapter.AccountAdapter"

# --- Internationalisation -----------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media files ---------------------------------------------------------------
# Static files are served by the portal itself (whitenoise). Uploaded files go to one of two
# storages:
# - "default", public media (Wagtail images and their renditions, documents);
# - "private", booking attachments and report workbooks, never given a URL: the views that
#   serve them check who is asking and stream the bytes (portal/storage.py).
# Embedded default: folders on this machine. With DEBUG off the portal does not serve
# MEDIA_ROOT: the reverse proxy does, at MEDIA_URL (README, "Media files"). Several machines
# need AWS_STORAGE_BUCKET_NAME (object storage, below) so every one of them sees every file.
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
PRIVATE_ROOT = Path(os.environ.get("PRIVATE_ROOT", VAR_DIR / "private"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_ROOT, "base_url": None},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Object storage: setting AWS_STORAGE_BUCKET_NAME moves both storages to an S3-compatible
# service (Aliyun OSS, Tencent COS, Huawei OBS, MinIO) through django-storages, under the
# prefixes media/ (objects public-read, linked from the pages at MEDIA_URL) and private/
# (private objects, streamed by the portal). portal/objectstorage.py, README "Object storage".
# https://django-storages.readthedocs.io/en/latest/backends/amazon-S3.html
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES.update(
        objectstorage.object_storages(
            bucket=AWS_STORAGE_BUCKET_NAME,
            private_bucket=os.environ.get("AWS_PRIVATE_STORAGE_BUCKET_NAME", ""),
            endpoint_url=os.environ.get("AWS_S3_ENDPOINT_URL", ""),
            region=os.environ.get("AWS_S3_REGION_NAME", ""),
            access_key=os.environ.get("AWS_ACCESS_KEY_ID", ""),
            secret_key=os.environ.get("AWS_SECRET_ACCESS_KEY", ""),
            addressing_style=os.environ.get("AWS_S3_ADDRESSING_STYLE", "path"),
            custom_domain=os.environ.get("AWS_S3_CUSTOM_DOMAIN", ""),
            url_protocol=os.environ.get("AWS_S3_URL_PROTOCOL", "https:"),
            media_acl=os.environ.get("AWS_MEDIA_ACL", "public-read"),
        )
    )
    MEDIA_URL = objectstorage.media_url(STORAGES)
# Where pages link images from when that is not the portal itself (Content-Security-Policy).
MEDIA_ORIGINS = [origin for origin in [objectstorage.url_origin(MEDIA_URL)] if origin]
WHITENOISE_USE_FINDERS = DEBUG

# --- E-mail -------------------------------------------------------------------------------
# Every e-mail sent through Django (the portal's, django-allauth's, Wagtail's, error reports)
# is first a row in the outbox (``reminders.backends``); a worker on the "mail" queue sends
# it through EMAIL_DELIVERY_BACKEND, so a broker or mail-server outage loses nothing.
EMAIL_BACKEND = "reminders.backends.OutboxEmailBackend"
EMAIL_DELIVERY_BACKEND = os.environ.get(
    "EMAIL_DELIVERY_BACKEND", "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "开放日服务平台 <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Who receives the report of an unhandled error (with DEBUG off), e.g.
# "Ops <ops@example.gov.cn>, dev@example.gov.cn"; the reports go through the outbox too.
ADMINS = [
    (name or address, address)
    for name, address in getaddresses([os.environ.get("ADMINS", "")])
    if address
]

# --- Celery -------------------------------------------------------------------------------
# Embedded default: kombu's file-system transport, which needs no broker server.
# https://docs.celeryq.dev/projects/kombu/en/stable/reference/kombu.transport.filesystem.html
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or "filesystem://localhost/"
if CELERY_BROKER_URL.startswith("filesystem"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Three queues, so a long report or a slow mail server never delays the sweeps that plan
# and send reminders: "default" (periodic sweeps, fan-outs, no-shows, publishing), "mail"
# (every e-mail and text message) and "reports" (statistics refresh and workbooks). Run one
# worker per queue, on several machines if needed (README, "Background jobs").
# https://docs.celeryq.dev/en/stable/userguide/routing.html
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "reminders.tasks.reminder_send_task": {"queue": "mail"},
    "reminders.tasks.reminder_send_batch_task": {"queue": "mail"},
    "events.tasks.registration_followups_task": {"queue": "mail"},
    "webhooks.tasks.deliveries_send_task": {"queue": "mail"},
    "stats.tasks.*": {"queue": "reports"},
}
# The queues workers serve; /healthz reports when a worker of each last answered.
WORKER_QUEUES = ("default", "mail", "reports")
CELERY_BEAT_SCHEDULE = {
    # Due reminders and notices are picked up from the database and handed to the mail
    # queue. The rows are the source of truth: nothing is lost if the broker forgets.
    "reminders-send-due": {"task": "reminders.tasks.reminders_send_due_task", "schedule": 60.0},
    # Webhook deliveries due (new ones whose task was lost, retries) go to the mail queue.
    "webhooks-send-due": {"task": "webhooks.tasks.deliveries_send_due_task", "schedule": 60.0},
    # Statistics summary tables behind the dashboard and the public figures.
    "stats-refresh": {"task": "stats.tasks.stats_refresh_task", "schedule": 15 * 60.0},
    # Personal data past its retention time is anonymised.
    "personal-data-purge": {
        "task": "portal.tasks.personal_data_purge_task",
        "schedule": 24 * 60 * 60.0,
    },
    # Old report workbooks are deleted; jobs whose worker died are marked failed.
    "report-jobs-purge": {"task": "stats.tasks.report_jobs_purge_task", "schedule": 60 * 60.0},
    # Approved lab visits nobody checked in for become no-shows after the slot ends.
    "lab-visits-mark-no-show": {
        "task": "labvisits.tasks.lab_visits_mark_no_show_task",
        "schedule": 15 * 60.0,
    },
    # Experts are asked once to complete (or mark as no-show) consultations whose time passed.
    "consultations-request-completion": {
        "task": "consultations.tasks.consultations_request_completion_task",
        "schedule": 60 * 60.0,
    },
    # Wagtail's scheduled publishing: pages and snippets whose go-live or expiry time has
    # passed are published or unpublished within a minute.
    "publish-scheduled": {"task": "cms.tasks.publish_scheduled_task", "schedule": 60.0},
    # Registrations still confirmed after their session ended become no-shows.
    "mark-no-shows": {
        "task": "events.tasks.registrations_mark_no_show_task",
        "schedule": 15 * 60.0,
    },
    # Consultation requests nobody acted on are escalated to regulator staff.
    "consultations-escalate": {
        "task": "consultations.tasks.consultations_escalate_task",
        "schedule": 60 * 60.0,
    },
    # Everyone whose service ended is asked once for a rating (ratings.services).
    "rating-asks-send": {"task": "ratings.tasks.rating_asks_send_task", "schedule": 15 * 60.0},
    # Experts' slots are generated from their availability rules up to the horizon.
    "consultation-slots-generate": {
        "task": "consultations.tasks.slots_generate_all_task",
        "schedule": 6 * 60 * 60.0,
    },
}
# Signs of life for /healthz (portal/heartbeat.py): every HEARTBEAT_SECONDS beat sends a
# heartbeat task to each queue, and the worker that runs it records when; beat records its
# own ticks. /healthz calls a heartbeat older than HEARTBEAT_STALE_SECONDS "stale". A
# heartbeat nobody ran within that time is dropped (expires), so they do not pile up in
# the queue of a stopped worker.
HEARTBEAT_SECONDS = float(os.environ.get("HEARTBEAT_SECONDS", "60"))
HEARTBEAT_STALE_SECONDS = int(os.environ.get("HEARTBEAT_STALE_SECONDS", "180"))
CELERY_BEAT_SCHEDULE.update(
    {
        f"heartbeat-{queue}": {
            "task": "portal.tasks.heartbeat_task",
            "schedule": HEARTBEAT_SECONDS,
            "kwargs": {"queue": queue},
            "options": {"queue": queue, "expires": HEARTBEAT_STALE_SECONDS},
        }
        for queue in WORKER_QUEUES
    }
)

# --- Open-day registration ---------------------------------------------------------------
# Version of the privacy notice registrants consent to; recorded with each registration.
PRIVACY_NOTICE_VERSION = os.environ.get("PRIVACY_NOTICE_VERSION", "2026-09")
# How long a "manage your registration" link in an e-mail keeps working (seconds).
REGISTRATION_MANAGE_LINK_MAX_AGE = int(
    os.environ.get("REGISTRATION_MANAGE_LINK_MAX_AGE", str(180 * 24 * 3600))
)
# No-show policy: a phone number with this many no-shows within the look-back window may
# only join waiting lists until this many days after its latest no-show. Staff can lift it.
NOSHOW_THRESHOLD = int(os.environ.get("NOSHOW_THRESHOLD", "2"))
NOSHOW_LOOKBACK_DAYS = int(os.environ.get("NOSHOW_LOOKBACK_DAYS", "365"))
NOSHOW_RESTRICTION_DAYS = int(os.environ.get("NOSHOW_RESTRICTION_DAYS", "90"))
# Registration attempts allowed per client IP and per phone number, as "count/seconds".
# The counters live in the default cache: set CACHE_URL (Redis) so every worker shares them.
REGISTRATION_RATE_IP = os.environ.get("REGISTRATION_RATE_IP", "20/600")
REGISTRATION_RATE_PHONE = os.environ.get("REGISTRATION_RATE_PHONE", "5/600")
# Phone verification (verification/): a registration is confirmed only once the
# registrant proves the number with a 6-digit code sent to it by text message, valid
# PHONE_CODE_MINUTES. A number proved on an account, or in a browser, stays verified there
# for PHONE_VERIFICATION_DAYS, so people can verify before registration opens. Codes per
# number (one per interval, and per hour) and per client address, as "count/seconds".
# PHONE_VERIFICATION=0 turns it off; registrations are then unverified, and the no-show
# policy, which counts only verified numbers, restricts nobody.
PHONE_VERIFICATION = env_bool("PHONE_VERIFICATION", True)
PHONE_VERIFICATION_DAYS = int(os.environ.get("PHONE_VERIFICATION_DAYS", "30"))
PHONE_CODE_MINUTES = int(os.environ.get("PHONE_CODE_MINUTES", "10"))
PHONE_CODE_RATE_INTERVAL = os.environ.get("PHONE_CODE_RATE_INTERVAL", "1/60")
PHONE_CODE_RATE_PHONE = os.environ.get("PHONE_CODE_RATE_PHONE", "5/3600")
PHONE_CODE_RATE_IP = os.environ.get("PHONE_CODE_RATE_IP", "20/3600")
# Reverse proxies in front of the portal that append to X-Forwarded-For (0: none; the
# client address is then the socket's). Used to find the client address for rate limits.
NUM_PROXIES = int(os.environ.get("NUM_PROXIES", "0"))
# Failed sign-ins to the Wagtail admin (/cms-admin/login/, a separate form from allauth's)
# allowed per user name and per client IP within the window ("count/seconds"); then sign-in
# is refused until the window ends (portal.ratelimit.AdminLoginForm).
# Failed sign-ins allowed per account (whichever of its user name or e-mail is typed) and
# per client address, counted together on the site's and the CMS admin's sign-in forms.
LOGIN_RATE_ACCOUNT = os.environ.get("LOGIN_RATE_ACCOUNT", "5/300")
LOGIN_RATE_IP = os.environ.get("LOGIN_RATE_IP", "20/300")

# --- Public REST API (/api/v1/, the api app) ----------------------------------------------
# Requests allowed per client address (NUM_PROXIES above finds it), as "count/seconds",
# counted in the default cache like the limits above; then 429 until the window ends.
API_RATE_IP = os.environ.get("API_RATE_IP", "120/60")
# Requests allowed per staff API token (/api/v1/staff/, README "Staff tokens"), as
# "count/seconds"; a staff request counts against its client address (above) too.
API_RATE_TOKEN = os.environ.get("API_RATE_TOKEN", "300/60")
# How long clients and proxies may keep an answer (Cache-Control: public, max-age).
API_CACHE_SECONDS = int(os.environ.get("API_CACHE_SECONDS", "60"))
# Paths outside the language prefixes that choose their content language themselves
# (?lang=, Accept-Language): no language cookie, no redirect of a 404 to a prefixed page
# (portal/language.py).
UNPREFIXED_PATHS = ["/api/"]

# --- Expert consultations and lab visits ---------------------------------------------------
# How far ahead slots are generated from the experts' availability rules (days).
CONSULTATION_SLOT_HORIZON_DAYS = int(os.environ.get("CONSULTATION_SLOT_HORIZON_DAYS", "56"))
# Either side may cancel a consultation up to this many hours before it starts.
CONSULTATION_CANCEL_CUTOFF_HOURS = int(os.environ.get("CONSULTATION_CANCEL_CUTOFF_HOURS", "24"))
# Requests nobody has acted on for this many hours are escalated to regulator staff.
CONSULTATION_ESCALATE_AFTER_HOURS = int(os.environ.get("CONSULTATION_ESCALATE_AFTER_HOURS", "48"))
# The expert is asked to complete (or mark as no-show) a confirmed consultation this many
# minutes after its end; approved lab visits nobody checked in for become no-shows this many
# minutes after the visit slot ends.
CONSULTATION_COMPLETION_GRACE_MINUTES = int(
    os.environ.get("CONSULTATION_COMPLETION_GRACE_MINUTES", "30")
)
LAB_VISIT_NO_SHOW_GRACE_MINUTES = int(os.environ.get("LAB_VISIT_NO_SHOW_GRACE_MINUTES", "30"))
# The door accepts a ticket from this many minutes before its session (or lab-visit slot)
# starts until it ends; staff with events.override_checkin may check in outside it with a
# reason (portal/checkin.py).
CHECKIN_OPENS_MINUTES_BEFORE = int(os.environ.get("CHECKIN_OPENS_MINUTES_BEFORE", "120"))
# The meeting link of an online or hybrid session appears on its registrants' ticket pages
# this many minutes before the start (and stays until the end); never on public pages.
ONLINE_LINK_MINUTES_BEFORE = int(os.environ.get("ONLINE_LINK_MINUTES_BEFORE", "30"))
# Booking requests allowed per signed-in user and per client IP, as "count/seconds"
# (same cache counters as REGISTRATION_RATE_*): consultation requests to experts and
# lab-visit requests. A refused request creates nothing.
CONSULTATION_RATE_USER = os.environ.get("CONSULTATION_RATE_USER", "10/3600")
CONSULTATION_RATE_IP = os.environ.get("CONSULTATION_RATE_IP", "30/3600")
LAB_VISIT_RATE_USER = os.environ.get("LAB_VISIT_RATE_USER", "10/3600")
LAB_VISIT_RATE_IP = os.environ.get("LAB_VISIT_RATE_IP", "30/3600")
# Ratings (README "Ratings"): a service that ended within RATING_ASK_WINDOW_DAYS and was not
# asked about gets its one request to rate; the signed link in it works for
# RATING_LINK_MAX_AGE_DAYS.
RATING_ASK_WINDOW_DAYS = int(os.environ.get("RATING_ASK_WINDOW_DAYS", "7"))
RATING_LINK_MAX_AGE_DAYS = int(os.environ.get("RATING_LINK_MAX_AGE_DAYS", "60"))
# Largest attachment accepted with a consultation request (bytes; PDF, PNG or JPEG).
CONSULTATION_ATTACHMENT_MAX_BYTES = int(
    os.environ.get("CONSULTATION_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024))
)


# --- Reminders and notices ----------------------------------------------------------------
# How long before the start each kind of appointment is reminded of, in minutes, as a
# comma-separated list. One reminder row is planned per offset, channel and recipient.
def _offsets(name: str, default: str) -> tuple[int, ...]:
    raw = os.environ.get(name, default)
    return tuple(sorted({int(part) for part in raw.split(",") if part.strip()}, reverse=True))


REMINDER_OFFSETS = {
    "registration": _offsets("REMINDER_OFFSETS_REGISTRATION", "1440,120"),
    "consultation": _offsets("REMINDER_OFFSETS_CONSULTATION", "1440,120"),
    "lab_visit": _offsets("REMINDER_OFFSETS_LAB_VISIT", "1440,120"),
}
# A failed send is retried after 1, 2, 4, ... times this many seconds, up to this many
# attempts in all; then the reminder is marked failed and shown to staff.
REMINDER_RETRY_BACKOFF = int(os.environ.get("REMINDER_RETRY_BACKOFF", "60"))
REMINDER_MAX_ATTEMPTS = int(os.environ.get("REMINDER_MAX_ATTEMPTS", "5"))
# A reminder claimed by a worker that died before finishing is released after this long
# (seconds) and sent by the next sweep.
REMINDER_CLAIM_TIMEOUT = int(os.environ.get("REMINDER_CLAIM_TIMEOUT", "300"))
# A due reminder handed to the mail queue but still pending this many seconds later is
# handed over again by the sweep: the broker lost the message (a restart without
# persistence) or the mail queue is far behind. A second message is harmless: the claim
# lets only one through.
REMINDER_REQUEUE_AFTER = int(os.environ.get("REMINDER_REQUEUE_AFTER", "300"))
# Notices of a changed or cancelled session are planned in batches of this many registrations.
NOTICE_BATCH_SIZE = int(os.environ.get("NOTICE_BATCH_SIZE", "200"))
# Due reminders are handed to the mail queue in tasks of this many rows each; one worker
# sends a batch over one e-mail and one text-message connection.
REMINDER_BATCH_SIZE = int(os.environ.get("REMINDER_BATCH_SIZE", "100"))
# --- Webhooks (README, "Webhooks") ---------------------------------------------------------
# Endpoints must use https:// unless this is on (the development default, with DEBUG).
WEBHOOK_ALLOW_HTTP = env_bool("WEBHOOK_ALLOW_HTTP", DEBUG)
# Deliveries never go to this machine or a private network (server-side request forgery)
# unless this is on: for a receiver on the same network, development and tests only.
WEBHOOK_ALLOW_PRIVATE = env_bool("WEBHOOK_ALLOW_PRIVATE", False)
# Seconds to connect, and again to wait for the answer, per attempt.
WEBHOOK_TIMEOUT = float(os.environ.get("WEBHOOK_TIMEOUT", "5"))
# A failed attempt is retried after 1, 5, 25, ... times this many seconds, up to this many
# attempts in all (the default: 1, 5, 25, 125 and 625 minutes); then the delivery is failed
# and staff may retry it.
WEBHOOK_RETRY_BACKOFF = int(os.environ.get("WEBHOOK_RETRY_BACKOFF", "60"))
WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("WEBHOOK_MAX_ATTEMPTS", "6"))
# A delivery claimed by a worker that died is released after this many seconds.
WEBHOOK_CLAIM_TIMEOUT = int(os.environ.get("WEBHOOK_CLAIM_TIMEOUT", "120"))
# A due delivery handed to the worker queue but still pending this long after is handed
# over again by the sweep (the claim lets only one message through).
WEBHOOK_REQUEUE_AFTER = int(os.environ.get("WEBHOOK_REQUEUE_AFTER", "300"))
# Deliveries are handed to the worker queue in tasks of this many rows.
WEBHOOK_BATCH_SIZE = int(os.environ.get("WEBHOOK_BATCH_SIZE", "50"))

# Text messages (django-sms). Default: one masked file per message in var/sms. A provider
# is plugged in by naming its backend class, e.g. "sms.backends.twilio.SmsBackend".
# https://github.com/roaldnefs/django-sms
SMS_BACKEND = os.environ.get("SMS_BACKEND", "reminders.sms.MaskedDemoBackend")
SMS_FILE_PATH = os.environ.get("SMS_FILE_PATH", str(VAR_DIR / "sms"))
DEFAULT_FROM_SMS = os.environ.get("DEFAULT_FROM_SMS", "")
# The provider's id of each text template (reminders/sms.py TEMPLATES, the texts in
# templates/sms/): SMS_TEMPLATE_<KEY> for the Chinese template, SMS_TEMPLATE_<KEY>_EN for the
# English one (optional), e.g. SMS_TEMPLATE_VERIFY_CODE=1234567. A provider backend refuses
# to start without an id for every template (``manage.py check``).
SMS_TEMPLATES: dict[str, dict[str, str]] = {}
for _name, _value in sorted(os.environ.items()):
    if _name.startswith("SMS_TEMPLATE_") and _value.strip():
        _key = _name.removeprefix("SMS_TEMPLATE_").lower()
        _language = "zh-hans"
        if _key.endswith("_en"):
            _key, _language = _key.removesuffix("_en"), "en"
        SMS_TEMPLATES.setdefault(_key, {})[_language] = _value.strip()
# Tencent Cloud SMS (SMS_BACKEND=reminders.sms_tencent.TencentSmsBackend, SendSms of API
# 2021-01-11): the API key (best a sub-account allowed nothing but sms:SendSms), the SDK app
# id and the approved signature of the console, the region and the API host (or a URL such
# as http://127.0.0.1:8081 for a local stand-in); a request taking longer than
# TENCENT_SMS_TIMEOUT seconds fails and the reminder is retried.
# https://cloud.tencent.com/document/product/382/55981
TENCENTCLOUD_SECRET_ID = os.environ.get("TENCENTCLOUD_SECRET_ID", "")
TENCENTCLOUD_SECRET_KEY = os.environ.get("TENCENTCLOUD_SECRET_KEY", "")
TENCENT_SMS_SDK_APP_ID = os.environ.get("TENCENT_SMS_SDK_APP_ID", "")
TENCENT_SMS_SIGN_NAME = os.environ.get("TENCENT_SMS_SIGN_NAME", "")
TENCENT_SMS_REGION = os.environ.get("TENCENT_SMS_REGION", "ap-guangzhou")
TENCENT_SMS_ENDPOINT = os.environ.get("TENCENT_SMS_ENDPOINT", "sms.tencentcloudapi.com")
TENCENT_SMS_TIMEOUT = int(os.environ.get("TENCENT_SMS_TIMEOUT", "10"))

# --- Personal data -------------------------------------------------------------------------
# Personal data of registrations, consultations and lab visits is anonymised this many days
# after the campaign or the appointment ended (portal/privacy.py, a daily job); the figures
# of the statistics stay as they were.
PERSONAL_DATA_RETENTION_DAYS = int(os.environ.get("PERSONAL_DATA_RETENTION_DAYS", "180"))

# --- Statistics ---------------------------------------------------------------------------
# Finished report workbooks are kept this many days under PRIVATE_ROOT/reports.
REPORT_RETENTION_DAYS = int(os.environ.get("REPORT_RETENTION_DAYS", "30"))
# A workbook job still queued or running after this many minutes is marked failed.
REPORT_JOB_TIMEOUT_MINUTES = int(os.environ.get("REPORT_JOB_TIMEOUT_MINUTES", "120"))

# --- Wagtail ------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "检验检测公共服务平台"
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAIL_ALLOW_UNICODE_SLUGS = True
WAGTAILEMBEDS_RESPONSIVE_HTML = True
WAGTAILIMAGES_IMAGE_MODEL = "wagtailimages.Image"
WAGTAILDOCS_SERVE_METHOD = "serve_view"
# The admin sign-in form counts failed attempts (see LOGIN_RATE_ACCOUNT).
WAGTAILADMIN_USER_LOGIN_FORM = "portal.ratelimit.AdminLoginForm"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# --- Security -----------------------------------------------------------------------------
# `manage.py check --deploy` is clean with DEBUG=0, a real SECRET_KEY and ALLOWED_HOSTS
# (tests/test_security.py). https://docs.djangoproject.com/en/5.2/howto/deployment/checklist/
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# Pages opened from the portal cannot reach back into it through window.opener.
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Cookies are not sent with cross-site sub-requests; "Lax" keeps links from e-mails working.
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# No script reads the CSRF cookie: the check-in screen posts the form's hidden token.
CSRF_COOKIE_HTTPONLY = True
if not DEBUG:
    # TLS ends at the reverse proxy, which must set X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Monitoring may poll each web node's /healthz over plain HTTP, behind the proxy.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    # The preload flag only allows submitting the domain to the browsers' preload list
    # (hstspreload.org); nothing is submitted automatically. Set 0 to leave it out.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# Content-Security-Policy (django-csp 4). Public pages load scripts only from the portal's
# own static files: no inline or eval'd script. Images: the portal's files, data: URLs
# (the favicon) and the object storage's address when media live there (MEDIA_ORIGINS);
# QR codes are inline SVG and the check-in scanner reads the camera into a <canvas> and a
# <video> through srcObject, which needs no source (no blob: URL is made).
# The scanner's fallback decoder (static/vendor/jsqr/) is a same-origin script; its counters
# and ticket posts are same-origin fetches. Maps are links, not embedded. Inline styles stay
# allowed (style attributes of responsive media embeds, the self-contained 500 page); they
# cannot run code. Embedded media (the "embed" block) may frame the video platforms listed
# in EMBED_FRAME_SRC.
# The Wagtail admin (/cms-admin/) is EXCLUDED from the policy: its pages, page previews and
# rich-text editor rely on inline scripts and styles. It is protected by sign-in, the admin
# login limit, X-Frame-Options and the other headers above.
# https://django-csp.readthedocs.io/en/latest/configuration.html
EMBED_FRAME_SRC = env_list(
    "EMBED_FRAME_SRC",
    "https://player.bilibili.com,https://v.qq.com,https://player.youku.com,"
    "https://www.youtube-nocookie.com,https://www.youtube.com,https://player.vimeo.com",
)
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/cms-admin/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", *MEDIA_ORIGINS],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "media-src": ["'self'"],
        # The check-in screen's service worker and web app manifest (events.views.
        # checkin_offline), both served by the portal itself.
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "frame-src": ["'self'", *EMBED_FRAME_SRC],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- Logging (no personal data is logged anywhere) ----------------------------------------
# LOG_FORMAT=json writes one JSON object per line (timestamp, level, logger, message,
# request_id, task_id, exception) for a log collector; plain text by default. The Celery
# worker and beat, and gunicorn's own lines, follow it too (portal/logs.py).
LOG_FORMAT = log_format()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "context": {"()": "portal.logs.ContextFilter"},
        "redact": {"()": "portal.logs.RedactFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "portal.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["context", "redact"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # The Tencent Cloud SDK logs whole requests (recipients' numbers) at DEBUG.
    "loggers": {"tencentcloud_sdk_common": {"level": "WARNING"}},
}

PORTAL_TITLE = _("Testing & Inspection Public Service Portal")
