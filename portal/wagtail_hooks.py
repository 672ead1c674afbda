"""The audit log in the admin (``portal.audit``): the portal's own action types, and the
*Reports → Audit log* report for administrators."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from portal import audit
from portal.audit_views import AuditLogView


@hooks.register("register_log_actions")
def register_portal_audit_actions(actions):
    audit.audit_actions_register(actions, audit.ACTIONS)


@hooks.register("register_admin_urls")
def register_audit_log_urls():
    return [
        path("audit-log/", AuditLogView.as_view(), name="portal_audit_log"),
        path(
            "audit-log/results/",
            AuditLogView.as_view(results_only=True),
            name="portal_audit_log_results",
        ),
    ]


class AuditLogMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.is_superuser


@hooks.register("register_reports_menu_item")
def register_audit_log_menu_item():
    return AuditLogMenuItem(
        _("Audit log"),
        reverse("portal_audit_log"),
        name="audit-log",
        icon_name="history",
        order=1010,
    )
