import logging

from django.apps import AppConfig
from django.conf import settings
from django.core.signals import request_finished

from portal.logs import forget_request_id


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        from django.urls import register_converter

        from portal import checks  # noqa: F401 - registers the production checks
        from portal.converters import IdConverter

        # Before any URLconf is read (the admin's hooks add theirs on first use).
        register_converter(IdConverter, "id")

        request_finished.connect(forget_request_id, dispatch_uid="portal.logs.forget_request_id")
        if settings.LOG_FORMAT == "json":
            # Python's warnings go through logging too, so every line is JSON.
            logging.captureWarnings(True)
