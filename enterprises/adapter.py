"""django-allauth adapter: the portal's limits on failed sign-ins, and where signing in
leads when there is no page to return to. Configured by ``ACCOUNT_ADAPTER``."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from allauth.account import app_settings as allauth_settings
from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.utils.encoding import force_str

from portal.ratelimit import login_failure_count, login_refused
from portal.roles import user_landing_url


def _login_typed(credentials: dict) -> str:
    return str(credentials.get("email") or credentials.get("username") or "")


# The links allauth puts in its e-mails (confirm the address, reset the password, sign up).
_MAIL_LINKS = ("activate_url", "password_reset_url", "signup_url")


@dataclass(frozen=True)
class PortalSite:
    """What allauth's e-mails call the site (``current_site``): the portal's name and its
    public address, not the host the request came in on."""

    name: str
    domain: str


def portal_site() -> PortalSite:
    return PortalSite(name=str(settings.PORTAL_TITLE), domain=urlsplit(settings.SITE_URL).netloc)


def on_site_url(url: str) -> str:
    """``url`` moved onto the portal's public address (``SITE_URL``): allauth builds its
    links from the request's host, which is the server's own address behind a proxy or on
    another port."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return settings.SITE_URL + path + (f"#{parts.fragment}" if parts.fragment else "")


class AccountAdapter(DefaultAccountAdapter):
    def format_email_subject(self, subject: str) -> str:
        prefix = allauth_settings.EMAIL_SUBJECT_PREFIX
        if prefix is None:
            prefix = f"[{portal_site().name}] "
        return prefix + force_str(subject)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """allauth's e-mails, with their links on ``SITE_URL`` and the portal's name as the
        site's (allauth would greet "Hello from 127.0.0.1:8000!")."""
        context = {
            **context,
            "current_site": portal_site(),
            "site_url": settings.SITE_URL,
            **{key: on_site_url(context[key]) for key in _MAIL_LINKS if context.get(key)},
        }
        super().send_mail(template_prefix, email, context)

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
