"""Text messages: provider templates with parameters, and the backends for development.

Chinese providers (Tencent Cloud, Aliyun) deliver only templates approved beforehand, each
with the sender's signature and numbered parameters; free text is refused. So every text the
portal sends is a :class:`TextMessage`: a template key from :data:`TEMPLATES`, the values of
its parameters, and the text the same template gives in the recipient's language (rendered
from ``templates/sms/<key>.txt`` with the parameters only, so it is exactly what was filed
with the provider). A provider backend sends the template id (``SMS_TEMPLATES``) and the
parameters in order; the development backends below write the text.

The development backends write every message like django-sms's console and file backends
do, but with the recipient's number masked (``+86138****1234``): the files in ``var/sms``
and the console output are read by developers and operators, who must not see registrants'
numbers. ``MaskedDemoBackend`` (the default) writes both, so a verification code shows in
the console of ``make run`` and in ``var/sms``.
"""

from __future__ import annotations

import dataclasses

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.template.loader import render_to_string
from django.utils import translation
from sms.backends.base import BaseSmsBackend
from sms.backends.console import SmsBackend as ConsoleSmsBackend
from sms.backends.filebased import SmsBackend as FileSmsBackend
from sms.message import Message

from portal.phones import phone_mask


@dataclasses.dataclass(frozen=True)
class TextTemplate:
    """One text the portal sends: its key (``templates/sms/<key>.txt``, the
    ``SMS_TEMPLATE_<KEY>`` setting) and its parameters in the order the provider's template
    numbers them ({1}, {2}, ... at Tencent Cloud; by name at Aliyun)."""

    key: str
    params: tuple[str, ...]


# Every text the portal sends, added by the app that sends it: each kind of appointment
# when its reminder target is registered (``ReminderTarget.text_templates``), the phone
# verification code by ``verification`` in its ``AppConfig.ready()``.
TEMPLATES: dict[str, TextTemplate] = {}


def text_template_register(template: TextTemplate) -> None:
    """Add a text the portal sends to :data:`TEMPLATES`; the same key with other parameters
    is an error (the provider's template numbers them)."""
    existing = TEMPLATES.get(template.key)
    if existing is not None and existing != template:
        raise ImproperlyConfigured(f"text template {template.key!r} is already {existing}")
    TEMPLATES[template.key] = template


def template_id(key: str, language: str) -> str:
    """The provider's id of template ``key`` in ``language`` (``SMS_TEMPLATES``): the
    English one for English, else the Chinese one; empty when none is configured."""
    ids = settings.SMS_TEMPLATES.get(key) or {}
    if language.startswith("en") and ids.get("en"):
        return ids["en"]
    return ids.get("zh-hans", "")


class TextMessage(Message):
    """A text message from template ``template`` (a key of :data:`TEMPLATES`) with
    ``params`` (every parameter it names, as text) in ``language``.

    ``body`` is the text (for the development backends and the providers' review);
    ``template_id`` and ``param_values`` (in the template's order) are what a provider
    backend sends."""

    def __init__(
        self,
        *,
        template: str,
        params: dict[str, object],
        language: str,
        recipients: list[str],
        connection: BaseSmsBackend | None = None,
    ) -> None:
        spec = TEMPLATES[template]
        missing = set(spec.params) - set(params)
        extra = set(params) - set(spec.params)
        if missing or extra:
            raise ValueError(
                f"text template {template!r} takes {spec.params}, "
                f"missing {sorted(missing)}, unknown {sorted(extra)}"
            )
        self.template = template
        self.language = language
        self.params = {name: str(params[name]) for name in spec.params}
        self.param_values = [self.params[name] for name in spec.params]
        self.template_id = template_id(template, language)
        with translation.override(language):
            body = " ".join(render_to_string(f"sms/{template}.txt", self.params).split())
        super().__init__(body, recipients=recipients, connection=connection)


def _masked_text(message: Message, recipient: str) -> str:
    template = getattr(message, "template", "")
    header = f"from: {message.originator}\nto: {phone_mask(recipient, keep_prefix=True)}\n"
    if template:
        header += f"template: {template} {getattr(message, 'template_id', '')}".rstrip() + "\n"
    return f"{header}{message.body}\n"


class MaskedConsoleBackend(ConsoleSmsBackend):
    """Writes messages to the console (stdout), recipients masked."""

    def write_message(self, message: Message) -> int:
        for recipient in message.recipients:
            self.stream.write(_masked_text(message, recipient))
            self.stream.write("-" * 79)
            self.stream.write("\n")
        return len(message.recipients)


class MaskedFileBackend(FileSmsBackend):
    """Writes one file per connection (one per batch of reminders, one per message
    otherwise) to ``SMS_FILE_PATH``, recipients masked."""

    def write_message(self, message: Message) -> int:
        for recipient in message.recipients:
            self.stream.write(_masked_text(message, recipient).encode())
            self.stream.write(b"-" * 79)
            self.stream.write(b"\n")
        return len(message.recipients)


class MaskedDemoBackend(BaseSmsBackend):
    """The embedded default: every message goes to ``SMS_FILE_PATH`` and to the console,
    recipients masked, so the demo works without a provider."""

    def __init__(self, fail_silently: bool = False, **kwargs) -> None:
        super().__init__(fail_silently=fail_silently)
        self._file = MaskedFileBackend(fail_silently=fail_silently, **kwargs)
        self._console = MaskedConsoleBackend(fail_silently=fail_silently)

    def open(self):
        return self._file.open()

    def close(self) -> None:
        self._file.close()

    def send_messages(self, messages: list[Message]) -> int:
        sent = self._file.send_messages(messages)
        self._console.send_messages(messages)
        return sent
