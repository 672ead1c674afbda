from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VerificationConfig(AppConfig):
    name = "verification"
    verbose_name = _("Phone verification")

    def ready(self) -> None:
        # Here, not at the top: apps.py is imported before the app registry is ready.
        from portal.pagecache import neutral_cookie_add
        from verification.browser import COOKIE

        # Pages show the same to a browser that proved a number (the form always has the
        # code field), so the opening minute's stored pages still serve it.
        neutral_cookie_add(COOKIE)
