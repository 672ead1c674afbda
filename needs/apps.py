from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NeedsConfig(AppConfig):
    name = "needs"
    verbose_name = _("Supply-demand matching")

    def ready(self) -> None:
        # Imported here: the module loads models, which needs the app registry ready.
        from needs.privacy import personal_data_handlers_register

        personal_data_handlers_register()
