"""The admin menu group "Enterprise services": enterprises, consultations, lab visits and
visit slots for regulator staff. The viewsets live in each app's ``admin_views.py``; the
group is registered here once, and so are their audit log action types (``portal.audit``)."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup

from consultations import audit as consultation_audit
from consultations.admin_views import ConsultationViewSet
from enterprises import audit as enterprise_audit
from enterprises.admin_views import EnterpriseViewSet
from labvisits import audit as lab_visit_audit
from labvisits.admin_views import LabVisitViewSet, VisitSlotViewSet
from portal.audit import audit_actions_register


class EnterpriseServicesViewSetGroup(ViewSetGroup):
    menu_label = _("Enterprise services")
    menu_icon = "site"
    menu_order = 207
    items = (ConsultationViewSet, LabVisitViewSet, VisitSlotViewSet, EnterpriseViewSet)


@hooks.register("register_admin_viewset")
def register_enterprise_services_viewsets():
    return EnterpriseServicesViewSetGroup()


@hooks.register("register_log_actions")
def register_enterprise_services_audit_actions(actions):
    """Audit log action types of enterprises, consultations and lab visits."""
    for app_audit in (enterprise_audit, consultation_audit, lab_visit_audit):
        audit_actions_register(actions, app_audit.ACTIONS)
