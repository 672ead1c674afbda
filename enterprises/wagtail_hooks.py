"""The admin menu group "Enterprise services": enterprises, consultations, lab visits and
visit slots for regulator staff. The viewsets live in each app's ``admin_views.py``; the
group is registered here once."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup

from consultations.admin_views import ConsultationViewSet
from enterprises.admin_views import EnterpriseViewSet
from labvisits.admin_views import LabVisitViewSet, VisitSlotViewSet


class EnterpriseServicesViewSetGroup(ViewSetGroup):
    menu_label = _("Enterprise services")
    menu_icon = "site"
    menu_order = 207
    items = (ConsultationViewSet, LabVisitViewSet, VisitSlotViewSet, EnterpriseViewSet)


@hooks.register("register_admin_viewset")
def register_enterprise_services_viewsets():
    return EnterpriseServicesViewSetGroup()
