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
        from portal.roles import user_role_register

        # Before any URLconf is read (the admin's hooks add theirs on first use).
        register_converter(IdConverter, "id")

        # Regulator staff land on the CMS after signing in: superusers before any other role
        # (they hold every permission, the door screen's too), editors and reviewers only
        # when no role of the public site fits them (check-in staff have admin access too).
        user_role_register(
            "is_superuser",
            lambda user: user.is_superuser,
            landing="wagtailadmin_home",
            priority=100,
        )
        user_role_register(
            "is_cms_staff",
            lambda user: user.has_perm("wagtailadmin.access_admin"),
            landing="wagtailadmin_home",
            priority=1,
        )

        request_finished.connect(forget_request_id, dispatch_uid="portal.logs.forget_request_id")
        if settings.LOG_FORMAT == "json":
            # Python's warnings go through logging too, so every line is JSON.
            logging.captureWarnings(True)
