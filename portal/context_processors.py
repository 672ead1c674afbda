from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict:
    """Values every template needs: the portal's name and its public address, and whether
    registrations ask for a verified phone number."""
    return {
        "PORTAL_TITLE": settings.PORTAL_TITLE,
        "SITE_URL": settings.SITE_URL,
        "PHONE_VERIFICATION": settings.PHONE_VERIFICATION,
    }
