"""Text-message backends for development and demos (django-sms, module ``sms``).

They write every message like django-sms's console and file backends do, but with the
recipient's number masked (``+86138****1234``): the files in ``var/sms`` and the console
output are read by developers and operators, who must not see registrants' numbers. A real
provider is plugged in through ``SMS_BACKEND`` (e.g. ``sms.backends.twilio.SmsBackend``).
"""

from __future__ import annotations

from sms.backends.console import SmsBackend as ConsoleSmsBackend
from sms.backends.filebased import SmsBackend as FileSmsBackend
from sms.message import Message


def mask_phone(phone: str) -> str:
    """``+8613812341234`` -> ``+86138****1234``: keeps the prefix a human needs to tell a
    mobile from a landline and the last four digits, hides the rest."""
    phone = (phone or "").strip()
    if len(phone) <= 4:
        return "*" * len(phone)
    if len(phone) <= 8:
        return "*" * (len(phone) - 4) + phone[-4:]
    return f"{phone[:-8]}****{phone[-4:]}"


def _masked_text(message: Message, recipient: str) -> str:
    return f"from: {message.originator}\nto: {mask_phone(recipient)}\n{message.body}\n"


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
