"""One shape of history for every kind of thing that changes state.

A registration, a consultation and a lab visit each keep their timeline in a concrete
model of ``portal.models.StateChange`` (``RegistrationChange``, ``ConsultationChange``,
``LabVisitChange``) whose foreign key's reverse name is ``changes``. Steps are written by
``state_change_record`` (or built by ``state_change_build`` and written in one statement by
``state_changes_create``) and shown by ``templates/includes/admin_timeline.html`` through
``history_rows``. Both writers send ``portal.signals.state_changed`` with the saved steps,
in the caller's transaction, so an app above the feature apps (``webhooks``) hears of every
change without the feature apps knowing it.

Core module: it imports no feature app.
"""

from __future__ import annotations

import datetime
from typing import TypeVar

from django.db import models
from django.utils import timezone

from portal.models import StateChange
from portal.signals import state_changed

_Change = TypeVar("_Change", bound=StateChange)


def _actor(by):
    """The user who made the change; None for the system or an anonymous visitor."""
    return by if by is not None and by.is_authenticated else None


def state_change_build(
    model: type[_Change],
    *,
    event: str,
    from_state: str,
    to_state: str,
    by=None,
    note: str = "",
    at: datetime.datetime | None = None,
    **target,
) -> _Change:
    """An unsaved step of ``model`` (``target``: its foreign key, e.g. ``registration_id``),
    for ``state_changes_create``."""
    return model(
        event=event,
        from_state=from_state,
        to_state=to_state,
        changed_by=_actor(by),
        note=note,
        created_at=at or timezone.now(),
        **target,
    )


def state_change_record(
    *,
    obj: models.Model,
    event: str,
    from_state: str,
    to_state: str,
    by=None,
    note: str = "",
    at: datetime.datetime | None = None,
) -> StateChange:
    """Write one step of ``obj``'s timeline (``obj.changes``): who (``by``; nobody for the
    system), when (``at``, now by default), ``event``, from which state to which, a note."""
    changes = obj.changes
    change = state_change_build(
        changes.model,
        event=event,
        from_state=from_state,
        to_state=to_state,
        by=by,
        note=note,
        at=at,
        **{changes.field.name: obj},
    )
    change.save()
    state_changed.send(sender=changes.model, changes=[change])
    return change


def state_changes_create(model: type[_Change], changes) -> list[_Change]:
    """Write the steps built by ``state_change_build`` in one statement (a batch job's
    history) and tell the listeners, as ``state_change_record`` does for one step."""
    created = model.objects.bulk_create(changes)
    if created:
        state_changed.send(sender=model, changes=created)
    return created


def history_rows(changes, *, state_labels: dict) -> list[dict]:
    """A timeline's steps prepared for ``templates/includes/admin_timeline.html``: when,
    who (``""`` for the system), event, from and to (state labels), note."""
    return [
        {
            "at": change.created_at,
            "by": user_name(change.changed_by),
            "event": change.event,
            "from_state": str(state_labels.get(change.from_state, change.from_state)),
            "to_state": str(state_labels.get(change.to_state, change.to_state)),
            "note": change.note,
        }
        for change in changes.select_related("changed_by")
    ]


def user_name(user) -> str:
    """Who did it, as staff know them; "" for the system (jobs) or a deleted account."""
    if user is None:
        return ""
    return user.get_full_name().strip() or user.get_username()
