from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InboxConfig(AppConfig):
    name = "inbox"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from inbox import signals  # noqa: F401
        from inbox.privacy import ACCOUNT_LANGUAGE, NOTIFICATIONS
        from portal.privacy import account_detail_register, personal_data_register

        account_detail_register(ACCOUNT_LANGUAGE)
        personal_data_register(NOTIFICATIONS)
