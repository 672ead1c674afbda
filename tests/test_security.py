"""Production hardening: Django's deployment checks, security headers and the
Content-Security-Policy that public pages work under (the Wagtail admin is left out)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

# Variables of the developer's shell that would change the settings under test.
PORTAL_VARIABLES = (
    "SECRET_KEY",
    "DEBUG",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "CACHE_URL",
    "ALLOWED_HOSTS",
    "PORTAL_VAR_DIR",
    "DJANGO_SETTINGS_MODULE",
    "SECURE_SSL_REDIRECT",
    "SECURE_COOKIES",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    # Set by the browser tests' conftest for Playwright; never in production.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "SILENCED_SYSTEM_CHECKS",
    "AWS_STORAGE_BUCKET_NAME",
    "AWS_S3_ENDPOINT_URL",
    "EMAIL_DELIVERY_BACKEND",
)
# Production's shared stores. ``check`` only reads the settings: nothing connects to them.
PRODUCTION_STORES = {
    "DATABASE_URL": "postgres://portal@db.internal:5432/portal",
    "CACHE_URL": "redis://redis.internal:6379/1",
    "CELERY_BROKER_URL": "redis://redis.internal:6379/0",
    "AWS_STORAGE_BUCKET_NAME": "portal",
    "AWS_S3_ENDPOINT_URL": "https://oss-cn-beijing.aliyuncs.com",
    "EMAIL_DELIVERY_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
}


def production_env(tmp_path: Path, **env: str) -> dict[str, str]:
    """Production settings (``DEBUG`` off, a secret key, the host), without the shared
    stores unless ``env`` names them."""
    clean = {k: v for k, v in os.environ.items() if k not in PORTAL_VARIABLES}
    clean.update(
        PORTAL_VAR_DIR=str(tmp_path),
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="portal.example.gov.cn",
        CSRF_TRUSTED_ORIGINS="https://portal.example.gov.cn",
        SITE_URL="https://portal.example.gov.cn",
    )
    clean.update(env)
    return clean


def check_deploy(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """``manage.py check --deploy --fail-level WARNING`` in production settings."""
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=production_env(tmp_path, **env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = check_deploy(tmp_path, **PRODUCTION_STORES)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_reports_a_weakened_setting(tmp_path):
    result = check_deploy(
        tmp_path, SECURE_HSTS_SECONDS="0", SECURE_COOKIES="0", **PRODUCTION_STORES
    )

    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "security.W004" in output  # HSTS
    assert "security.W012" in output  # session cookie without Secure
    assert "security.W016" in output  # CSRF cookie without Secure


def test_check_deploy_reports_the_development_stores(tmp_path):
    result = check_deploy(tmp_path)  # no DATABASE_URL, CACHE_URL nor CELERY_BROKER_URL

    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "portal.E001" in output and "per-process memory" in output and "CACHE_URL" in output
    assert "portal.E002" in output and "CELERY_BROKER_URL" in output
    assert "portal.W001" in output and "SQLite" in output
    assert "portal.W002" in output and "AWS_STORAGE_BUCKET_NAME" in output
    assert "portal.W003" in output and "EMAIL_DELIVERY_BACKEND" in output


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(["gunicorn", "portal.wsgi", "--bind", "127.0.0.1:0"], id="web"),
        pytest.param(["celery", "-A", "portal", "worker", "--pool=solo"], id="worker"),
        pytest.param(["celery", "-A", "portal", "beat"], id="beat"),
    ],
)
def test_no_process_starts_with_debug_off_on_the_development_stores(tmp_path, command):
    executable = str(Path(sys.executable).parent / command[0])
    result = subprocess.run(
        [executable, *command[1:]],
        cwd=settings.BASE_DIR,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "does not start with DEBUG off on its development defaults" in output
    assert "portal.E001" in output and "portal.E002" in output


def test_a_deliberate_single_machine_start_names_what_it_accepts(tmp_path):
    env = production_env(tmp_path, SILENCED_SYSTEM_CHECKS="portal.E001,portal.E002,portal.W001")
    result = subprocess.run(
        [sys.executable, "-c", "import portal.wsgi"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr


# ---- Headers ---------------------------------------------------------------------------------


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def test_public_page_sends_a_strict_content_security_policy(client, site_tree):
    response = client.get("/en/")

    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["base-uri"] == ["'self'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_check_in_screen_is_under_the_policy(client, site_tree, superuser):
    client.force_login(superuser)
    response = client.get("/en/open-day/checkin/")

    assert response.status_code == 200
    assert directives(response["Content-Security-Policy"])["script-src"] == ["'self'"]


def test_wagtail_admin_is_left_out_of_the_policy(client, superuser):
    login = client.get("/cms-admin/login/")
    assert login.status_code == 200
    assert "Content-Security-Policy" not in login
    assert login["X-Frame-Options"] == "DENY"

    client.force_login(superuser)
    dashboard = client.get("/cms-admin/")
    assert dashboard.status_code == 200
    assert "Content-Security-Policy" not in dashboard


# ---- In a browser: nothing on the public pages is blocked by the policy -----------------------


@pytest.mark.browser
def test_public_pages_load_without_policy_violations(live_server, transactional_site_tree):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt install chromium)")
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    paths = ["/en/", "/zh-hans/", "/en/in-numbers/", "/en/accounts/login/", "/en/search/?q=x"]
    violations: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on(
                "console",
                lambda message: (
                    violations.append(message.text)
                    if "Content Security Policy" in message.text
                    else None
                ),
            )
            for path in paths:
                response = page.goto(f"{live_server.url}{path}")
                assert response.status < 400, path
                assert response.headers.get("content-security-policy"), path
                page.wait_for_load_state("load")
            assert violations == []
            # The probe: an injected inline script is refused, so the policy is enforced.
            page.evaluate(
                "() => { const s = document.createElement('script');"
                " s.textContent = 'window.inlineRan = 1'; document.head.appendChild(s); }"
            )
            assert page.evaluate("() => window.inlineRan") is None
            page.wait_for_timeout(200)
        finally:
            browser.close()

    assert len(violations) == 1 and "inline script" in violations[0], violations
