"""Regulator staff in the Wagtail admin: enterprises, and what the "Enterprise services"
listings share (masked phones, spreadsheet exports).

Registered by ``enterprises/wagtail_hooks.py`` under the admin menu group "Enterprise
services". Seeing enterprises needs ``enterprises.view_enterprise``; marking one verified
needs ``enterprises.change_enterprise``. Phones are masked (138****1234) for anyone without
``events.view_full_phone``, on the pages and in the downloads alike.
"""

from __future__ import annotations

import datetime
import importlib

from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import StatusTagColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.mixins import SpreadsheetExportMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import Button

from enterprises.models import Enterprise
from events.views.admin import MaskedPhoneColumn, _csv_stream, _csv_text, local_time, phone_display

VERIFY_PERMISSION = "enterprises.change_enterprise"


# --- Shared by the listings of enterprises, consultations and lab visits -----------------


class StaffExportMixin:
    """CSV and XLSX through Wagtail's spreadsheet export, like the open-day registrations:
    numbers stay numbers, dates are local dates, and CSV cells typed by the public cannot
    start a formula. Subclasses build rows in ``to_row_dict`` (masking phones there)."""

    custom_value_preprocess = {
        **SpreadsheetExportMixin.custom_value_preprocess,
        # Wagtail writes aware datetimes to XLSX in UTC; staff read local times.
        datetime.datetime: {
            SpreadsheetExportMixin.FORMAT_XLSX: lambda value: timezone.make_naive(value),
            SpreadsheetExportMixin.FORMAT_CSV: local_time,
        },
        str: {SpreadsheetExportMixin.FORMAT_CSV: lambda value: _csv_text(value)},
    }

    def get_filename(self) -> str:
        return f"{self.export_filename}-{timezone.localdate():%Y%m%d}"

    def write_csv_response(self, queryset):
        response = super().write_csv_response(queryset)
        response.streaming_content = _csv_stream(
            response.streaming_content, language=translation.get_language()
        )
        return response


class TimelineMixin:
    """Rows of a change table (``ConsultationChange`` / ``LabVisitChange``) prepared for
    ``templates/enterprises/admin/_timeline.html``."""

    def timeline(self, changes, *, state_labels: dict) -> list[dict]:
        return [
            {
                "at": change.created_at,
                "by": _user_name(change.changed_by),
                "event": change.event,
                "from_state": str(state_labels.get(change.from_state, change.from_state)),
                "to_state": str(state_labels.get(change.to_state, change.to_state)),
                "note": change.note,
            }
            for change in changes.select_related("changed_by")
        ]


def _user_name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name().strip() or user.get_username()


def service_function(module: str, name: str):
    """A service written in parallel by another part of the project, imported when used so
    that the admin keeps working (without that action) before it exists."""
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


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
        return _user_name(self.object.verified_by) or "-"

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
                    "name": _user_name(m.user),
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
        enterprise_verify(enterprise=self.enterprise, by=request.user, verified=verified)
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


class EnterpriseViewSet(ModelViewSet):
    """Enterprises for staff: a filtered list, a detail page (inspect) and the verify
    action. Profiles are the enterprises' own: staff neither add, edit nor delete them."""

    model = Enterprise
    name = URL_NAMESPACE
    url_prefix = "enterprise-services/enterprises"
    icon = "site"
    menu_label = gettext_lazy("Enterprises")
    index_view_class = EnterpriseIndexView
    inspect_view_class = EnterpriseInspectView
    inspect_view_enabled = True
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
    list_filter = ["is_verified", "industry", "district", "size"]
    search_fields = ["name", "credit_code"]
    search_backend_name = None  # plain database search: enterprises are not indexed
    ordering = "name"
    inspect_view_fields = [
        "name",
        "credit_code",
        "industry",
        "district",
        "size",
        "address",
        "contact_name",
        "contact_phone",
        "is_verified",
        "verified_at",
        "verified_by",
        "created_at",
    ]

    def get_inspect_view_kwargs(self, **kwargs):
        return super().get_inspect_view_kwargs(
            template_name="enterprises/admin/enterprise_inspect.html", **kwargs
        )

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(
            add_url_name=None,
            edit_url_name=None,
            delete_url_name=None,
            history_url_name=None,
            usage_url_name=None,
            **kwargs,
        )

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("<int:pk>/", self.inspect_view, name="inspect"),
            path("<int:pk>/verify/", EnterpriseVerifyView.as_view(), name="verify"),
        ]

    def get_permissions_to_register(self):
        return Permission.objects.filter(
            content_type__app_label="enterprises",
            codename__in=["view_enterprise", "change_enterprise", "verify_enterprise"],
        )
