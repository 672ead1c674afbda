"""Header links for a signed-in user: unread notifications and the dashboards they have."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def _account_nav(user) -> dict:
    from experts.models import Expert
    from inbox.selectors import notification_unread_count
    from labvisits.models import InstitutionContact

    return {
        "unread": notification_unread_count(user=user),
        "is_expert": Expert.objects.filter(user=user).exists(),
        "is_institution_contact": InstitutionContact.objects.filter(user=user).exists(),
    }


def account_nav(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy: pages that do not render the header (files, feeds) pay nothing.
    return {"account_nav": SimpleLazyObject(lambda: _account_nav(user))}
