"""``LOG_FORMAT=json``: one JSON object per log line with the timestamp, level, logger,
message, request id and exception, and nothing else a record carries (Django attaches the
whole request to its 4xx/5xx records). Plain text stays the default."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from portal.logs import ContextFilter, JsonFormatter

ROOT = Path(__file__).resolve().parent.parent
PHONE = "13800138000"


@pytest.fixture
def json_lines():
    """Every record that reaches the root logger, formatted by the portal's JSON formatter;
    calling it returns the lines parsed."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    # A test that ran before in this process may have configured logging again: a Celery
    # test worker sets the root level to ERROR, a dictConfig disables the loggers it does not
    # name. Undo both for the loggers used here.
    level = root.level
    root.setLevel(logging.INFO)
    loggers = [logging.getLogger(name) for name in ("portal.example", "django.request")]
    disabled = [logger.disabled for logger in loggers]
    for logger in loggers:
        logger.disabled = False
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(level)
    for logger, was in zip(loggers, disabled, strict=True):
        logger.disabled = was


def test_plain_text_is_the_default(settings):
    assert settings.LOG_FORMAT == "plain"
    assert settings.LOGGING["handlers"]["console"]["formatter"] == "plain"


def test_json_line_has_timestamp_level_logger_message_and_exception(json_lines):
    logger = logging.getLogger("portal.example")
    try:
        raise ValueError("the report template is missing")
    except ValueError:
        logger.exception("report %s failed", 7)

    (line,) = json_lines()
    assert set(line) == {"timestamp", "level", "logger", "message", "exception"}
    assert datetime.fromisoformat(line["timestamp"]).utcoffset().total_seconds() == 0
    assert line["level"] == "ERROR"
    assert line["logger"] == "portal.example"
    assert line["message"] == "report 7 failed"
    assert line["exception"].startswith("Traceback (most recent call last):")
    assert line["exception"].endswith("ValueError: the report template is missing")


def test_json_line_leaves_out_what_callers_attach_to_the_record(json_lines):
    logging.getLogger("portal.example").warning(
        "registration refused", extra={"phone": PHONE, "visitor": {"name": "王小明"}}
    )

    (line,) = json_lines()
    assert line["message"] == "registration refused"
    assert PHONE not in json.dumps(line)
    assert "王小明" not in json.dumps(line, ensure_ascii=False)


def test_djangos_not_found_record_carries_the_request_id_and_not_the_request(
    client, db, json_lines
):
    # Django logs "Not Found: <path>" with the request attached as an extra; the query
    # string (here a phone number) must not reach the log through it.
    response = client.get(f"/en/nowhere-at-all/?phone={PHONE}", HTTP_X_REQUEST_ID="4f1c0a9e77d2")

    assert response.status_code == 404
    (line,) = [line for line in json_lines() if line["logger"] == "django.request"]
    assert line["message"] == "Not Found: /en/nowhere-at-all/"
    assert line["request_id"] == "4f1c0a9e77d2"
    assert line["level"] == "WARNING"
    assert PHONE not in json.dumps(line)


def test_request_without_a_usable_request_id_gets_one_of_its_own(client, db, json_lines):
    client.get("/en/nowhere-at-all/", HTTP_X_REQUEST_ID="not an id; rm -rf /")
    client.get("/en/nowhere-at-all/")
    logging.getLogger("portal.example").warning("after the requests")

    lines = json_lines()
    ids = [line["request_id"] for line in lines if line["logger"] == "django.request"]
    assert len(ids) == 2
    assert all(len(request_id) == 32 for request_id in ids)
    assert ids[0] != ids[1]
    # After the response, records are no longer the request's.
    assert "request_id" not in lines[-1]


def test_task_records_carry_the_task_id_and_name(json_lines):
    from celery import shared_task

    @shared_task(name="tests.test_logs.logging_task")
    def logging_task() -> None:
        logging.getLogger("portal.example").info("inside the task")

    logging.getLogger().setLevel(logging.INFO)
    logging_task.apply_async(task_id="5b8e0e4c-task")

    (line,) = [line for line in json_lines() if line["message"] == "inside the task"]
    assert line["task_id"] == "5b8e0e4c-task"
    assert line["task_name"] == "tests.test_logs.logging_task"


def test_log_format_json_switches_the_configured_handler(tmp_path):
    """The real settings with LOG_FORMAT=json, in a process of its own: every line it
    writes on the console is one JSON object."""
    env = {**os.environ, "LOG_FORMAT": "json", "DJANGO_SETTINGS_MODULE": "portal.settings"}
    env.pop("DATABASE_URL", None)
    env["PORTAL_VAR_DIR"] = str(tmp_path)
    script = (
        "import django, logging, warnings\n"
        "django.setup()\n"
        "logging.getLogger('portal.example').warning('mail queue is %s', 'slow')\n"
        "warnings.warn('a library warning')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert lines[0]["message"] == "mail queue is slow"
    assert lines[0]["logger"] == "portal.example"
    assert lines[1]["logger"] == "py.warnings"
    assert "a library warning" in lines[1]["message"]


def test_unknown_log_format_is_refused(tmp_path):
    env = {**os.environ, "LOG_FORMAT": "xml", "PORTAL_VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", "import portal.settings"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "LOG_FORMAT must be one of plain, json, not 'xml'" in result.stderr


@pytest.mark.parametrize("log_format", ["plain", "json"])
def test_tokens_keys_and_query_strings_of_urls_never_reach_a_log_line(client, db, log_format):
    """The handler the settings configure (plain or JSON) writes a ticket's management
    token, an attachment's token, an account key or a search term as a placeholder, from
    Django's own "Not Found" lines as from any other."""
    from django.conf import settings

    from portal.logs import RedactFilter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        JsonFormatter() if log_format == "json" else logging.Formatter("%(message)s")
    )
    for spec in settings.LOGGING["handlers"]["console"]["filters"]:
        filter_class = {"context": ContextFilter, "redact": RedactFilter}[spec]
        handler.addFilter(filter_class())
    root = logging.getLogger()
    root.addHandler(handler)
    token = "WyJBQkNEMTIzNCJd:1tXyZq:s3cr3t-Sig_n4ture"
    try:
        client.get(f"/en/open-day/ticket/{token}/calendar.ics")
        client.get(f"/en/booking/C12345678/attachments/{token}/")
        logging.getLogger("portal.example").warning(
            "slow: %s and %s",
            "/zh-hans/open-day/checkin/3/?q=王小明&phone=13800138000",
            f"/en/accounts/confirm-email/{token}/",
        )
    finally:
        root.removeHandler(handler)
    written = stream.getvalue()
    assert "[token]" in written and "?[query]" in written and "[key]" in written
    for secret in (token, "s3cr3t", "王小明", "13800138000"):
        assert secret not in written


@pytest.mark.parametrize("log_format", ["plain", "json"])
def test_phone_numbers_and_e_mail_addresses_in_an_exception_never_reach_a_log_line(db, log_format):
    """A database error's DETAIL quotes the row it refused; a message may quote an input.
    The console handler's filters replace the numbers and addresses in the message and in
    the traceback, whatever the format, and keep the rest of the traceback."""
    from django.conf import settings

    from portal.logs import RedactFilter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        JsonFormatter() if log_format == "json" else logging.Formatter("%(message)s")
    )
    for spec in settings.LOGGING["handlers"]["console"]["filters"]:
        handler.addFilter({"context": ContextFilter, "redact": RedactFilter}[spec]())
    logger = logging.getLogger("portal.example")
    logger.addHandler(handler)
    try:
        try:
            raise ValueError(
                "Key (session_id, phone)=(3, +8613812345678) already exists; "
                "contact wang.xm@example.com or 138 1234 5679"
            )
        except ValueError:
            logger.exception("could not save for %s", "+86 139-1234-5670")
    finally:
        logger.removeHandler(handler)
    written = stream.getvalue()
    for secret in ("13812345678", "wang.xm@example.com", "1234 5679", "1234-5670"):
        assert secret not in written
    assert written.count("[phone]") == 3 and "[e-mail]" in written
    assert "ValueError" in written and "Traceback" in written
    # Numbers that are not mobile numbers stay: an id, a year, a ticket count.
    assert "session_id, phone)=(3," in written
