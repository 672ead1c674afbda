"""System checks of the text-message set-up (``manage.py check``, run at every start)."""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.utils.module_loading import import_string


@checks.register("portal")
def sms_templates_configured(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A provider that sends only approved templates (a backend with
    ``requires_templates``) needs the provider's id of every text the portal sends."""
    from reminders.sms import TEMPLATES

    try:
        backend = import_string(settings.SMS_BACKEND)
    except ImportError as exc:
        return [
            checks.Error(
                f"SMS_BACKEND {settings.SMS_BACKEND!r} cannot be imported: {exc}",
                id="reminders.E001",
            )
        ]
    if not getattr(backend, "requires_templates", False):
        return []
    missing = [key for key in TEMPLATES if not settings.SMS_TEMPLATES.get(key, {}).get("zh-hans")]
    if not missing:
        return []
    names = ", ".join(f"SMS_TEMPLATE_{key.upper()}" for key in missing)
    return [
        checks.Error(
            "The text-message provider sends only approved templates, and these have no "
            f"template id: {names}.",
            hint="File each text of templates/sms/ with the provider and set its id in the "
            "environment (README, 'Text messages').",
            id="reminders.E002",
        )
    ]


@checks.register("portal")
def sms_backend_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A provider's backend names the settings it cannot send without (its
    ``required_settings``, e.g. Tencent Cloud's API key, SDK app id and signature); an empty
    one would make every text fail at sending, so the portal refuses to start."""
    try:
        backend = import_string(settings.SMS_BACKEND)
    except ImportError:
        return []  # reminders.E001 says so
    required = getattr(backend, "required_settings", ())
    missing = [name for name in required if not str(getattr(settings, name, "") or "").strip()]
    if not missing:
        return []
    return [
        checks.Error(
            f"SMS_BACKEND {settings.SMS_BACKEND!r} needs these settings, which are empty: "
            f"{', '.join(missing)}.",
            hint="Set them in the environment from the provider's console (README, "
            "'Text messages').",
            id="reminders.E003",
        )
    ]


@checks.register("portal")
def reminder_targets_registered(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Every foreign key of ``Reminder`` to an appointment has exactly one registered target
    (``reminders.targets``), and every registered target names such a key: a row nobody
    knows how to send would fail in the worker, long after it was planned."""
    from reminders.models import Reminder
    from reminders.targets import targets

    own = {"letter", "broadcast"}
    fields = {
        field.name
        for field in Reminder._meta.get_fields()
        if field.many_to_one and field.concrete and field.name not in own
    }
    registered = [target.field for target in targets()]
    errors = []
    missing = sorted(fields - set(registered))
    if missing:
        errors.append(
            checks.Error(
                f"No reminder target is registered for Reminder.{', Reminder.'.join(missing)}.",
                hint="The app owning the model registers its ReminderTarget in its "
                "AppConfig.ready() (reminders.targets.target_register).",
                id="reminders.E004",
            )
        )
    unknown = sorted(set(registered) - fields)
    if unknown:
        errors.append(
            checks.Error(
                f"Reminder targets name no foreign key of Reminder: {', '.join(unknown)}.",
                id="reminders.E005",
            )
        )
    return errors
