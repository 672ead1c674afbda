"""The lab visits', visit slots' and shared instruments' viewsets in the admin menu group
"Enterprise services" (``enterprises.admin_menu``) and their audit log action types
(``portal.audit``)."""

from wagtail import hooks

from labvisits import audit
from labvisits.admin_views import InstrumentViewSet, LabVisitViewSet, VisitSlotViewSet
from portal.audit import audit_actions_register


@hooks.register("register_admin_viewset")
def register_lab_visit_viewsets():
    return [LabVisitViewSet(), VisitSlotViewSet(), InstrumentViewSet()]


@hooks.register("register_log_actions")
def register_lab_visit_audit_actions(actions):
    audit_actions_register(actions, audit.ACTIONS)
