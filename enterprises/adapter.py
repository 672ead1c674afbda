"""django-allauth adapter: after signing in, users with nothing to act for yet are sent to
create or join their enterprise. Configured by ``ACCOUNT_ADAPTER``."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse

from enterprises.models import Membership


def user_needs_enterprise(user) -> bool:
    """Whether ``user`` has no role on the portal yet: no approved enterprise membership,
    not staff, not an expert and not an institution contact. A user whose request to join
    is pending is sent to the start page too: it shows the request's status."""
    from experts.models import Expert
    from labvisits.models import InstitutionContact

    if not user.is_authenticated or user.is_staff:
        return False
    if Membership.objects.filter(user=user, status=Membership.Status.APPROVED).exists():
        return False
    if Expert.objects.filter(user=user).exists():
        return False
    return not InstitutionContact.objects.filter(user=user).exists()


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request):
        # A ?next= target is honoured by allauth before this is asked.
        if user_needs_enterprise(request.user):
            return reverse("enterprises:start")
        return super().get_login_redirect_url(request)
