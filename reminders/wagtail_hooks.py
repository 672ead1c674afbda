"""The admin menu group "Reminders": planned reminders and notices, and session notices."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup

from reminders.admin_views import BroadcastViewSet, ReminderViewSet


class RemindersViewSetGroup(ViewSetGroup):
    menu_label = _("Reminders")
    menu_icon = "mail"
    menu_order = 215
    items = (ReminderViewSet, BroadcastViewSet)


@hooks.register("register_admin_viewset")
def register_reminders_viewsets():
    return RemindersViewSetGroup()
