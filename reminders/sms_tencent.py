"""Text messages through Tencent Cloud SMS (``SendSms``, API version 2021-01-11).

Tencent Cloud sends only templates approved beforehand, with the approved signature in front:
each :class:`~reminders.sms.TextMessage` goes out as its template id (``SMS_TEMPLATES``) and
its parameters in the template's order ({1}, {2}, ...), never as free text. The settings
(``TENCENTCLOUD_SECRET_ID``, ``TENCENTCLOUD_SECRET_KEY``, ``TENCENT_SMS_SDK_APP_ID``,
``TENCENT_SMS_SIGN_NAME``, ``TENCENT_SMS_REGION``, ``TENCENT_SMS_ENDPOINT``,
``TENCENT_SMS_TIMEOUT``) come from the environment; ``manage.py check`` refuses to start
without the credentials and a template id for every text (reminders/checks.py).

Every failure raises, so the reminder worker records it on the row and retries later: an
error of the API (a wrong key, an unknown app), a recipient the provider refused (its
``SendStatusSet`` entry is not ``Ok``), a network error. The exception names the provider's
code and message with the recipient's number masked; the SDK's own exception is not chained,
since its text may quote the request.
https://cloud.tencent.com/document/product/382/55981
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from sms.backends.base import BaseSmsBackend
from sms.message import Message
from tencentcloud.common.credential import Credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models, sms_client

from portal.phones import phone_mask
from reminders.sms import TextMessage

OK = "Ok"


class TencentSmsError(Exception):
    """Tencent Cloud did not send a text: ``code`` is the provider's error code (e.g.
    ``FailedOperation.TemplateIncorrectOrUnapproved``), ``request_id`` its request id for
    the provider's support. The message never holds a recipient's number in clear."""

    def __init__(self, code: str, message: str, *, request_id: str = "") -> None:
        self.code = code or "Unknown"
        self.request_id = request_id or ""
        text = f"Tencent Cloud SMS {self.code}: {message}"
        if self.request_id:
            text += f" (request {self.request_id})"
        super().__init__(text)


def _masked(text: object, phones: list[str]) -> str:
    """``text`` with every spelling of the numbers in ``phones`` (``+8613812345678``,
    ``8613812345678``, ``13812345678``) masked."""
    text = str(text or "")
    for phone in phones:
        masked = phone_mask(phone, keep_prefix=True)
        digits = phone.lstrip("+")
        spellings = {phone, digits}
        if digits.startswith("86") and len(digits) == 13:
            spellings.add(digits[2:])
        for spelling in sorted(spellings, key=len, reverse=True):
            if len(spelling) > 4:
                text = text.replace(spelling, masked)
    return text


def _http_profile(endpoint: str, timeout: int) -> HttpProfile:
    """``sms.tencentcloudapi.com`` (https) or a URL such as ``http://127.0.0.1:8081``."""
    if "://" in endpoint:
        parts = urlsplit(endpoint)
        return HttpProfile(protocol=parts.scheme, endpoint=parts.netloc, reqTimeout=timeout)
    return HttpProfile(endpoint=endpoint, reqTimeout=timeout)


class TencentSmsBackend(BaseSmsBackend):
    """Sends each :class:`~reminders.sms.TextMessage` with one ``SendSms`` call.

    ``fail_silently`` is not honoured: a text that was not sent must never count as sent (the
    reminder worker marks a row sent when this returns)."""

    requires_templates = True
    # Checked at start-up (reminders/checks.py): none may be empty.
    required_settings = (
        "TENCENTCLOUD_SECRET_ID",
        "TENCENTCLOUD_SECRET_KEY",
        "TENCENT_SMS_SDK_APP_ID",
        "TENCENT_SMS_SIGN_NAME",
        "TENCENT_SMS_REGION",
        "TENCENT_SMS_ENDPOINT",
    )

    def __init__(self, fail_silently: bool = False, **kwargs) -> None:
        super().__init__(fail_silently=fail_silently)
        self.client: sms_client.SmsClient | None = None

    def open(self) -> bool:
        if self.client is not None:
            return False
        try:
            credential = Credential(
                settings.TENCENTCLOUD_SECRET_ID, settings.TENCENTCLOUD_SECRET_KEY
            )
        except TencentCloudSDKException as exc:
            raise ImproperlyConfigured(
                f"TENCENTCLOUD_SECRET_ID / TENCENTCLOUD_SECRET_KEY: {exc.get_message()}"
            ) from None
        profile = ClientProfile(
            httpProfile=_http_profile(settings.TENCENT_SMS_ENDPOINT, settings.TENCENT_SMS_TIMEOUT),
            # The SDK would switch to its backup host after failures; the worker retries.
            disable_region_breaker=True,
        )
        self.client = sms_client.SmsClient(credential, settings.TENCENT_SMS_REGION, profile)
        return True

    def close(self) -> None:
        self.client = None

    def send_messages(self, messages: list[Message]) -> int:
        """Send every message, one API call each; returns the number of texts sent (one per
        recipient). Raises on the first failure (``TencentSmsError``, or
        ``ImproperlyConfigured`` / ``ValueError`` for a message no template id can carry)."""
        if not messages:
            return 0
        new_connection = self.open()
        try:
            return sum(self._send(self.client, message) for message in messages)
        finally:
            if new_connection:
                self.close()

    def _send(self, client: sms_client.SmsClient, message: Message) -> int:
        if not isinstance(message, TextMessage):
            raise ValueError(
                "Tencent Cloud sends only approved templates: send a reminders.sms.TextMessage, "
                f"not {type(message).__name__}"
            )
        if not message.template_id:
            raise ImproperlyConfigured(
                f"Text template {message.template!r} has no Tencent Cloud template id "
                f"(SMS_TEMPLATE_{message.template.upper()})"
            )
        phones = list(message.recipients)
        if not phones:
            return 0
        request = models.SendSmsRequest()
        request.PhoneNumberSet = phones
        request.SmsSdkAppId = settings.TENCENT_SMS_SDK_APP_ID
        request.SignName = settings.TENCENT_SMS_SIGN_NAME
        request.TemplateId = message.template_id
        request.TemplateParamSet = list(message.param_values)
        try:
            response = client.SendSms(request)
        except TencentCloudSDKException as exc:
            # Not chained: the SDK's message may quote the request, numbers included.
            raise TencentSmsError(
                _masked(exc.get_code(), phones),
                _masked(exc.get_message(), phones),
                request_id=exc.get_request_id() or "",
            ) from None
        statuses = response.SendStatusSet or []
        if len(statuses) != len(phones):
            raise TencentSmsError(
                "UnexpectedResponse",
                f"{len(statuses)} send statuses for {len(phones)} recipients",
                request_id=response.RequestId or "",
            )
        for status in statuses:
            if status.Code != OK:
                phone = status.PhoneNumber or ""
                raise TencentSmsError(
                    status.Code,
                    _masked(
                        f"{status.Message} (to {phone_mask(phone, keep_prefix=True)})",
                        phones + [phone],
                    ),
                    request_id=response.RequestId or "",
                )
        return len(statuses)
