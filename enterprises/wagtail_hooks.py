"""The admin menu group "Enterprise services" (``enterprises.admin_menu``), the
enterprises' viewset in it, and their audit log action types (``portal.audit``)."""

from wagtail import hooks

from enterprises import audit
from enterprises.admin_menu import EnterpriseServicesViewSetGroup
from enterprises.admin_views import EnterpriseViewSet
from portal.audit import audit_actions_register


@hooks.register("register_admin_viewset")
def register_enterprise_services_viewsets():
    return [EnterpriseServicesViewSetGroup(), EnterpriseViewSet()]


@hooks.register("register_log_actions")
def register_enterprise_audit_actions(actions):
    audit_actions_register(actions, audit.ACTIONS)
