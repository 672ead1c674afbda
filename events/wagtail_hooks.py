"""The admin menu group "Open day": registrations per session, no-show restrictions lifted
by staff and tickets presented twice at the door (offline check-ins); a menu link to the
check-in screen for check-in staff; and the open day's audit log action types
(``portal.audit``)."""

from django.contrib.auth.models import Permission
from django.urls import path, reverse_lazy
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column, DateColumn, UserColumn
from wagtail.admin.views.generic.models import IndexView
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from events import audit
from events.models import CheckinConflict, NoShowWaiver
from events.views import admin as views
from portal.admin_columns import MaskedPhoneColumn
from portal.admin_views import ReadOnlyViewSetMixin
from portal.audit import audit_actions_register


class RegistrationViewSet(ViewSet):
    """Per-session lists of registrations with exports, cancel and move, and cancelling a
    whole session with the progress of its notices (custom views)."""

    name = views.URL_NAMESPACE
    url_prefix = "open-day/registrations"
    icon = "list-ul"
    menu_label = _("Registrations")

    @cached_property
    def menu_item_class(self):
        def is_shown(_self, request):
            return request.user.has_perm("events.view_registration")

        return type("RegistrationMenuItem", (MenuItem,), {"is_shown": is_shown})

    def get_urlpatterns(self):
        return [
            path("", views.SessionIndexView.as_view(), name="index"),
            path(
                "session/<id:session_id>/",
                views.SessionRegistrationsView.as_view(),
                name="session",
            ),
            path(
                "session/<id:session_id>/cancel/",
                views.SessionCancelView.as_view(),
                name="session_cancel",
            ),
            path("<id:pk>/", views.RegistrationDetailView.as_view(), name="registration"),
            path("<id:pk>/cancel/", views.RegistrationCancelView.as_view(), name="cancel"),
            path("<id:pk>/move/", views.RegistrationMoveView.as_view(), name="move"),
        ]


class NoShowWaiverViewSet(ReadOnlyViewSetMixin, ModelViewSet):
    """Staff lift a phone number's no-show restriction: a list and a create form only
    (a waiver is a record of a decision, not edited or deleted afterwards)."""

    model = NoShowWaiver
    name = "open_day_noshow_waivers"
    url_prefix = "open-day/no-show-waivers"
    icon = "lock-open"
    menu_label = _("No-show restrictions lifted")
    add_view_class = views.NoShowWaiverCreateView
    disabled_views = ("edit", "delete", "history", "usage")
    copy_view_enabled = False
    add_to_reference_index = False
    list_display = [
        MaskedPhoneColumn("phone", label=_("Mobile phone")),
        "note",
        DateColumn("created_at", label=_("Lifted at"), sort_key="created_at"),
        UserColumn("created_by", label=_("Lifted by")),
    ]

    def get_form_class(self, for_update=False):
        return views.NoShowWaiverForm

    def get_permissions_to_register(self):
        # The list needs "view", the form "add": offer both in the group editor.
        return Permission.objects.filter(
            content_type__app_label="events",
            codename__in=["add_noshowwaiver", "view_noshowwaiver"],
        )


class CheckinConflictIndexView(IndexView):
    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related(
                "registration__session__activity", "registration__checked_in_by", "scanned_by"
            )
        )


class CheckinConflictViewSet(ReadOnlyViewSetMixin, ModelViewSet):
    """Tickets checked in on a second device while offline (``events.services.offline``):
    a list only, written by the sync. No names: the ticket code and session identify it."""

    model = CheckinConflict
    name = "open_day_checkin_conflicts"
    url_prefix = "open-day/checkin-conflicts"
    icon = "warning"
    menu_label = _("Tickets presented twice")
    index_view_class = CheckinConflictIndexView
    copy_view_enabled = False
    add_to_reference_index = False
    list_display = [
        Column("ticket", label=_("Ticket code"), accessor="registration.ticket_code"),
        Column("session", label=_("Session"), accessor="registration.session"),
        Column("party", label=_("Party size"), accessor="registration.party_size"),
        DateColumn(
            "checked_in_at", label=_("Checked in at"), accessor="registration.checked_in_at"
        ),
        DateColumn("scanned_at", label=_("Presented again at"), sort_key="scanned_at"),
        UserColumn("scanned_by", label=_("Presented again to")),
        "device",
    ]

    def get_permissions_to_register(self):
        return Permission.objects.filter(
            content_type__app_label="events", codename="view_checkinconflict"
        )


class OpenDayViewSetGroup(ViewSetGroup):
    menu_label = _("Open day")
    menu_icon = "calendar-alt"
    menu_order = 205
    items = (RegistrationViewSet, NoShowWaiverViewSet, CheckinConflictViewSet)


@hooks.register("register_admin_viewset")
def register_open_day_viewsets():
    return OpenDayViewSetGroup()


class CheckinMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("events.check_in")


@hooks.register("register_admin_menu_item")
def register_checkin_menu_item():
    """The check-in screen is a mobile page on the public site, in the staff's language."""
    return CheckinMenuItem(
        _("Check-in at the door"),
        reverse_lazy("events:checkin_home"),
        icon_name="tick-inverse",
        order=206,
    )


@hooks.register("register_log_actions")
def register_open_day_audit_actions(actions):
    audit_actions_register(actions, audit.ACTIONS)
