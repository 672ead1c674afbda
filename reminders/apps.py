from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = _("Reminders")

    def ready(self) -> None:
        from reminders import checks  # noqa: F401 - registers the system checks
        from reminders.privacy import personal_data_handlers_register

        personal_data_handlers_register()
