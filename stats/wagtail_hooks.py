"""The admin menu item "Statistics" (regulator staff with ``stats.view_statistics``), the
dashboard's URLs, and the permission offered in the group editor."""

from django.contrib.auth.models import Permission
from django.urls import include, path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from stats import admin_views as views

urlpatterns = [
    path("", views.dashboard_view, name="dashboard"),
    path("refresh/", views.refresh_view, name="refresh"),
    path("reports/", views.report_start_view, name="report_start"),
    path("reports/<str:token>/", views.report_status_view, name="report_status"),
    path("reports/<str:token>/status.json", views.report_status_json, name="report_status_json"),
    path("reports/<str:token>/download/", views.report_download_view, name="report_download"),
]


@hooks.register("register_admin_urls")
def register_statistics_urls():
    return [path("statistics/", include((urlpatterns, views.URL_NAMESPACE)))]


class StatisticsMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(views.PERMISSION)


@hooks.register("register_admin_menu_item")
def register_statistics_menu_item():
    return StatisticsMenuItem(
        _("Statistics"),
        reverse_lazy(f"{views.URL_NAMESPACE}:dashboard"),
        name="statistics",
        icon_name="table",
        order=290,
    )


@hooks.register("register_permissions")
def register_statistics_permission():
    return Permission.objects.filter(content_type__app_label="stats", codename="view_statistics")
