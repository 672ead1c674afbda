import logging

from django.apps import AppConfig
from django.conf import settings
from django.core.signals import request_finished

from portal.logs import forget_request_id


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal"

    def ready(self) -> None:
        from portal import checks  # noqa: F401 - registers the production checks

        request_finished.connect(forget_request_id, dispatch_uid="portal.logs.forget_request_id")
        if settings.LOG_FORMAT == "json":
            # Python's warnings go through logging too, so every line is JSON.
            logging.captureWarnings(True)
