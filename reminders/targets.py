"""What reminders know of the appointments they remind about: a registry of targets.

``reminders`` sits below the feature apps and imports none of them. Each app whose rows get
reminders (open-day registrations, consultations, lab visits) describes its kind once, as a
``ReminderTarget``, and registers it in its ``AppConfig.ready()`` with ``target_register``,
the way models are registered with Django's admin site. The services of ``reminders`` ask
the registry (``target_for``, ``target_of``) for everything that differs by kind: when the
appointment starts, who gets its messages and over which channel, what they say, and
whether they are still wanted when the worker picks them up.
"""

from __future__ import annotations

import contextlib
import datetime
from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, User
    from django.core.mail import EmailMessage
    from django.db.models import Model

    from reminders.models import Reminder

# (address, language, user or None): who a message goes to.
Recipient = tuple[str, str, "User | None"]


class UnknownTargetError(LookupError):
    """No target of this kind is registered (a typo, or the app is not installed)."""


class ReminderTarget(ABC):
    """One kind of appointment that gets reminders. Subclass it in the feature app.

    ``kind`` names the kind in reminder keys and in ``REMINDER_OFFSETS``; ``field`` is the
    ``Reminder`` foreign key pointing at the appointment; ``template`` names the reminder's
    e-mail templates (``emails/<template>.txt``, ``_subject.txt``, ``.html``), its text
    message (``reminders.sms.TEMPLATES``) and its in-site notice; ``related`` are the
    ``select_related`` paths, from a ``Reminder``, that sending one reads;
    ``text_templates`` are the texts its messages are sent as (``reminders.sms.TextTemplate``:
    the reminder's and any notice's, ``notice_<purpose>``), added to the catalogue when the
    target is registered.

    The abstract methods are what every kind must answer; the others have a default.
    """

    kind: str = ""
    field: str = ""
    template: str = ""
    related: tuple[str, ...] = ()
    text_templates: tuple = ()

    # --- The appointment -----------------------------------------------------------------

    def of(self, reminder: Reminder) -> Model:
        """The appointment ``reminder`` is about."""
        return getattr(reminder, self.field)

    @abstractmethod
    def starts_at(self, target: Model) -> datetime.datetime | None:
        """When ``target`` starts; None when it has no time yet."""

    @abstractmethod
    def is_plannable(self, target: Model) -> bool:
        """Whether ``target`` gets reminders now (it holds its place, was not cancelled)."""

    @abstractmethod
    def audiences(self, target: Model) -> list[tuple[str, str]]:
        """(audience, channel) pairs the reminders go to, by the addresses known now."""

    # --- Sending ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def sending(self, reminders: list[Reminder]) -> Iterator[Any]:
        """Around a batch of sends: yields what this kind reads once for ``reminders`` (its
        rows among the batch), handed to ``still_wanted`` as ``batch``."""
        yield None

    def still_wanted(self, reminder: Reminder, *, batch: Any = None) -> bool:
        """A reminder is sent only while its appointment stands and has not started; other
        messages (notices of a change) always. ``batch``: what ``sending`` read for a batch,
        None when sending one row."""
        from reminders.models import Reminder

        if reminder.purpose != Reminder.Purpose.REMINDER:
            return True
        target = self.of(reminder)
        if not self.is_plannable(target):
            return False
        starts_at = self.starts_at(target)
        return starts_at is not None and starts_at > timezone.now()

    @abstractmethod
    def recipient(self, reminder: Reminder) -> Recipient | None:
        """(address, language, user or None) of ``reminder``'s audience over its channel;
        None when there is nobody to send it to."""

    @abstractmethod
    def context(self, reminder: Reminder, *, language: str, user: AbstractBaseUser | None) -> dict:
        """What the templates show besides the generic values, with ``url`` (site path of
        the appointment). Called with ``language`` active."""

    @abstractmethod
    def ics(
        self, reminder: Reminder, *, language: str, context: dict
    ) -> tuple[str, bytes | str | None]:
        """(file name, .ics content) of the appointment, in ``language``."""

    def email_message(
        self, reminder: Reminder, *, language: str, user: AbstractBaseUser | None
    ) -> EmailMessage | None:
        """The whole e-mail, when this kind composes its own; None to compose it from
        ``template``, ``context`` and ``ics``."""
        return None

    def sms_template(self, reminder: Reminder, *, context: dict) -> str:
        """The text template of a reminder (a notice's is ``notice_<purpose>``): by default
        ``template``; a kind may pick one of its ``text_templates`` per appointment."""
        return self.template

    def notice_template(self, reminder: Reminder, *, context: dict) -> str:
        """The e-mail template (``emails/<name>.txt``, ``_subject.txt``) of a reminder's
        in-site notice, for a recipient with an account: by default ``template``; a kind may
        pick another per appointment, as ``sms_template`` does for the text."""
        return self.template

    @abstractmethod
    def sms_params(
        self, reminder: Reminder, *, template: str, context: dict
    ) -> tuple[datetime.datetime, dict]:
        """(start, parameters other than date and time) of the text message ``template``.
        Called with the recipient's language active."""

    # --- Staff and the sweep ---------------------------------------------------------------

    @abstractmethod
    def label(self, reminder: Reminder) -> str:
        """What the reminder is about, for staff, without personal data."""

    def sweep(self, *, now: datetime.datetime, budget: float) -> None:
        """Work of this kind the minutely sweep does before handing due rows over (rows
        whose planning was interrupted), within ``budget`` seconds. By default none."""
        return None


_TARGETS: dict[str, ReminderTarget] = {}


def target_register(target: ReminderTarget) -> ReminderTarget:
    """Register ``target`` (in its app's ``AppConfig.ready()``). Registering the same class
    again replaces it; another class under a kind or field already taken is an error."""
    if not target.kind or not target.field or not target.template:
        raise ImproperlyConfigured(f"{type(target).__name__} needs kind, field and template")
    for other in _TARGETS.values():
        if type(other) is type(target):
            continue
        if target.kind == other.kind or target.field == other.field:
            raise ImproperlyConfigured(
                f"reminder target {target.kind!r} ({target.field}) is already registered "
                f"by {type(other).__name__}"
            )
    # Imported here: reminders.sms loads the text-message backends, and the models import
    # this module.
    from reminders.sms import text_template_register

    for text_template in target.text_templates:
        text_template_register(text_template)
    _TARGETS[target.kind] = target
    return target


def target_unregister(kind: str) -> None:
    """Remove the target of ``kind`` (for tests that register one of their own)."""
    _TARGETS.pop(kind, None)


def target_for(kind: str) -> ReminderTarget:
    """The registered target of ``kind``; ``UnknownTargetError`` when there is none."""
    try:
        return _TARGETS[kind]
    except KeyError:
        known = ", ".join(sorted(_TARGETS)) or "none"
        raise UnknownTargetError(
            f"no reminder target {kind!r} is registered (registered: {known})"
        ) from None


def target_of(reminder: Reminder) -> ReminderTarget | None:
    """The target ``reminder`` points at; None for a composed message (a ``Letter``)."""
    for target in _TARGETS.values():
        if getattr(reminder, f"{target.field}_id", None) is not None:
            return target
    if reminder.letter_id is None:
        raise UnknownTargetError(f"reminder {reminder.pk} points at no registered target")
    return None


def targets() -> tuple[ReminderTarget, ...]:
    """Every registered target, in the order of registration."""
    return tuple(_TARGETS.values())
