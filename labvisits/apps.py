from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LabVisitsConfig(AppConfig):
    name = "labvisits"
    verbose_name = _("Lab visits")
