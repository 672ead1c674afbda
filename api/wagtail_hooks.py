"""The admin's "API tokens" page (staff tokens of the REST API), its permission in the
group editor and its audit log actions. Under ``staff-api-tokens/``: Wagtail's own token
pages (for its ``wagtail.api.v3``, not installed here) would take ``api-tokens/``."""

from django.contrib.auth.models import Permission
from django.urls import include, path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from api import admin_views as views
from api import audit
from portal.audit import audit_actions_register

urlpatterns = [
    path("", views.index_view, name="index"),
    path("new/", views.create_view, name="create"),
    path("<id:pk>/revoke/", views.revoke_view, name="revoke"),
]


@hooks.register("register_admin_urls")
def register_api_token_urls():
    return [path("staff-api-tokens/", include((urlpatterns, views.URL_NAMESPACE)))]


class ApiTokenMenuItem(MenuItem):
    def is_shown(self, request):
        return views.may_open(request.user)


@hooks.register("register_admin_menu_item")
def register_api_token_menu_item():
    return ApiTokenMenuItem(
        _("API tokens"),
        reverse_lazy(f"{views.URL_NAMESPACE}:index"),
        name="staff-api-tokens",
        icon_name="key",
        order=9100,
    )


@hooks.register("register_permissions")
def register_api_token_permission():
    return Permission.objects.filter(content_type__app_label="api", codename="manage_apitokens")


@hooks.register("register_log_actions")
def register_api_audit_actions(actions):
    audit_actions_register(actions, audit.ACTIONS)
