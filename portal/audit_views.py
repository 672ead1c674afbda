"""*Reports → Audit log* in the Wagtail admin: the entries of the audit action types
(``portal.audit``), newest first, filtered by user, action, type, name and date, and
downloadable as CSV or XLSX. For administrators (superusers) only.

Built on Wagtail's Site history report (``LogEntriesView``), which lists every log model
together. That report's user filter offers only users who have page log entries (its
filter set reads the users from ``PageLogEntry``), so staff who never edited a page could
not be picked there; this report's filter offers everyone who has an audit entry.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from wagtail.admin.views.reports.audit_logging import (
    LogEntriesView,
    SiteHistoryReportFilterSet,
)
from wagtail.log_actions import registry as log_action_registry

from portal.audit import audit_action_types


def _audit_entries(log_model, user):
    return log_model.objects.viewable_by_user(user).filter(action__in=audit_action_types())


class AuditLogFilterSet(SiteHistoryReportFilterSet):
    def get_action_choices(self):
        actions = audit_action_types()
        return [choice for choice in super().get_action_choices() if choice[0] in actions]

    def get_users_queryset(self):
        user_ids = set()
        for log_model in log_action_registry.get_log_entry_models():
            user_ids.update(_audit_entries(log_model, self.request.user).get_user_ids())
        User = get_user_model()
        return User.objects.filter(pk__in=user_ids).order_by(User.USERNAME_FIELD)


class AuditLogView(LogEntriesView):
    page_title = _("Audit log")
    filterset_class = AuditLogFilterSet
    index_url_name = "portal_audit_log"
    index_results_url_name = "portal_audit_log_results"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset.filter(action__in=audit_action_types()))
