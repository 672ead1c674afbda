"""E-mails composed elsewhere, stored as JSON in a ``Letter`` and composed again to send."""

from __future__ import annotations

import base64
from email import message_from_bytes
from email.mime.base import MIMEBase

from django.core.mail import EmailMessage, EmailMultiAlternatives


def letter_fields(message: EmailMessage) -> dict:
    """What ``letter_message`` needs to compose ``message`` again, as JSON."""
    attachments = []
    for attachment in message.attachments:
        if isinstance(attachment, MIMEBase):
            data = base64.b64encode(attachment.as_bytes()).decode()
            attachments.append({"mime": data})
            continue
        filename, content, mimetype = attachment
        if isinstance(content, bytes):
            attachments.append(
                {"name": filename, "base64": base64.b64encode(content).decode(), "type": mimetype}
            )
        else:
            attachments.append({"name": filename, "text": content, "type": mimetype})
    return {
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "subject": str(message.subject),
        "body": str(message.body),
        "content_subtype": message.content_subtype,
        "alternatives": [
            [str(content), mimetype] for content, mimetype in getattr(message, "alternatives", [])
        ],
        "attachments": attachments,
        "headers": {str(k): str(v) for k, v in message.extra_headers.items()},
    }


def letter_message(fields: dict) -> EmailMultiAlternatives:
    """The message stored by ``letter_fields``."""
    message = EmailMultiAlternatives(
        subject=fields["subject"],
        body=fields["body"],
        from_email=fields["from_email"],
        to=fields["to"],
        cc=fields["cc"],
        bcc=fields["bcc"],
        reply_to=fields["reply_to"],
        headers=dict(fields["headers"]),
    )
    message.content_subtype = fields.get("content_subtype", "plain")
    for content, mimetype in fields["alternatives"]:
        message.attach_alternative(content, mimetype)
    for attachment in fields["attachments"]:
        if "mime" in attachment:
            message.attach(_mime_part(base64.b64decode(attachment["mime"])))
        elif "base64" in attachment:
            message.attach(
                attachment["name"], base64.b64decode(attachment["base64"]), attachment["type"]
            )
        else:
            message.attach(attachment["name"], attachment["text"], attachment["type"])
    return message


def _mime_part(data: bytes) -> MIMEBase:
    """A MIME part stored as bytes, as the ``MIMEBase`` Django attaches."""
    parsed = message_from_bytes(data)
    part = MIMEBase(parsed.get_content_maintype(), parsed.get_content_subtype())
    for name in list(part.keys()):
        del part[name]
    for name, value in parsed.items():
        part[name] = value
    part.set_payload(parsed.get_payload())
    return part
