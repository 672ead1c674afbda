"""Header links for a signed-in user: unread notifications and the dashboards they have."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from inbox.selectors import notification_unread_count
from portal.roles import user_role_held


class _AccountNav(dict):
    """``unread``, and each role (``portal.roles``: is_checkin_staff, is_expert,
    is_institution_contact...) asked when a template first reads it: the header reads a
    few, and the others cost no query."""

    def __init__(self, user) -> None:
        super().__init__(unread=notification_unread_count(user=user))
        self.user = user

    def __missing__(self, name: str) -> bool:
        held = self[name] = user_role_held(self.user, name)
        return held


def account_nav(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy: pages that do not render the header (files, feeds) pay nothing.
    return {"account_nav": SimpleLazyObject(lambda: _AccountNav(user))}
