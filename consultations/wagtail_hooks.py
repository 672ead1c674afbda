"""The consultations' viewset in the admin menu group "Enterprise services"
(``enterprises.admin_menu``) and their audit log action types (``portal.audit``)."""

from wagtail import hooks

from consultations import audit
from consultations.admin_views import ConsultationViewSet
from portal.audit import audit_actions_register


@hooks.register("register_admin_viewset")
def register_consultation_viewset():
    return ConsultationViewSet()


@hooks.register("register_log_actions")
def register_consultation_audit_actions(actions):
    audit_actions_register(actions, audit.ACTIONS)
