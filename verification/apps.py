from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from reminders.sms import TextTemplate, text_template_register


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
        # The code's text message (templates/sms/verify_code.txt, SMS_TEMPLATE_VERIFY_CODE).
        text_template_register(TextTemplate("verify_code", ("code", "minutes")))
