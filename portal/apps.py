from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        from django.urls import register_converter

        from portal import checks  # noqa: F401 - registers the production checks
        from portal.converters import IdConverter

        # Before any URLconf is read (the admin's hooks add theirs on first use).
        register_converter(IdConverter, "id")
