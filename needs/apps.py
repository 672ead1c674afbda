from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cms.registry import home_section_register


class NeedsConfig(AppConfig):
    name = "needs"
    verbose_name = _("Supply-demand matching")

    def ready(self) -> None:
        # Imported here: the module loads models, which needs the app registry ready.
        from needs.privacy import personal_data_handlers_register

        personal_data_handlers_register()
        # The home page's "Needs board" tile (cms imports nothing of this app).
        home_section_register("needs", lambda page: {"needs_board": True})
