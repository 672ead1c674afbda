"""Staff in the Wagtail admin: every planned reminder and notice (read-only, with a "Retry"
action on failed rows) and the progress of session notices.

Recipients are never shown: a row names its appointment, audience and channel, and the
appointment's own admin page shows (masked) contact details to those allowed to see them.
Seeing the lists needs ``reminders.view_reminder`` / ``reminders.view_broadcast``; retrying
a failed reminder needs ``reminders.change_reminder``.
"""

from __future__ import annotations

import django_filters
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn, TitleColumn, UserColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet

from portal.admin_views import ReadOnlyViewSetMixin, StaffExportMixin
from portal.filters import DateFromToRangeFilter
from reminders.models import Broadcast, Reminder
from reminders.services import reminder_retry
from reminders.targets import target_of, targets

REMINDERS_NAMESPACE = "reminders_reminders"
BROADCASTS_NAMESPACE = "reminders_broadcasts"
RETRY_PERMISSION = "reminders.change_reminder"


def url(name: str, *args) -> str:
    return reverse(f"{REMINDERS_NAMESPACE}:{name}", args=args)


def appointment_label(reminder: Reminder) -> str:
    """What the reminder is about, without personal data: a ticket code or reference (from
    its target), or a composed message's subject."""
    if reminder.letter_id:
        # The subject (a text's template) only: the recipients are personal data.
        if reminder.channel == Reminder.Channel.SMS:
            return _("Text message: %(template)s") % {"template": reminder.letter.subject}
        return _("E-mail: %(subject)s") % {"subject": reminder.letter.subject}
    return target_of(reminder).label(reminder)


def _related() -> list[str]:
    """The row's letter and target, read with it."""
    return ["letter", *(target.field for target in targets())]


class ReminderFilterSet(WagtailFilterSet):
    state = django_filters.ChoiceFilter(label=gettext_lazy("State"), choices=Reminder.State.choices)
    purpose = django_filters.ChoiceFilter(
        label=gettext_lazy("Purpose"), choices=Reminder.Purpose.choices
    )
    channel = django_filters.ChoiceFilter(
        label=gettext_lazy("Channel"), choices=Reminder.Channel.choices
    )
    due_at = DateFromToRangeFilter(label=gettext_lazy("Due date"), widget=DateRangePickerWidget)

    class Meta:
        model = Reminder
        fields = []


class ReminderIndexView(StaffExportMixin, generic.IndexView):
    def get_base_queryset(self):
        return Reminder.objects.select_related(*_related())

    @cached_property
    def columns(self):
        # The first column carries the row's buttons ("Retry"); rows have no edit view.
        columns = list(super().columns)
        columns[0] = self._get_title_column_class(TitleColumn)(
            "appointment",
            label=gettext_lazy("Appointment"),
            accessor=appointment_label,
            get_url=lambda instance: None,
        )
        return columns

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if instance.state == Reminder.State.FAILED and self.request.user.has_perm(RETRY_PERMISSION):
            buttons.append(
                MenuItem(
                    _("Retry"), url=url("retry", instance.pk), icon_name="resubmit", priority=40
                )
            )
        return buttons

    def to_row_dict(self, item: Reminder) -> dict:
        return {
            "appointment": appointment_label(item),
            "purpose": item.get_purpose_display(),
            "audience": item.get_audience_display(),
            "channel": item.get_channel_display(),
            "due_at": item.due_at,
            "state": item.get_state_display(),
            "attempts": item.attempts,
            "sent_at": item.sent_at,
            "last_error": item.last_error,
        }


class ReminderRetryView(WagtailAdminTemplateMixin, TemplateView):
    """GET asks for confirmation; POST puts the failed reminder back for sending."""

    template_name = "reminders/admin/retry.html"
    header_icon = "resubmit"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(RETRY_PERMISSION):
            raise PermissionDenied
        self.reminder = get_object_or_404(
            Reminder.objects.select_related(*_related()),
            pk=kwargs["pk"],
        )
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Retry a failed reminder")

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": url("index"), "label": _("Reminders")},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            reminder=self.reminder,
            appointment=appointment_label(self.reminder),
            back_url=url("index"),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        reminder = reminder_retry(reminder_id=self.reminder.pk, by=request.user)
        if reminder.state == Reminder.State.PENDING:
            messages.success(request, _("The reminder will be sent again within a minute."))
        else:
            messages.warning(request, _("Only failed reminders can be retried."))
        return redirect(url("index"))


class ReminderViewSet(ReadOnlyViewSetMixin, ModelViewSet):
    model = Reminder
    name = REMINDERS_NAMESPACE
    url_prefix = "reminders/reminders"
    icon = "mail"
    menu_label = gettext_lazy("Reminders")
    index_view_class = ReminderIndexView
    copy_view_enabled = False
    add_to_reference_index = False
    filterset_class = ReminderFilterSet
    ordering = "-due_at"
    list_display = [
        Column("appointment", label=gettext_lazy("Appointment"), accessor=appointment_label),
        "purpose",
        "audience",
        "channel",
        DateColumn("due_at", label=gettext_lazy("Due at"), sort_key="due_at"),
        StatusTagColumn(
            "state",
            label=gettext_lazy("State"),
            accessor="get_state_display",
            primary=lambda r: r.state == Reminder.State.SENT,
            sort_key="state",
        ),
        Column("attempts", label=gettext_lazy("Attempts")),
        DateColumn("sent_at", label=gettext_lazy("Sent at"), sort_key="sent_at"),
        Column("last_error", label=gettext_lazy("Last error")),
    ]
    list_export = [
        "appointment",
        "purpose",
        "audience",
        "channel",
        "due_at",
        "state",
        "attempts",
        "sent_at",
        "last_error",
    ]
    export_headings = {
        "appointment": gettext_lazy("Appointment"),
        "purpose": gettext_lazy("Purpose"),
        "audience": gettext_lazy("Recipient"),
        "channel": gettext_lazy("Channel"),
        "due_at": gettext_lazy("Due at"),
        "state": gettext_lazy("State"),
        "attempts": gettext_lazy("Attempts"),
        "sent_at": gettext_lazy("Sent at"),
        "last_error": gettext_lazy("Last error"),
    }
    export_filename = "reminders"

    def get_extra_urlpatterns(self):
        return [path("<id:pk>/retry/", ReminderRetryView.as_view(), name="retry")]

    def get_permissions_to_register(self):
        return Permission.objects.filter(
            content_type__app_label="reminders",
            codename__in=["view_reminder", "change_reminder"],
        )


# --- Session notices --------------------------------------------------------------------------


def percent(part: int, whole: int) -> int:
    return min(100, round(100 * part / whole)) if whole else 100


def progress_html(broadcast: Broadcast) -> str:
    return render_to_string(
        "reminders/admin/progress.html",
        {
            "planned": broadcast.planned,
            "total": broadcast.total,
            "planned_percent": percent(broadcast.planned, broadcast.total),
            "sent": broadcast.sent_count,
            "sent_percent": percent(broadcast.sent_count, broadcast.planned),
        },
    )


class BroadcastIndexView(generic.IndexView):
    def get_base_queryset(self):
        # Registrations with at least one notice sent (a registrant may get e-mail and SMS).
        return Broadcast.objects.select_related("session__activity", "created_by").annotate(
            sent_count=Count(
                "reminders__registration",
                filter=Q(reminders__state=Reminder.State.SENT),
                distinct=True,
            )
        )


class BroadcastViewSet(ReadOnlyViewSetMixin, ModelViewSet):
    model = Broadcast
    name = BROADCASTS_NAMESPACE
    url_prefix = "reminders/session-notices"
    icon = "warning"
    menu_label = gettext_lazy("Session notices")
    index_view_class = BroadcastIndexView
    copy_view_enabled = False
    add_to_reference_index = False
    list_filter = ["kind", "state"]
    ordering = "-created_at"
    list_display = [
        Column("session", label=gettext_lazy("Session"), accessor=lambda b: str(b.session)),
        "kind",
        UserColumn("created_by", label=gettext_lazy("Started by")),
        DateColumn("created_at", label=gettext_lazy("Started at"), sort_key="created_at"),
        Column("progress", label=gettext_lazy("Progress"), accessor=progress_html),
        StatusTagColumn(
            "state",
            label=gettext_lazy("State"),
            accessor="get_state_display",
            primary=lambda b: b.state == Broadcast.State.DONE,
            sort_key="state",
        ),
    ]

    def get_permissions_to_register(self):
        return Permission.objects.filter(
            content_type__app_label="reminders", codename__in=["view_broadcast"]
        )
