"""The committed nginx site (``deploy/nginx/``) in front of gunicorn with DEBUG off, as in
production: Debian's real nginx, TLS with a certificate made for the test, the portal's
production gunicorn configuration. Only loopback addresses and temporary folders are put
in its place; everything else is the file as committed.

Through nginx: a page answers; ``/static/`` and ``/media/`` are served by nginx from their
folders (files the portal itself does not know); Wagtail documents' files are not; a body
over ``client_max_body_size`` is refused with 413 while one of the portal's upload limit
gets through; the portal sees the client's address (the entry nginx appends to
X-Forwarded-For, with ``NUM_PROXIES=1``), not one the client made up; log lines carry
nginx's request id.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings
from requests.adapters import HTTPAdapter

from tests import children
from tests.faults.web_support import CSRF_TOKEN, SERVER_SETTINGS, free_port

ROOT = Path(__file__).resolve().parent.parent
NGINX = Path("/usr/sbin/nginx")
OPENSSL = shutil.which("openssl")
SITE = ROOT / "deploy" / "nginx" / "portal.conf"
UPSTREAM = ROOT / "deploy" / "nginx" / "portal-upstream.conf"
ADMIN_REFUSED = "Too many failed sign-in attempts"

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.skipif(
        not NGINX.exists(),
        reason="needs Debian's nginx (/usr/sbin/nginx): apt-get install nginx (.ci/run does)",
    ),
    pytest.mark.skipif(OPENSSL is None, reason="needs openssl to make the test's certificate"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.timeout(90),
]


def replaced(text: str, old: str, new: str) -> str:
    """``text`` with ``old`` replaced; fails if the committed file no longer has ``old``
    (the test would otherwise run a configuration other than the committed one)."""
    assert old in text, f"{old!r} is no longer in the committed nginx configuration"
    return text.replace(old, new)


def wait_for_port(port: int, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(log.read_text(errors="replace")[-3000:]) from None
            time.sleep(0.1)


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


class FromAddress(HTTPAdapter):
    """Connects from a given loopback address (127.0.0.2, ...), as a distinct client."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


@pytest.fixture
def stack(tmp_path):
    """gunicorn (production configuration, DEBUG off, JSON logs) behind nginx running the
    committed site; yields a namespace with the addresses, folders and logs."""
    http_port, https_port, web_port = free_port(), free_port(), free_port()
    static_root = tmp_path / "static"
    media_root = tmp_path / "media"
    nginx_dir = tmp_path / "nginx"
    for folder in (static_root, media_root, nginx_dir, tmp_path / "var", tmp_path / "acme"):
        folder.mkdir()

    # A certificate for 127.0.0.1, made for this test.
    cert, key = nginx_dir / "cert.pem", nginx_dir / "key.pem"
    subprocess.run(
        [OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
        + ["-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"]
        + ["-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )

    # The committed site and upstream, for loopback and the test's folders.
    site = SITE.read_text()
    site = replaced(site, "listen 80;", f"listen 127.0.0.1:{http_port};")
    site = replaced(site, "listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
    site = replaced(site, "    listen [::]:80;\n", "")
    site = replaced(site, "    listen [::]:443 ssl http2;\n", "")
    site = replaced(site, "/etc/ssl/portal/fullchain.pem", str(cert))
    site = replaced(site, "/etc/ssl/portal/privkey.pem", str(key))
    site = replaced(site, "/srv/portal/app/staticfiles/", f"{static_root}/")
    site = replaced(site, "/var/lib/portal/media/", f"{media_root}/")
    site = replaced(site, "/var/www/acme", str(tmp_path / "acme"))
    site = replaced(site, "/var/log/nginx/portal.access.log", str(nginx_dir / "access.log"))
    (nginx_dir / "portal.conf").write_text(site)
    upstream = re.sub(r"(?m)^\s*server \S+:8000 [^;]*;\n", "", UPSTREAM.read_text())
    loopback = f"upstream portal_web {{\n    server 127.0.0.1:{web_port};\n"
    upstream = replaced(upstream, "upstream portal_web {\n", loopback)
    (nginx_dir / "portal-upstream.conf").write_text(upstream)
    # What Debian's /etc/nginx/nginx.conf provides around a site, with the test's folders.
    temp_paths = "\n".join(
        f"    {kind}_temp_path {nginx_dir / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (nginx_dir / "nginx.conf").write_text(
        f"""{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
pid {nginx_dir / "nginx.pid"};
error_log {nginx_dir / "error.log"} warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
{temp_paths}
    include {nginx_dir / "portal-upstream.conf"};
    include {nginx_dir / "portal.conf"};
}}
"""
    )

    # gunicorn as in production, on the test database, with static files from the source
    # folders (no collectstatic: nginx serves /static/ from the test's own folder).
    settings_dir = tmp_path / "server_settings"
    settings_dir.mkdir()
    (settings_dir / "fault_server_settings.py").write_text(SERVER_SETTINGS)
    env = {key: value for key, value in os.environ.items() if key != "TEST_DATABASE_NAME"}
    env.update(
        DJANGO_SETTINGS_MODULE="fault_server_settings",
        PYTHONPATH=os.pathsep.join([str(settings_dir), str(ROOT)]),
        DATABASE_URL=children.database_url(),
        CACHE_URL=settings.CACHES["default"]["LOCATION"],
        CELERY_BROKER_URL=str(settings.CELERY_BROKER_URL),
        DEBUG="0",
        SECRET_KEY="deploy-test-server-" + "k" * 48,
        ALLOWED_HOSTS="127.0.0.1",
        # nginx passes Host without the port; a browser's Referer has it.
        CSRF_TRUSTED_ORIGINS=f"https://127.0.0.1:{https_port}",
        NUM_PROXIES="1",
        PORTAL_VAR_DIR=str(tmp_path / "var"),
        MEDIA_ROOT=str(media_root),
        LOGIN_RATE_IP="2/86400",
        LOGIN_RATE_ACCOUNT="1000/86400",
        WEB_CONCURRENCY="2",
        LOG_FORMAT="json",
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    web_log = tmp_path / "gunicorn.log"
    nginx_log = nginx_dir / "error.log"
    test = subprocess.run(
        [NGINX, "-t", "-q", "-p", str(nginx_dir), "-c", str(nginx_dir / "nginx.conf")]
        + ["-e", str(nginx_log)],
        capture_output=True,
        text=True,
    )
    assert test.returncode == 0, test.stderr
    with web_log.open("wb") as out:
        web = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "portal.wsgi"]
            + ["--config", "portal/gunicorn_production.py", "--bind", f"127.0.0.1:{web_port}"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    nginx = subprocess.Popen(
        [NGINX, "-p", str(nginx_dir), "-c", str(nginx_dir / "nginx.conf"), "-e", str(nginx_log)]
        + ["-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_port(https_port, nginx, nginx_log)
        wait_for_port(web_port, web, web_log)

        class Stack:
            url = f"https://127.0.0.1:{https_port}"
            http_url = f"http://127.0.0.1:{http_port}"
            certificate = str(cert)

        Stack.static_root, Stack.media_root = static_root, media_root
        Stack.web_log, Stack.access_log = web_log, nginx_dir / "access.log"
        Stack.stop_web = lambda: stop(web)
        yield Stack
    finally:
        stop(nginx, signal.SIGQUIT)
        stop(web)


def browser(stack, address: str = "127.0.0.2") -> requests.Session:
    session = requests.Session()
    # Neither a proxy nor a CA bundle from the environment: this certificate, loopback.
    session.trust_env = False
    session.verify = stack.certificate
    session.mount("https://", FromAddress(address))
    session.mount("http://", FromAddress(address))
    session.headers["Accept-Language"] = "en"
    return session


def admin_sign_in(session: requests.Session, stack, *, username: str, forwarded_for: str) -> str:
    login = f"{stack.url}/cms-admin/login/"
    page = session.get(login, timeout=30)
    assert page.status_code == 200
    token = CSRF_TOKEN.search(page.text).group(1)
    response = session.post(
        login,
        data={"csrfmiddlewaretoken": token, "username": username, "password": "wrong password"},
        headers={"Referer": login, "X-Forwarded-For": forwarded_for},
        timeout=30,
    )
    assert response.status_code == 200  # the form again, with an error
    return response.text


def test_nginx_site_in_front_of_gunicorn(stack):
    visitor = browser(stack)

    # HTTP is sent to HTTPS; over HTTPS a page of the portal answers, through nginx.
    redirect = visitor.get(f"{stack.http_url}/en/", allow_redirects=False, timeout=10)
    assert redirect.status_code == 301
    assert redirect.headers["Location"] == "https://127.0.0.1/en/"
    page = visitor.get(f"{stack.url}/cms-admin/login/", timeout=30)
    assert page.status_code == 200
    assert 'name="csrfmiddlewaretoken"' in page.text
    assert page.headers["Server"] == "nginx"
    assert "Strict-Transport-Security" in page.headers  # the portal took it for HTTPS

    # Static files from STATIC_ROOT, by nginx (the portal has no such files): hashed
    # names for a year, others briefly.
    (stack.static_root / "css").mkdir()
    (stack.static_root / "css" / "probe.0123456789ab.css").write_text("body{}")
    (stack.static_root / "probe.txt").write_text("static probe")
    hashed = visitor.get(f"{stack.url}/static/css/probe.0123456789ab.css", timeout=10)
    assert hashed.status_code == 200
    assert hashed.text == "body{}"
    assert hashed.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    plain = visitor.get(f"{stack.url}/static/probe.txt", timeout=10)
    assert plain.status_code == 200
    assert plain.text == "static probe"
    assert plain.headers["Cache-Control"] == "public, max-age=300"

    # Media from MEDIA_ROOT, by nginx (with DEBUG off the portal serves no /media/); never
    # the files of Wagtail documents, which the portal serves after its privacy check.
    (stack.media_root / "images").mkdir()
    (stack.media_root / "images" / "hero.width-800.png").write_bytes(b"\x89PNG probe")
    (stack.media_root / "documents").mkdir()
    (stack.media_root / "documents" / "restricted.pdf").write_bytes(b"%PDF probe")
    image = visitor.get(f"{stack.url}/media/images/hero.width-800.png", timeout=10)
    assert image.status_code == 200
    assert image.content == b"\x89PNG probe"
    assert image.headers["Content-Type"] == "image/png"
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    assert visitor.get(f"{stack.url}/media/documents/restricted.pdf", timeout=10).status_code == 404

    # The upload limit: a form carrying a file of the portal's largest attachment size gets
    # through to the portal (which answers with the form again), a body one byte over
    # nginx's limit is refused by nginx.
    limit = int(re.search(r"client_max_body_size (\d+)m;", SITE.read_text()).group(1)) << 20
    assert limit > settings.CONSULTATION_ATTACHMENT_MAX_BYTES
    uploader = browser(stack, "127.0.0.4")
    login = f"{stack.url}/cms-admin/login/"
    token = CSRF_TOKEN.search(uploader.get(login, timeout=30).text).group(1)
    attachment = b"%PDF" + b"x" * (settings.CONSULTATION_ATTACHMENT_MAX_BYTES - 4)
    through = uploader.post(
        login,
        data={"csrfmiddlewaretoken": token},
        files={"attachment": ("report.pdf", attachment, "application/pdf")},
        headers={"Referer": login},
        timeout=30,
    )
    assert through.status_code == 200
    assert 'name="csrfmiddlewaretoken"' in through.text
    refused = uploader.post(f"{stack.url}/healthz", data=b"x" * (limit + 1), timeout=30)
    assert refused.status_code == 413
    assert refused.headers["Server"] == "nginx"

    # The client's address is the one nginx appends to X-Forwarded-For: three failed
    # sign-ins from 127.0.0.2 reach its limit of two, whatever address it claims in the
    # header; another client (127.0.0.3, through the same nginx) is not limited.
    texts = [
        admin_sign_in(visitor, stack, username=f"guess{n}", forwarded_for=f"203.0.113.{n}")
        for n in range(3)
    ]
    assert [ADMIN_REFUSED in text for text in texts] == [False, False, True]
    other = browser(stack, "127.0.0.3")
    assert ADMIN_REFUSED not in admin_sign_in(
        other, stack, username="guess9", forwarded_for="203.0.113.2"
    )

    # The portal's log lines are JSON and carry nginx's request id, which nginx's access
    # log has too.
    assert visitor.get(f"{stack.url}/en/no-such-page/", timeout=30).status_code == 404
    # Neither log keeps a ticket's token nor a search term (portal/logs.py, the site's map).
    secret = "WyJUSUNLRVQxMiJd:1tXyZq:s3cr3tSig"
    visitor.get(f"{stack.url}/en/open-day/ticket/{secret}/?q=13800138000", timeout=30)
    visitor.get(f"{stack.url}/en/booking/C12345678/attachments/{secret}/", timeout=30)
    stack.stop_web()
    lines = [json.loads(line) for line in stack.web_log.read_text().splitlines() if line]
    assert any(line["message"].startswith("Starting gunicorn") for line in lines)
    (not_found,) = [line for line in lines if line["message"] == "Not Found: /en/no-such-page/"]
    assert re.fullmatch(r"[0-9a-f]{32}", not_found["request_id"])
    access = stack.access_log.read_text()
    assert f"id={not_found['request_id']}" in access
    assert "/en/open-day/ticket/[token]/?[query]" in access
    for log in (access, stack.web_log.read_text()):
        assert "s3cr3tSig" not in log and "13800138000" not in log
