"""Staff in the Wagtail admin: webhook endpoints (created, edited, paused, deleted by staff
holding ``webhooks.*_endpoint``; the signing secret is shown on the edit form, to be given
to the receiving system) and their deliveries (read-only, with the payload sent and the
receiver's answer; "Retry" on a failed one needs ``webhooks.change_delivery``).
"""

from __future__ import annotations

import json

import django_filters
from django import forms
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.models import Locale

from experts.models import InstitutionPage
from portal.admin_views import ReadOnlyViewSetMixin
from portal.filters import DateFromToRangeFilter, ModelChoiceFilter
from webhooks.models import Delivery, Endpoint, Event
from webhooks.services import body_encode, delivery_retry

ENDPOINTS_NAMESPACE = "webhooks_endpoints"
DELIVERIES_NAMESPACE = "webhooks_deliveries"
RETRY_PERMISSION = "webhooks.change_delivery"


def url(name: str, *args) -> str:
    return reverse(f"{DELIVERIES_NAMESPACE}:{name}", args=args)


def institutions():
    """Institution pages in the default language (any translation's events match)."""
    return InstitutionPage.objects.filter(locale=Locale.get_default()).order_by("title")


# --- Endpoints ------------------------------------------------------------------------------


class EndpointForm(WagtailAdminModelForm):
    events = forms.MultipleChoiceField(
        label=gettext_lazy("Events"),
        choices=Event.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions()

    def save(self, commit=True):
        if self.instance.pk is None and self.for_user is not None:
            self.instance.created_by = self.for_user
        return super().save(commit=commit)


class SecretPanel(FieldPanel):
    """The signing secret, read-only, once the endpoint exists (a new one gets its secret
    when it is saved)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(*args, **kwargs)

    class BoundPanel(FieldPanel.BoundPanel):
        def is_shown(self):
            return self.instance.pk is not None and super().is_shown()


class EndpointViewSet(ModelViewSet):
    model = Endpoint
    name = ENDPOINTS_NAMESPACE
    url_prefix = "webhooks/endpoints"
    icon = "link"
    menu_label = gettext_lazy("Endpoints")
    copy_view_enabled = False
    add_to_reference_index = False
    list_filter = ["active", "scope"]
    ordering = "name"
    edit_handler = ObjectList(
        [
            FieldPanel("name"),
            FieldPanel("url"),
            FieldPanel("events"),
            FieldPanel("scope"),
            FieldPanel("institution"),
            FieldPanel("active"),
            SecretPanel(
                "secret",
                help_text=gettext_lazy(
                    "Give it to the receiving system: it checks the signature of every "
                    "delivery with it."
                ),
            ),
        ],
        base_form_class=EndpointForm,
    )
    list_display = [
        "name",  # the title column, linking to the edit form
        "url",
        Column(
            "events",
            label=gettext_lazy("Events"),
            accessor=lambda e: ", ".join(e.events),
        ),
        "scope",
        Column(
            "institution",
            label=gettext_lazy("Institution"),
            accessor=lambda e: e.institution.title if e.institution else "",
        ),
        Column(
            "active",
            label=gettext_lazy("Active"),
            accessor=lambda e: _("Yes") if e.active else _("No"),
        ),
    ]

    def get_queryset(self, request):
        return Endpoint.objects.select_related("institution")

    def get_permissions_to_register(self):
        return Permission.objects.filter(
            content_type__app_label="webhooks",
            codename__in=[f"{a}_endpoint" for a in ("add", "change", "delete", "view")],
        )


# --- Deliveries ----------------------------------------------------------------------------


class DeliveryFilterSet(WagtailFilterSet):
    endpoint = ModelChoiceFilter(
        label=gettext_lazy("Endpoint"), field_name="endpoint", queryset=Endpoint.objects.all()
    )
    state = django_filters.ChoiceFilter(label=gettext_lazy("State"), choices=Delivery.State.choices)
    event = django_filters.ChoiceFilter(label=gettext_lazy("Event"), choices=Event.choices)
    created_at = DateFromToRangeFilter(label=gettext_lazy("Created"), widget=DateRangePickerWidget)

    class Meta:
        model = Delivery
        fields = []


def response_label(delivery: Delivery) -> str:
    """The receiver's answer as staff read it: status and the start of the body, or the
    error of an attempt that got no answer."""
    if delivery.response_status is not None:
        return f"{delivery.response_status} {delivery.response_body[:120]}".strip()
    return delivery.last_error


class DeliveryIndexView(generic.IndexView):
    def get_base_queryset(self):
        return Delivery.objects.select_related("endpoint")

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if instance.state == Delivery.State.FAILED and self.request.user.has_perm(RETRY_PERMISSION):
            buttons.append(
                MenuItem(
                    _("Retry"), url=url("retry", instance.pk), icon_name="resubmit", priority=40
                )
            )
        return buttons


class DeliveryInspectView(generic.InspectView):
    def get_fields(self):
        return [
            "endpoint",
            "event",
            "event_id",
            "occurred_at",
            "state",
            "attempts",
            "next_attempt_at",
            "delivered_at",
            "response_status",
            "response_body",
            "last_error",
            "payload",
        ]

    def get_field_display_value(self, field_name, field):
        if field_name == "payload":
            return json.dumps(self.object.payload, ensure_ascii=False, indent=2, sort_keys=True)
        return super().get_field_display_value(field_name, field)


class DeliveryRetryView(WagtailAdminTemplateMixin, TemplateView):
    """GET asks for confirmation; POST puts the failed delivery back for sending."""

    template_name = "webhooks/admin/retry.html"
    header_icon = "resubmit"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(RETRY_PERMISSION):
            raise PermissionDenied
        self.delivery = get_object_or_404(
            Delivery.objects.select_related("endpoint"), pk=kwargs["pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Retry a failed webhook delivery")

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": url("index"), "label": _("Deliveries")},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            delivery=self.delivery,
            size=len(body_encode(self.delivery.payload)),
            back_url=url("index"),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        delivery = delivery_retry(delivery_id=self.delivery.pk, by=request.user)
        if delivery.state == Delivery.State.PENDING:
            messages.success(request, _("The delivery will be sent again within a minute."))
        else:
            messages.warning(request, _("Only failed deliveries can be retried."))
        return redirect(url("index"))


class DeliveryViewSet(ReadOnlyViewSetMixin, ModelViewSet):
    model = Delivery
    name = DELIVERIES_NAMESPACE
    url_prefix = "webhooks/deliveries"
    icon = "list-ul"
    menu_label = gettext_lazy("Deliveries")
    index_view_class = DeliveryIndexView
    inspect_view_enabled = True
    inspect_view_class = DeliveryInspectView
    copy_view_enabled = False
    add_to_reference_index = False
    filterset_class = DeliveryFilterSet
    ordering = "-created_at"
    list_display = [
        "event",  # the title column, linking to the inspect view
        Column("endpoint", label=gettext_lazy("Endpoint"), accessor=lambda d: d.endpoint.name),
        DateColumn("created_at", label=gettext_lazy("Created"), sort_key="created_at"),
        StatusTagColumn(
            "state",
            label=gettext_lazy("State"),
            accessor="get_state_display",
            primary=lambda d: d.state == Delivery.State.DELIVERED,
            sort_key="state",
        ),
        Column("attempts", label=gettext_lazy("Attempts")),
        DateColumn("next_attempt_at", label=gettext_lazy("Next attempt")),
        Column("response", label=gettext_lazy("Response"), accessor=response_label),
    ]

    def get_extra_urlpatterns(self):
        return [path("<id:pk>/retry/", DeliveryRetryView.as_view(), name="retry")]

    def get_permissions_to_register(self):
        return Permission.objects.filter(
            content_type__app_label="webhooks",
            codename__in=["view_delivery", "change_delivery"],
        )
