"""Regulator staff in the Wagtail admin: enterprises, and the "verified" column the
"Enterprise services" listings share (exports and timelines: ``portal/admin_views.py``).

Registered by ``enterprises/wagtail_hooks.py`` under the admin menu group "Enterprise
services". Seeing enterprises needs ``enterprises.view_enterprise``; marking one verified
needs ``enterprises.change_enterprise``. Phones are masked (138****1234) for anyone without
``events.view_full_phone``, on the pages and in the downloads alike.
"""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import StatusTagColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import Button

from enterprises.admin_menu import ENTERPRISE_SERVICES_MENU_HOOK, ORDER_ENTERPRISES
from enterprises.models import Enterprise
from enterprises.services import EnterpriseError
from portal.admin_columns import MaskedPhoneColumn
from portal.admin_views import ReadOnlyViewSetMixin, service_function
from portal.history import user_name
from portal.phones import phone_display

VERIFY_PERMISSION = "enterprises.change_enterprise"


# --- Enterprises -------------------------------------------------------------------------

URL_NAMESPACE = "enterprise_services_enterprises"


def verified_column(accessor=lambda enterprise: enterprise, **kwargs) -> StatusTagColumn:
    """ "Verified" / "Not verified" as a tag (words, not an icon, so screen readers and
    both languages get it); ``accessor`` finds the enterprise from the row."""
    return StatusTagColumn(
        "is_verified",
        label=kwargs.pop("label", gettext_lazy("Verified")),
        accessor=lambda row: verified_label(accessor(row)),
        primary=lambda row: accessor(row).is_verified,
        **kwargs,
    )


def verified_label(enterprise: Enterprise) -> str:
    return _("Verified") if enterprise.is_verified else _("Not verified")


class EnterpriseIndexView(generic.IndexView):
    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if self.request.user.has_perm(VERIFY_PERMISSION):
            label = _("Remove verification") if instance.is_verified else _("Mark verified")
            buttons.append(
                MenuItem(
                    label,
                    url=reverse(f"{URL_NAMESPACE}:verify", args=[instance.pk]),
                    icon_name="tick",
                    priority=40,
                )
            )
        return buttons


class EnterpriseInspectView(generic.InspectView):
    def get_object(self, queryset=None):
        return get_object_or_404(Enterprise.objects.select_related("verified_by"), pk=self.pk)

    def get_contact_phone_display_value(self):
        return phone_display(self.object.contact_phone, user=self.request.user)

    def get_verified_by_display_value(self):
        return user_name(self.object.verified_by) or "-"

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if self.request.user.has_perm(VERIFY_PERMISSION):
            label = _("Remove verification") if self.object.is_verified else _("Mark verified")
            buttons.append(
                Button(
                    label,
                    url=reverse(f"{URL_NAMESPACE}:verify", args=[self.object.pk]),
                    icon_name="tick",
                    priority=40,
                )
            )
        return buttons

    def get_context_data(self, **kwargs):
        members = self.object.memberships.select_related("user").order_by("created_at")
        return super().get_context_data(
            members=[
                {
                    "name": user_name(m.user),
                    "role": m.get_role_display(),
                    "status": m.get_status_display(),
                }
                for m in members
            ],
            **kwargs,
        )


class EnterpriseVerifyView(WagtailAdminTemplateMixin, TemplateView):
    """GET asks for confirmation; POST (CSRF-protected) marks the enterprise verified, or
    removes the mark, through ``enterprises.services.enterprise_verify``."""

    template_name = "enterprises/admin/verify.html"
    header_icon = "tick"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(VERIFY_PERMISSION):
            raise PermissionDenied
        self.enterprise = get_object_or_404(Enterprise, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        if self.enterprise.is_verified:
            return _("Remove verification of %(name)s") % {"name": self.enterprise.name}
        return _("Mark %(name)s verified") % {"name": self.enterprise.name}

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(f"{URL_NAMESPACE}:index"), "label": _("Enterprises")},
            {
                "url": reverse(f"{URL_NAMESPACE}:inspect", args=[self.enterprise.pk]),
                "label": self.enterprise.name,
            },
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            enterprise=self.enterprise,
            back_url=reverse(f"{URL_NAMESPACE}:inspect", args=[self.enterprise.pk]),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        enterprise_verify = service_function("enterprises.services", "enterprise_verify")
        if enterprise_verify is None:
            messages.error(request, _("Verifying enterprises is not available yet."))
            return redirect(f"{URL_NAMESPACE}:inspect", self.enterprise.pk)
        verified = not self.enterprise.is_verified
        try:
            enterprise_verify(enterprise=self.enterprise, by=request.user, verified=verified)
        except EnterpriseError as error:
            messages.error(request, error.message)
            return redirect(f"{URL_NAMESPACE}:inspect", self.enterprise.pk)
        if verified:
            messages.success(
                request, _("%(name)s is marked verified.") % {"name": self.enterprise.name}
            )
        else:
            messages.success(
                request,
                _("%(name)s is no longer marked verified.") % {"name": self.enterprise.name},
            )
        return redirect(f"{URL_NAMESPACE}:inspect", self.enterprise.pk)


class EnterpriseViewSet(ReadOnlyViewSetMixin, ModelViewSet):
    """Enterprises for staff: a filtered list, a detail page (inspect) and the verify
    action. Profiles are the enterprises' own: staff neither add, edit nor delete them."""

    model = Enterprise
    name = URL_NAMESPACE
    url_prefix = "enterprise-services/enterprises"
    icon = "site"
    menu_label = gettext_lazy("Enterprises")
    menu_hook = ENTERPRISE_SERVICES_MENU_HOOK
    menu_order = ORDER_ENTERPRISES
    index_view_class = EnterpriseIndexView
    inspect_view_class = EnterpriseInspectView
    inspect_view_enabled = True
    inspect_template_name = "enterprises/admin/enterprise_inspect.html"
    copy_view_enabled = False
    add_to_reference_index = False
    list_display = [
        "name",
        "credit_code",
        "industry",
        "district",
        "size",
        verified_column(sort_key="is_verified"),
        MaskedPhoneColumn("contact_phone", label=gettext_lazy("Contact phone")),
    ]
    list_filter = ["is_verified", "industry", "district", "zone", "size"]
    search_fields = ["name", "credit_code"]
    search_backend_name = None  # plain database search: enterprises are not indexed
    ordering = "name"
    inspect_view_fields = [
        "name",
        "credit_code",
        "industry",
        "district",
        "zone",
        "size",
        "address",
        "contact_name",
        "contact_phone",
        "is_verified",
        "verified_at",
        "verified_by",
        "created_at",
    ]

    def get_extra_urlpatterns(self):
        return [
            path("<id:pk>/verify/", EnterpriseVerifyView.as_view(), name="verify"),
        ]

    def get_permissions_to_register(self):
        return Permission.objects.filter(
            content_type__app_label="enterprises",
            codename__in=["view_enterprise", "change_enterprise", "verify_enterprise"],
        )
