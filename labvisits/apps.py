from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from portal.roles import user_role_register
from reminders.targets import target_register


class LabVisitsConfig(AppConfig):
    name = "labvisits"
    verbose_name = _("Lab visits")

    def ready(self) -> None:
        from labvisits.privacy import personal_data_handlers_register
        from labvisits.reminder_targets import LabVisitTarget
        from labvisits.selectors import user_is_contact

        personal_data_handlers_register()
        user_role_register("is_institution_contact", lambda user: user_is_contact(user=user))
        target_register(LabVisitTarget())
