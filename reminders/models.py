"""Planned messages: reminders before an appointment and notices of a change.

Every message the portal plans to send later is a row here, never only a task in the
broker. A sweep picks up what is due and a worker claims each row with a conditional
``UPDATE ... WHERE state = 'pending'``, so two workers, two beat schedulers or a retried
task can never send the same row twice, and a broker restart loses nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from reminders.targets import target_of


class Broadcast(models.Model):
    """A notice to every registrant of a session that changed or was cancelled.

    Its reminder rows are planned in batches by tasks; progress is the share of the
    session's registrations planned and then sent.
    """

    class Kind(models.TextChoices):
        CHANGED = "changed", _("Session time changed")
        CANCELLED = "cancelled", _("Session cancelled")

    class State(models.TextChoices):
        PLANNING = "planning", _("Planning")
        SENDING = "sending", _("Sending")
        DONE = "done", _("Done")

    session = models.ForeignKey(
        "events.Session",
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="broadcasts",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.PLANNING
    )
    # Registrations to notify (fixed when the broadcast starts) and the highest
    # registration id planned so far: the next batch starts after it.
    total = models.PositiveIntegerField(_("registrations"), default=0)
    cursor = models.PositiveBigIntegerField(default=0)
    planned = models.PositiveIntegerField(_("planned"), default=0)
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("session notice")
        verbose_name_plural = _("session notices")

    def __str__(self) -> str:
        return f"{self.session} · {self.get_kind_display()}"


class Letter(models.Model):
    """An e-mail (or a text message, ``reminders.services.text_write``) composed by other
    code, waiting in the outbox.

    Everything that sends e-mail through Django's mail API (account e-mails, copies of
    in-site notices, CMS review notices, error reports to ``ADMINS``) goes through the
    outbox backend (``reminders.backends.OutboxEmailBackend``), which stores the message
    here, with its ``Reminder`` row, in the sender's transaction. The worker sends it like
    any other row; once sent, the message is emptied (an account e-mail carries a sign-in
    or reset link that must not stay readable in the database).
    """

    subject = models.CharField(_("subject"), max_length=300)
    # Sender, recipients, subject, texts, attachments and headers, as
    # ``reminders.backends.letter_message`` reads them back; {} once sent.
    message = models.JSONField(default=dict)
    recipients = models.PositiveSmallIntegerField(_("recipients"), default=1)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")

    def __str__(self) -> str:
        return self.subject


class Reminder(models.Model):
    """One planned message to one recipient over one channel.

    ``key`` names what the row is for (target, purpose, offset or broadcast, audience,
    channel) and is unique, so planning the same reminder twice (a repeated request, two
    beat schedulers, a retried task) can never create a second row.
    """

    class Purpose(models.TextChoices):
        REMINDER = "reminder", _("Reminder")
        TICKET = "ticket", _("Ticket")
        # Of a whole session (a ``Broadcast``):
        CHANGED = "changed", _("Change notice")
        CANCELLED = "cancelled", _("Cancellation notice")
        # Of one registration, written with the change that causes them:
        WAITLISTED = "waitlisted", _("Waiting-list notice")
        PROMOTED = "promoted", _("Place offered from the waiting list")
        REGISTRATION_CHANGED = "reg_changed", _("Registration change notice")
        REGISTRATION_CANCELLED = "reg_cancel", _("Registration cancellation notice")
        MOVED = "moved", _("Registration moved notice")
        # Composed elsewhere (a ``Letter``): account e-mails, notices, error reports, and
        # text messages such as verification codes.
        LETTER = "letter", _("Other message")

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("Text message")

    class Audience(models.TextChoices):
        REGISTRANT = "registrant", _("Registrant")
        REQUESTER = "requester", _("Enterprise contact")
        EXPERT = "expert", _("Expert")
        ADDRESSEE = "addressee", _("Addressee")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", pgettext_lazy("reminder state", "Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")
        SKIPPED = "skipped", _("Skipped")

    key = models.CharField(max_length=120, unique=True, editable=False)
    # One real foreign key per kind of target, named by string so this module imports no
    # feature app: the database enforces that a row points at exactly one existing target
    # (``reminder_one_target``) and deletes a target's reminders with it (CASCADE), which a
    # generic foreign key (content type and id) cannot do. Everything that differs by kind
    # (when it starts, who is told, what the message says) comes from the target each app
    # registers in ``reminders.targets``; a new kind adds its key here and registers one.
    registration = models.ForeignKey(
        "events.Registration",
        verbose_name=_("registration"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    consultation = models.ForeignKey(
        "consultations.Consultation",
        verbose_name=_("consultation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    lab_visit = models.ForeignKey(
        "labvisits.LabVisit",
        verbose_name=_("lab visit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    letter = models.OneToOneField(
        Letter,
        verbose_name=_("outgoing e-mail"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminder",
    )
    broadcast = models.ForeignKey(
        Broadcast,
        verbose_name=_("session notice"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    purpose = models.CharField(
        _("purpose"), max_length=12, choices=Purpose.choices, default=Purpose.REMINDER
    )
    # Minutes before the start (reminders only).
    offset_minutes = models.PositiveIntegerField(_("minutes before"), null=True, blank=True)
    audience = models.CharField(_("recipient"), max_length=12, choices=Audience.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    # The start time the reminder was planned for: when it moves, the reminder moves too.
    starts_at = models.DateTimeField(_("appointment starts at"), null=True, blank=True)
    due_at = models.DateTimeField(_("due at"))
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # After a failed attempt: not before this time.
    retry_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # Handed to the mail queue at; a sweep hands a row over again only after a while.
    queued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # Exception class and message of the last failure; never the recipient's address.
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("planned at"), auto_now_add=True)

    class Meta:
        ordering = ["due_at", "pk"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        indexes = [models.Index(fields=["state", "due_at"], name="reminder_state_due")]
        constraints = [
            # Exactly one target per row.
            models.CheckConstraint(
                condition=(
                    Q(
                        registration__isnull=False,
                        consultation__isnull=True,
                        lab_visit__isnull=True,
                        letter__isnull=True,
                    )
                    | Q(
                        registration__isnull=True,
                        consultation__isnull=False,
                        lab_visit__isnull=True,
                        letter__isnull=True,
                    )
                    | Q(
                        registration__isnull=True,
                        consultation__isnull=True,
                        lab_visit__isnull=False,
                        letter__isnull=True,
                    )
                    | Q(
                        registration__isnull=True,
                        consultation__isnull=True,
                        lab_visit__isnull=True,
                        letter__isnull=False,
                    )
                ),
                name="reminder_one_target",
            ),
            # A sent row always says when; a pending one never does.
            models.CheckConstraint(
                condition=Q(state="sent", sent_at__isnull=False) | ~Q(state="sent"),
                name="reminder_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        due = timezone.localtime(self.due_at)
        return f"{self.get_purpose_display()} · {self.get_channel_display()} · {due:%Y-%m-%d %H:%M}"

    @property
    def target(self):
        """The appointment the row is about, or its composed message."""
        kind = target_of(self)
        return kind.of(self) if kind is not None else self.letter
