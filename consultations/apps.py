from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from experts.registry import expert_free_slots_register
from ratings.kinds import kind_register
from reminders.targets import target_register


class ConsultationsConfig(AppConfig):
    name = "consultations"
    verbose_name = _("Expert consultations")

    def ready(self) -> None:
        from consultations.privacy import personal_data_handlers_register
        from consultations.rating_kinds import ConsultationKind
        from consultations.reminder_targets import ConsultationTarget
        from consultations.selectors import expert_next_free_slots

        personal_data_handlers_register()
        expert_free_slots_register(expert_next_free_slots)
        target_register(ConsultationTarget())
        kind_register(ConsultationKind())
