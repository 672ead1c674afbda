"""A local stand-in for Tencent Cloud SMS's API (``SendSms``, version 2021-01-11) over HTTP.

A real HTTP server on 127.0.0.1 that answers as the API does
(https://cloud.tencent.com/document/api/382/55981, error codes 382/59177), so the backend is
tested through the SDK as it is, without mocking it:

- every request is authenticated by its TC3-HMAC-SHA256 signature, computed here from the
  documented algorithm (canonical request, string to sign, key derived from the date, the
  service and "tc3_request") with the secret key the fake was given: an unknown key id,
  a stale timestamp or a signature that does not match is answered with ``Response.Error``
  (``AuthFailure.*``), HTTP 200, as Tencent Cloud does;
- the action, the version, the app id and the numbers of the request are checked
  (``Response.Error`` again);
- each number gets an entry of ``SendStatusSet``: ``Ok``, or the code Tencent Cloud gives
  for a signature that is not the approved one, a template that is not approved, a template
  given the wrong number of parameters, a verification-code template given a parameter that
  is not 0-6 digits, a malformed number.

``sent`` records each text accepted (number, template id, parameters, signature, app id),
``requests`` every authenticated request.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import hmac
import json
import re
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ALGORITHM = "TC3-HMAC-SHA256"
SERVICE = "sms"
VERSION = "2021-01-11"
SIGNATURE_MAX_AGE = 300  # seconds, as documented
_AUTHORIZATION_RE = re.compile(
    r"^TC3-HMAC-SHA256 Credential=(?P<secret_id>[^/]+)/(?P<date>\d{4}-\d{2}-\d{2})/"
    r"(?P<service>[^/]+)/tc3_request, SignedHeaders=(?P<signed>[a-z0-9;-]+), "
    r"Signature=(?P<signature>[0-9a-f]{64})$"
)
_PHONE_RE = re.compile(r"^\+[1-9]\d{6,14}$")
_MAX_NUMBERS = 200


@dataclasses.dataclass(frozen=True)
class FakeTemplate:
    """An approved template: how many parameters it numbers ({1}..{n}); a verification-code
    template takes only parameters of 0-6 digits."""

    params: int
    verification: bool = False


@dataclasses.dataclass(frozen=True)
class SentText:
    phone: str
    template_id: str
    params: list[str]
    sign_name: str
    sdk_app_id: str


def tc3_signature(
    *,
    secret_key: str,
    method: str,
    path: str,
    query: str,
    headers: dict[str, str],
    signed_headers: list[str],
    payload: bytes,
    timestamp: int,
    date: str,
    service: str,
) -> str:
    """The TC3-HMAC-SHA256 signature of a request, written from the documented algorithm."""
    canonical_headers = "".join(
        f"{name}:{headers.get(name, '').strip().lower()}\n" for name in signed_headers
    )
    canonical_request = "\n".join(
        [
            method,
            path,
            query,
            canonical_headers,
            ";".join(signed_headers),
            hashlib.sha256(payload).hexdigest(),
        ]
    )
    string_to_sign = "\n".join(
        [
            ALGORITHM,
            str(timestamp),
            f"{date}/{service}/tc3_request",
            hashlib.sha256(canonical_request.encode()).hexdigest(),
        ]
    )

    def _hmac(key: bytes, message: str) -> bytes:
        return hmac.new(key, message.encode(), hashlib.sha256).digest()

    secret_date = _hmac(f"TC3{secret_key}".encode(), date)
    secret_service = _hmac(secret_date, service)
    secret_signing = _hmac(secret_service, "tc3_request")
    return hmac.new(secret_signing, string_to_sign.encode(), hashlib.sha256).hexdigest()


class FakeTencentSms:
    """The fake API, serving on ``url`` between ``start()`` and ``stop()``."""

    def __init__(
        self,
        *,
        secret_id: str,
        secret_key: str,
        sdk_app_id: str,
        sign_name: str,
        templates: dict[str, FakeTemplate],
        regions: tuple[str, ...] = ("ap-guangzhou", "ap-beijing", "ap-nanjing"),
    ) -> None:
        self.secret_id = secret_id
        self.secret_key = secret_key
        self.sdk_app_id = sdk_app_id
        self.sign_name = sign_name
        self.templates = templates
        self.regions = regions
        self.sent: list[SentText] = []
        self.requests: list[dict] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- Life cycle -------------------------------------------------------------------------

    def start(self) -> FakeTencentSms:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                answer = fake.handle(
                    method="POST",
                    path=self.path,
                    headers={name.lower(): value for name, value in self.headers.items()},
                    body=body,
                )
                data = json.dumps({"Response": answer}, ensure_ascii=False).encode()
                self.send_response(200)
                # Exactly this type: the SDK reads Response.Error only from it.
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args) -> None:  # noqa: A002 - base signature
                """No access log on the test's output (requests are recorded instead)."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = self._thread = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def reset(self) -> None:
        with self._lock:
            self.sent.clear()
            self.requests.clear()

    # --- The API ----------------------------------------------------------------------------

    def handle(self, *, method: str, path: str, headers: dict[str, str], body: bytes) -> dict:
        """The ``Response`` object for one request."""
        request_id = str(uuid.uuid4())

        def error(code: str, message: str) -> dict:
            return {"Error": {"Code": code, "Message": message}, "RequestId": request_id}

        refused = self._authenticate(method=method, path=path, headers=headers, body=body)
        if refused:
            return error(*refused)
        if headers.get("x-tc-action") != "SendSms":
            return error("InvalidAction", f"`{headers.get('x-tc-action')}` is not found.")
        if headers.get("x-tc-version") != VERSION:
            return error("NoSuchVersion", "The requested version does not exist.")
        if headers.get("x-tc-region") not in self.regions:
            return error("UnsupportedRegion", "The region is not supported.")
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            return error("InvalidParameter", "The request body is not JSON.")
        with self._lock:
            self.requests.append({"headers": headers, "body": params})
        if str(params.get("SmsSdkAppId") or "") != self.sdk_app_id:
            return error("InvalidParameterValue.SdkAppIdNotExist", "SdkAppId does not exist.")
        phones = params.get("PhoneNumberSet") or []
        if not phones:
            return error("MissingParameter.EmptyPhoneNumberSet", "The number set is empty.")
        if len(phones) > _MAX_NUMBERS:
            return error(
                "LimitExceeded.PhoneNumberCountLimit", "More than 200 numbers in one request."
            )
        template_id = str(params.get("TemplateId") or "")
        values = [str(value) for value in params.get("TemplateParamSet") or []]
        sign_name = str(params.get("SignName") or "")
        failure = self._refusal(template_id=template_id, values=values, sign_name=sign_name)
        statuses = []
        for phone in phones:
            code, message = failure or ("Ok", "send success")
            if failure is None and not _PHONE_RE.match(str(phone)):
                code, message = "InvalidParameterValue.IncorrectPhoneNumber", "incorrect number"
            ok = code == "Ok"
            statuses.append(
                {
                    "SerialNo": f"2433:{uuid.uuid4().int % 10**28}" if ok else "",
                    "PhoneNumber": str(phone),
                    "Fee": 1 if ok else 0,
                    "SessionContext": str(params.get("SessionContext") or ""),
                    "Code": code,
                    "Message": message,
                    "IsoCode": ("CN" if str(phone).startswith("+86") else "DEF") if ok else "",
                }
            )
            if ok:
                with self._lock:
                    self.sent.append(
                        SentText(
                            phone=str(phone),
                            template_id=template_id,
                            params=values,
                            sign_name=sign_name,
                            sdk_app_id=str(params["SmsSdkAppId"]),
                        )
                    )
        return {"SendStatusSet": statuses, "RequestId": request_id}

    def _authenticate(
        self, *, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[str, str] | None:
        """(code, message) of the refusal, or None when the signature is right."""
        match = _AUTHORIZATION_RE.match(headers.get("authorization", ""))
        if match is None:
            return "AuthFailure.InvalidAuthorization", "Authorization is invalid."
        if match["secret_id"] != self.secret_id:
            return (
                "AuthFailure.SecretIdNotFound",
                "The SecretId is not found, please ensure that your SecretId is correct.",
            )
        try:
            timestamp = int(headers.get("x-tc-timestamp", ""))
        except ValueError:
            return "AuthFailure.InvalidAuthorization", "X-TC-Timestamp is invalid."
        if abs(time.time() - timestamp) > SIGNATURE_MAX_AGE:
            return "AuthFailure.SignatureExpire", "The signature has expired."
        signed = match["signed"].split(";")
        day = datetime.datetime.fromtimestamp(timestamp, datetime.UTC).strftime("%Y-%m-%d")
        expected = tc3_signature(
            secret_key=self.secret_key,
            method=method,
            path=path.split("?", 1)[0],
            query=path.split("?", 1)[1] if "?" in path else "",
            headers=headers,
            signed_headers=signed,
            payload=body,
            timestamp=timestamp,
            date=match["date"],
            service=match["service"],
        )
        if (
            match["date"] != day
            or match["service"] != SERVICE
            or not {"content-type", "host"} <= set(signed)
            or not hmac.compare_digest(expected, match["signature"])
        ):
            return (
                "AuthFailure.SignatureFailure",
                "The provided credentials could not be validated. "
                "Please check your signature is correct.",
            )
        return None

    def _refusal(
        self, *, template_id: str, values: list[str], sign_name: str
    ) -> tuple[str, str] | None:
        """Why every number of the request is refused, or None."""
        if sign_name != self.sign_name:
            return (
                "FailedOperation.SignatureIncorrectOrUnapproved",
                "signature is not approved or signature format is incorrect",
            )
        template = self.templates.get(template_id)
        if template is None or len(values) != template.params:
            return (
                "FailedOperation.TemplateIncorrectOrUnapproved",
                "template is not approved or request content does not match the approved "
                "template content",
            )
        if template.verification and not all(re.fullmatch(r"\d{0,6}", v) for v in values):
            return (
                "InvalidParameterValue.TemplateParameterFormatError",
                "verification code template parameter format error",
            )
        return None
