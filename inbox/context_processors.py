"""Header links for a signed-in user: unread notifications and the dashboards they have."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from inbox.selectors import notification_unread_count
from portal.roles import user_roles


def _account_nav(user) -> dict:
    # The roles (``portal.roles``: is_expert, is_institution_contact) open their dashboards.
    return {"unread": notification_unread_count(user=user), **dict(user_roles(user))}


def account_nav(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy: pages that do not render the header (files, feeds) pay nothing.
    return {"account_nav": SimpleLazyObject(lambda: _account_nav(user))}
