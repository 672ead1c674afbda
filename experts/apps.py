from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cms.registry import home_section_register, search_source_register
from portal.roles import user_role_register


class ExpertsConfig(AppConfig):
    name = "experts"
    verbose_name = _("Experts and institutions")

    def ready(self) -> None:
        from experts import signals  # noqa: F401  re-index experts on publish
        from experts.privacy import personal_data_handlers_register
        from experts.selectors import expert_search, home_experts_context, user_is_expert

        personal_data_handlers_register()
        home_section_register("experts", home_experts_context)
        search_source_register("experts", expert_search)
        # Experts land on their desk in consultations (named, not imported: a higher floor;
        # the role gets no landing while that app is not installed).
        user_role_register(
            "is_expert",
            lambda user: user_is_expert(user=user),
            landing="consultations:expert_dashboard",
            priority=30,
        )
