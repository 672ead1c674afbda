"""One error body for every refusal of the API: ``{"error": {"code": ..., "message": ...}}``.

Codes are the domain errors' (``portal.errors.DomainError.code``: ``not_found``,
``invalid_cursor``, ``busy``, ...), ``invalid`` for a request that does not match the
OpenAPI document (with ``details``: where and what), ``rate_limited`` for 429. Messages are
for people, in the language of the request.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from portal.errors import DomainError

# The HTTP status of a domain error's code; any other code is a 400.
STATUS_OF_CODE = {
    "not_found": 404,
    "rate_limited": 429,
    "busy": 503,
    # Staff routes (api.exceptions): no usable token, then no right to this.
    "unauthenticated": 401,
    "invalid_token": 401,
    "token_revoked": 401,
    "token_expired": 401,
    "scope_missing": 403,
    "forbidden": 403,
}


class ErrorDetail(Schema):
    loc: list[str]
    message: str


class ErrorBody(Schema):
    code: str
    message: str
    details: list[ErrorDetail] | None = None


class ErrorOut(Schema):
    error: ErrorBody


class NotFound(DomainError):
    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or _("Nothing was found at this address."), code="not_found")


def error_response(
    api: NinjaAPI,
    request: HttpRequest,
    *,
    status: int,
    code: str,
    message: str,
    details: list[dict[str, Any]] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    response = api.create_response(request, {"error": body}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def _domain_error(request: HttpRequest, exc: DomainError, *, api: NinjaAPI) -> HttpResponse:
    status = STATUS_OF_CODE.get(exc.code, 400)
    return error_response(api, request, status=status, code=exc.code, message=exc.message)


def _not_found(request: HttpRequest, exc: Exception, *, api: NinjaAPI) -> HttpResponse:
    return error_response(
        api,
        request,
        status=404,
        code="not_found",
        message=_("Nothing was found at this address."),
    )


def _invalid(request: HttpRequest, exc: ValidationError, *, api: NinjaAPI) -> HttpResponse:
    details = [
        {
            "loc": [str(part) for part in error.get("loc", ())],
            "message": str(error.get("msg", "")),
        }
        for error in exc.errors
    ]
    return error_response(
        api,
        request,
        status=422,
        code="invalid",
        message=_("Some parameters of the request are not valid: see the details."),
        details=details,
    )


def throttled_response(request: HttpRequest, exc: Throttled, *, api: NinjaAPI) -> HttpResponse:
    response = error_response(
        api,
        request,
        status=429,
        code="rate_limited",
        message=_("Too many requests in a short time. Please wait a minute and try again."),
    )
    if exc.wait:
        response["Retry-After"] = str(int(exc.wait))
    return response


def _unauthenticated(
    request: HttpRequest, exc: AuthenticationError, *, api: NinjaAPI
) -> HttpResponse:
    """No ``Authorization: Bearer`` header (a wrong token is an ``ApiTokenError``)."""
    return error_response(
        api,
        request,
        status=401,
        code="unauthenticated",
        message=_("Send an API token: Authorization: Bearer <token>."),
    )


def _http_error(request: HttpRequest, exc: HttpError, *, api: NinjaAPI) -> HttpResponse:
    return error_response(
        api, request, status=exc.status_code, code="error", message=_("The request failed.")
    )


def error_handlers_install(api: NinjaAPI) -> None:
    """Answer every refusal with the one error body (replacing ninja's ``detail``)."""
    api.add_exception_handler(DomainError, partial(_domain_error, api=api))
    api.add_exception_handler(Http404, partial(_not_found, api=api))
    api.add_exception_handler(ValidationError, partial(_invalid, api=api))
    api.add_exception_handler(Throttled, partial(throttled_response, api=api))
    api.add_exception_handler(HttpError, partial(_http_error, api=api))
    api.add_exception_handler(AuthenticationError, partial(_unauthenticated, api=api))


# Status codes every operation may answer besides 200, documented in the OpenAPI document.
ERROR_RESPONSES: dict[int, type[Schema]] = {
    400: ErrorOut,
    404: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}
# And those of the staff routes, which need a token.
STAFF_ERROR_RESPONSES: dict[int, type[Schema]] = {
    **ERROR_RESPONSES,
    401: ErrorOut,
    403: ErrorOut,
}
