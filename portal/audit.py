"""The audit log of staff actions (PIPL, 等保): who verified an enterprise, cancelled a
session, moved a registration, lifted a no-show restriction, checked a ticket in outside
its check-in time, exported a list with full phone numbers, downloaded a consultation's
attachment or a personal-data export.

Entries are Wagtail's own log entries (``wagtail.log_actions.log``: a ``ModelLogEntry``
for a model, a ``PageLogEntry`` for a page). Administrators read them under *Reports →
Audit log* (``portal/audit_views.py``: these action types only, filters by user, action,
type and date, CSV/XLSX download); they also appear in Wagtail's *Reports → Site history*,
whose user filter lists only users who changed pages. Each app registers its action types
(``<app>.<entity>_<action>``) with ``audit_actions_register`` in a ``register_log_actions``
hook of a ``wagtail_hooks.py``.

The entries are read by staff, so they hold no personal data of the public: ``data``
carries ids, counts, codes, times and the reasons staff typed, never a phone number, name
or e-mail address, and the entry's label is the object's id (``#12``) unless the caller
passes a label known to be free of personal data (a session's activity and time, an
enterprise's name). An object's ``str()`` is not used: a registration's or an
attachment's could carry a name.

Core module: it imports no feature app.
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import LogFormatter
from wagtail.log_actions import log as wagtail_log
from wagtail.log_actions import registry as log_action_registry

from portal.phones import FULL_PHONE_PERMISSION

# Action types of the portal itself, registered in portal/wagtail_hooks.py.
EXPORT_FULL_PHONES = "portal.export_full_phones"
PRIVACY_EXPORT = "portal.privacy_export"

ACTIONS = {
    EXPORT_FULL_PHONES: (
        _("Export a list with full phone numbers"),
        _("List exported with full phone numbers (%(format)s, %(rows)s rows)"),
    ),
    PRIVACY_EXPORT: (
        _("Download own personal data"),
        _("Personal data downloaded by the account holder"),
    ),
}


class AuditLogFormatter(LogFormatter):
    """The entry's message: ``message`` with ``%(key)s`` placeholders filled from the
    entry's data; ``label`` when a key is missing (an entry written before it existed)."""

    def format_message(self, log_entry) -> str:
        try:
            return self.message % (log_entry.data or {})
        except (KeyError, TypeError, ValueError):
            return str(self.label)


# The action types registered through audit_actions_register: what the audit log report
# lists (portal/audit_views.py).
_AUDIT_ACTIONS: set[str] = set()


def audit_actions_register(actions, definitions: dict[str, tuple[Any, Any]]) -> None:
    """Register action types with Wagtail's log registry (inside a ``register_log_actions``
    hook): ``{"events.session_cancel": (label, message)}``. The label names the action in
    the reports' action filter; the message is shown on each entry (``AuditLogFormatter``)."""
    for action, (label, message) in definitions.items():
        _AUDIT_ACTIONS.add(action)
        formatter = type(
            "AuditLogFormatter",
            (AuditLogFormatter,),
            {"label": label, "message": message},
        )
        actions.register_action(action)(formatter)


def audit_action_types() -> frozenset[str]:
    """Every audit action type, once the apps' hooks have registered them."""
    log_action_registry.scan_for_actions()
    return frozenset(_AUDIT_ACTIONS)


def _actor(by):
    """The staff member, or None for the system (a job, a scheduled publish)."""
    return by if by is not None and getattr(by, "is_authenticated", False) else None


def audit_log(
    *, instance: models.Model, action: str, by, data: dict | None = None, label: str = ""
):
    """Write one audit entry about ``instance``, in the caller's transaction (an entry of an
    action rolled back is rolled back with it). ``data``: ids, counts, codes and staff
    reasons only (see the module's rule). Returns the log entry."""
    return wagtail_log(
        instance=instance,
        action=action,
        user=_actor(by),
        data=data or {},
        title=label or f"#{instance.pk}",
    )


def _export_filters(query: QueryDict, filter_names: set[str]) -> dict:
    """The list filters a download used, by name; the search text only as "searched"
    (staff search by a phone number or a name)."""
    filters = {
        name: query.getlist(name)
        for name in sorted(filter_names)
        if name in query and any(query.getlist(name))
    }
    if query.get("q", "").strip():
        filters["searched"] = True
    return filters


def export_full_phones_log(
    *,
    by,
    subject: models.Model | type[models.Model],
    export_format: str,
    rows: int,
    query: QueryDict | None = None,
    filter_names: set[str] | frozenset[str] = frozenset(),
):
    """Record a spreadsheet download that showed full phone numbers: ``subject`` is the
    object whose list was downloaded (a session) or the model of a whole list (then the
    entry is about that model's content type). Nothing is written when ``by`` would see
    the phones masked."""
    if not (_actor(by) and by.has_perm(FULL_PHONE_PERMISSION)):
        return None
    if isinstance(subject, type):
        label = str(subject._meta.verbose_name_plural)
        instance = ContentType.objects.get_for_model(subject)
    else:
        label = ""
        instance = subject
    data = {
        "model": subject._meta.label_lower,
        "object_id": None if isinstance(subject, type) else subject.pk,
        "format": export_format,
        "rows": rows,
        "filters": _export_filters(query or QueryDict(), set(filter_names)),
    }
    return audit_log(instance=instance, action=EXPORT_FULL_PHONES, by=by, data=data, label=label)
