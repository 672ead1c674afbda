from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        from webhooks import checks  # noqa: F401 - registers the system checks
        from webhooks.privacy import personal_data_handlers_register
        from webhooks.receivers import receivers_connect

        receivers_connect()
        personal_data_handlers_register()
