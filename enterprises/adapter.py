"""django-allauth adapter: the portal's limits on failed sign-ins, and where signing in
leads when there is no page to return to. Configured by ``ACCOUNT_ADAPTER``."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter

from portal.ratelimit import login_failure_count, login_refused
from portal.roles import user_landing_url


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
        """Asked only without a page to return to: allauth honours a ``next`` parameter
        first, when ``is_safe_url`` accepts it (this site's host, http or https). Then the
        page of the user's role (``portal.roles``: the door screen, the expert desk, the
        enterprise page...), else ``LOGIN_REDIRECT_URL`` (my registrations)."""
        return user_landing_url(request.user) or super().get_login_redirect_url(request)
