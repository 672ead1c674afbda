"""The receivers of the core's hooks (``portal.signals``), connected in
``WebhooksConfig.ready``: each change writes its deliveries in the change's transaction."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from portal.signals import session_changed, state_changed
from webhooks.models import Endpoint
from webhooks.services import (
    deliveries_plan_for_changes,
    deliveries_plan_for_session,
    endpoints_forget,
)


def on_state_changed(sender, *, changes, **kwargs) -> None:
    deliveries_plan_for_changes(model=sender, changes=changes)


def on_session_changed(sender, *, session, kind, key, at, reason="", **kwargs) -> None:
    deliveries_plan_for_session(session=session, kind=kind, key=key, at=at, reason=reason)


def on_endpoint_saved(sender, **kwargs) -> None:
    """A cache purge: changes planned from now on see the endpoint as saved."""
    endpoints_forget()


def receivers_connect() -> None:
    state_changed.connect(on_state_changed, dispatch_uid="webhooks.state_changed")
    session_changed.connect(on_session_changed, dispatch_uid="webhooks.session_changed")
    post_save.connect(on_endpoint_saved, sender=Endpoint, dispatch_uid="webhooks.endpoint_saved")
    post_delete.connect(
        on_endpoint_saved, sender=Endpoint, dispatch_uid="webhooks.endpoint_deleted"
    )
