"""Log lines as plain text (the default) or, with ``LOG_FORMAT=json``, one JSON object per
line for a log collector: ``timestamp``, ``level``, ``logger``, ``message``, and when they
exist ``request_id``, ``task_id`` / ``task_name`` and ``exception`` (the traceback).

Only those fields are written. Other attributes a caller attaches to a record are left
out on purpose: Django attaches the whole request to its 4xx/5xx records (``extra=
{"request": ...}``), and a JSON formatter that wrote every extra would put the query
string, and whatever else a request carries, into the logs. The portal logs no personal
data; this keeps the JSON output from adding any.

The request id is the reverse proxy's ``X-Request-ID`` (nginx's ``$request_id``, see
``deploy/nginx/portal.conf``, which also writes it to its access log), or a new one when
the portal is reached without that proxy.

This module is imported by ``portal/gunicorn_production.py`` before Django is set up: it
imports nothing from Django at module level.
"""

from __future__ import annotations

import logging
import os
import re
import uuid
from contextvars import ContextVar

from celery import current_task
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

LOG_FORMATS = ("plain", "json")

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
# What a proxy may hand over as a request id: nginx's $request_id is 32 hex digits.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def log_format() -> str:
    """``LOG_FORMAT`` from the environment: ``plain`` (default) or ``json``."""
    value = (os.environ.get("LOG_FORMAT") or "plain").strip().lower()
    if value not in LOG_FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {value!r}")
    return value


def current_request_id() -> str | None:
    return _request_id.get()


def forget_request_id(**kwargs) -> None:
    """``request_finished`` receiver: log records after the response are no longer the
    request's. (Django logs a 4xx answer after the middleware returned, so the middleware
    itself cannot forget the id.)"""
    _request_id.set(None)


class RequestIdMiddleware:
    """Remembers the request id for the log records written while the request is handled."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        supplied = request.META.get("HTTP_X_REQUEST_ID", "")
        _request_id.set(supplied if _REQUEST_ID.fullmatch(supplied) else uuid.uuid4().hex)
        return self.get_response(request)


class ContextFilter(logging.Filter):
    """Adds the request id, and the Celery task's id and name, to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        task = current_task._get_current_object()
        record.task_id = task.request.id if task is not None else None
        record.task_name = task.name if task is not None else None
        return True


# Secrets and personal data that URLs carry, as Django ("Not Found: <path>") or a library
# may log them: the ticket-management token, an attachment's token, django-allauth's
# confirmation and password-reset keys, and every query string (the check-in search terms,
# a form sent by GET).
_URL_SECRETS = (
    (re.compile(r"(/ticket/)[^/\s\"'?]+"), r"\1[token]"),
    (re.compile(r"(/attachments/)[^/\s\"'?]+"), r"\1[token]"),
    (re.compile(r"(/confirm-email/)[^/\s\"'?]+"), r"\1[key]"),
    (re.compile(r"(/password/reset/key/)[^/\s\"'?]+"), r"\1[key]"),
    (re.compile(r"(/[^\s\"'?]*)\?[^\s\"']*"), r"\1?[query]"),
)


def url_secrets_redact(text: str) -> str:
    """``text`` with the secrets of the URLs in it replaced (``_URL_SECRETS``)."""
    if "/" not in text:
        return text
    for pattern, replacement in _URL_SECRETS:
        text = pattern.sub(replacement, text)
    return text


# Personal data an exception's text may carry although no log call passes it: a database
# error's DETAIL ("Key (session_id, phone)=(3, +8613812345678) already exists"), a
# validation error quoting the input. Mobile numbers (with or without +86 and separators)
# and e-mail addresses are replaced wherever they appear in a line or its traceback.
_PERSONAL_DATA = (
    (re.compile(r"(?<![\d.])(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?!\d)"), "[phone]"),
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[e-mail]"),
)


def personal_data_redact(text: str) -> str:
    """``text`` with mobile numbers and e-mail addresses replaced (``_PERSONAL_DATA``)."""
    for pattern, replacement in _PERSONAL_DATA:
        text = pattern.sub(replacement, text)
    return text


def log_text_redact(text: str) -> str:
    return personal_data_redact(url_secrets_redact(text))


class RedactFilter(logging.Filter):
    """Writes every record's message, traceback and stack with the secrets of its URLs and
    any phone number or e-mail address redacted: each is formatted once here, so no
    argument (or exception object) can bring them back."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = log_text_redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and record.exc_info[0] is not None:
            # Formatters print ``exc_text`` when ``exc_info`` is gone (the JSON one too).
            record.exc_text = log_text_redact(self._formatter.formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = log_text_redact(record.exc_text)
        if record.stack_info:
            record.stack_info = log_text_redact(record.stack_info)
        return True


class JsonFormatter(_JsonFormatter):
    """One JSON object per record, with the fields of the module docstring only."""

    FIELDS = (
        "timestamp",
        "level",
        "logger",
        "message",
        "request_id",
        "task_id",
        "task_name",
        "exception",
        "stack_info",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(
            "%(levelname)s %(name)s %(message)s %(request_id)s %(task_id)s %(task_name)s",
            rename_fields={"levelname": "level", "name": "logger", "exc_info": "exception"},
            timestamp=True,
            json_ensure_ascii=False,
        )

    def process_log_record(self, log_data: dict) -> dict:
        return {
            field: log_data[field] for field in self.FIELDS if log_data.get(field) not in (None, "")
        }


def gunicorn_logconfig_dict() -> dict:
    """gunicorn's own log lines (start, worker boot and timeouts) as JSON too, for
    ``logconfig_dict`` in ``portal/gunicorn_production.py``. Its access log stays off, as
    with plain text: the proxy keeps one, and it would hold client addresses."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "filters": {"redact": {"()": RedactFilter}},
        "handlers": {
            "error_console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "filters": ["redact"],
                "stream": "ext://sys.stderr",
            },
        },
        "root": {"level": "INFO", "handlers": ["error_console"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
            "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
        },
    }
