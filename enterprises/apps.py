from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from portal.roles import user_role_register


class EnterprisesConfig(AppConfig):
    name = "enterprises"
    verbose_name = _("Enterprises")

    def ready(self) -> None:
        from enterprises.privacy import personal_data_handlers_register
        from enterprises.selectors import user_has_enterprise_request, user_is_enterprise_member

        personal_data_handlers_register()
        # Enterprise users land on their enterprise's page after signing in; someone whose
        # request to join is pending, on the start page that shows the request.
        user_role_register(
            "is_enterprise_member",
            lambda user: user_is_enterprise_member(user=user),
            landing="enterprises:mine",
            priority=10,
        )
        user_role_register(
            "has_enterprise_request",
            lambda user: user_has_enterprise_request(user=user),
            landing="enterprises:start",
            priority=5,
        )
