"""The outbox e-mail backend: Django's mail API writes rows, a worker sends them.

``EMAIL_BACKEND`` is ``OutboxEmailBackend``: whatever sends e-mail through Django
(django-allauth's account e-mails, Wagtail's review notices, ``mail_admins``, the portal's
own notices) stores each message as a ``Letter`` with its ``Reminder`` row, in the caller's
transaction, and hands the row to the mail queue once that commits. The worker then sends
it through ``EMAIL_DELIVERY_BACKEND`` (SMTP in production) with the claim, retry and
Message-ID rules of every other row. A broker that is down costs time, never the message:
the sweep hands the row over once the broker is back. A message of a change that is rolled
back is never sent.
"""

from __future__ import annotations

import logging

from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction

from reminders.letters import letter_fields
from reminders.services import letters_write

logger = logging.getLogger(__name__)


class OutboxEmailBackend(BaseEmailBackend):
    """Stores messages in the outbox instead of sending them (see the module)."""

    def send_messages(self, email_messages) -> int:
        messages = [message for message in email_messages if message.recipients()]
        if not messages:
            return 0
        try:
            # A savepoint: a failure leaves the caller's transaction usable.
            with transaction.atomic():
                letters_write(fields=[letter_fields(message) for message in messages])
        except Exception:
            if not self.fail_silently:
                raise
            # mail_admins() from the error log passes fail_silently: the error being
            # reported may be the database itself. Never the message's text or addresses.
            logger.warning("Could not write %d e-mail(s) to the outbox", len(messages))
            return 0
        return len(messages)
