from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = _("Reminders")

    def ready(self) -> None:
        from portal.privacy import personal_data_register
        from reminders import checks  # noqa: F401 - registers the system checks
        from reminders.privacy import REMINDERS

        personal_data_register(REMINDERS)
