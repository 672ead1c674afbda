"""django-allauth adapter: after signing in, users with nothing to act for yet are sent to
create or join their enterprise. Configured by ``ACCOUNT_ADAPTER``."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse

from enterprises.models import Membership
from portal.ratelimit import login_failure_count, login_refused
from portal.roles import user_roles


def user_needs_enterprise(user) -> bool:
    """Whether ``user`` has no role on the portal yet: no approved enterprise membership,
    not staff, not an expert and not an institution contact. A user whose request to join
    is pending is sent to the start page too: it shows the request's status."""
    if not user.is_authenticated or user.is_staff:
        return False
    if Membership.objects.filter(user=user, status=Membership.Status.APPROVED).exists():
        return False
    # The other roles (``portal.roles``), asked until one is held.
    return not any(held for _name, held in user_roles(user))


def _login_typed(credentials: dict) -> str:
    return str(credentials.get("email") or credentials.get("username") or "")


class AccountAdapter(DefaultAccountAdapter):
    def pre_authenticate(self, request, **credentials) -> None:
        """allauth's own limits, then the portal's, shared with the CMS admin's sign-in
        form: failures per account (whichever of its names was typed) and per address."""
        super().pre_authenticate(request, **credentials)
        if login_refused(request, _login_typed(credentials)):
            raise self.validation_error("too_many_login_attempts")

    def authentication_failed(self, request, **credentials) -> None:
        super().authentication_failed(request, **credentials)
        login_failure_count(request, _login_typed(credentials))

    def get_login_redirect_url(self, request):
        # A ?next= target is honoured by allauth before this is asked.
        if user_needs_enterprise(request.user):
            return reverse("enterprises:start")
        return super().get_login_redirect_url(request)
