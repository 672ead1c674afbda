"""The admin menu group "Enterprise services" for regulator staff: enterprises,
consultations, lab visits, visit slots, shared instruments and supply-demand needs. The
group is registered by ``enterprises/wagtail_hooks.py``; each app registers its own viewset (in its
``wagtail_hooks.py``) with ``menu_hook = ENTERPRISE_SERVICES_MENU_HOOK`` and its position
below, so the group shows every item without knowing the apps that add them."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.base import ViewSetGroup

ENTERPRISE_SERVICES_MENU_HOOK = "register_enterprise_services_menu_item"

# Positions of the items in the group, as editors see them.
ORDER_CONSULTATIONS = 1
ORDER_LAB_VISITS = 2
ORDER_VISIT_SLOTS = 3
ORDER_ENTERPRISES = 4
ORDER_INSTRUMENTS = 5
ORDER_NEEDS = 6


class EnterpriseServicesViewSetGroup(ViewSetGroup):
    menu_label = _("Enterprise services")
    menu_icon = "site"
    menu_order = 207
    submenu_hook = ENTERPRISE_SERVICES_MENU_HOOK
