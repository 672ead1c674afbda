from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InboxConfig(AppConfig):
    name = "inbox"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from inbox import signals  # noqa: F401
        from inbox.privacy import personal_data_handlers_register

        personal_data_handlers_register()
