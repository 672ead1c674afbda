"""Regulator staff in the Wagtail admin: every consultation, with filters, exports, a detail
page with the timeline, and assigning or reassigning an expert.

Seeing consultations needs ``consultations.view_consultation``; assigning an expert needs
``consultations.assign_consultation``. Phones are masked unless the viewer holds
``events.view_full_phone``.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Subquery
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import Button

from consultations.exceptions import ConsultationError
from consultations.models import ACTIVE_STATES, Consultation, Slot
from enterprises.admin_menu import ENTERPRISE_SERVICES_MENU_HOOK, ORDER_CONSULTATIONS
from enterprises.admin_views import verified_column, verified_label
from experts.models import Expert
from portal.admin_views import (
    ReadOnlyViewSetMixin,
    StaffExportMixin,
    TimelineMixin,
    local_time,
    service_function,
)
from portal.choices import District, Field, Zone
from portal.filters import DateFromToRangeFilter, ModelChoiceFilter
from portal.phones import phone_display
from ratings.models import Rating

URL_NAMESPACE = "enterprise_services_consultations"
ASSIGN_PERMISSION = "consultations.assign_consultation"
State = Consultation.State


def url(name: str, *args) -> str:
    return reverse(f"{URL_NAMESPACE}:{name}", args=args)


class ConsultationFilterSet(WagtailFilterSet):
    state = django_filters.ChoiceFilter(label=gettext_lazy("State"), choices=State.choices)
    service = django_filters.ChoiceFilter(
        label=gettext_lazy("Service"), choices=Consultation._meta.get_field("service").choices
    )
    expert = ModelChoiceFilter(
        label=gettext_lazy("Expert"), queryset=Expert.objects.order_by("sort_order", "name")
    )
    district = django_filters.ChoiceFilter(
        label=gettext_lazy("District"), field_name="enterprise__district", choices=District.choices
    )
    zone = django_filters.ChoiceFilter(
        label=gettext_lazy("Functional zone"), field_name="enterprise__zone", choices=Zone.choices
    )
    industry = django_filters.ChoiceFilter(
        label=gettext_lazy("Industry"), field_name="enterprise__industry", choices=Field.choices
    )
    starts_at = DateFromToRangeFilter(label=gettext_lazy("Date"), widget=DateRangePickerWidget)
    escalated = django_filters.BooleanFilter(
        label=gettext_lazy("Escalated to staff"),
        field_name="escalated_at",
        lookup_expr="isnull",
        exclude=True,
    )
    verified = django_filters.BooleanFilter(
        label=gettext_lazy("Enterprise verified"), field_name="enterprise__is_verified"
    )

    class Meta:
        model = Consultation
        fields = []


class ConsultationIndexView(StaffExportMixin, generic.IndexView):
    export_shows_phones = True  # the contact phone (audit log when shown in full)

    def get_base_queryset(self):
        return Consultation.objects.select_related("enterprise", "expert").annotate(
            rating_level=Subquery(
                Rating.objects.filter(kind="consultation", object_id=OuterRef("pk")).values(
                    "level"
                )[:1]
            )
        )

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if self.request.user.has_perm(ASSIGN_PERMISSION) and instance.state in ACTIVE_STATES:
            from wagtail.admin.ui.menus import MenuItem

            buttons.append(
                MenuItem(
                    _("Assign an expert") if instance.expert_id is None else _("Reassign"),
                    url=url("assign", instance.pk),
                    icon_name="user",
                    priority=40,
                )
            )
        return buttons

    def to_row_dict(self, item: Consultation) -> dict:
        enterprise = item.enterprise
        return {
            "reference": item.reference,
            "state": item.get_state_display(),
            "service": item.get_service_display(),
            "field": item.get_field_display(),
            "topic": item.topic,
            "enterprise": enterprise.name,
            "credit_code": enterprise.credit_code,
            "verified": verified_label(enterprise),
            "district": enterprise.get_district_display(),
            "industry": enterprise.get_industry_display(),
            "expert": item.expert.name if item.expert_id else "",
            "starts_at": item.starts_at,
            "ends_at": item.ends_at,
            "mode": item.get_mode_display(),
            "contact_name": item.contact_name,
            "contact_phone": phone_display(
                item.contact_phone, user=self.request.user, grouped=False
            ),
            "created_at": item.created_at,
            "escalated_at": item.escalated_at,
            # The level as a number (5 very satisfied ... 1 very dissatisfied), to sum up.
            "rating": item.rating_level,
        }


class ConsultationDetailView(TimelineMixin, generic.InspectView):
    """A consultation as staff see it, with its timeline."""

    def get_object(self, queryset=None):
        return get_object_or_404(
            Consultation.objects.select_related("enterprise", "expert", "slot", "requested_by"),
            pk=self.pk,
        )

    def get_field_display_value(self, field_name=None, field=None):
        # The model has a field named "field": Wagtail looks for a method called
        # get_<name>_display_value, finds this generic one and calls it without arguments.
        if field_name is None:
            return self.object.get_field_display() or "-"
        return super().get_field_display_value(field_name, field)

    def get_enterprise_display_value(self):
        enterprise = self.object.enterprise
        return f"{enterprise.name} ({verified_label(enterprise)})"

    def get_contact_phone_display_value(self):
        return phone_display(self.object.contact_phone, user=self.request.user)

    def get_starts_at_display_value(self):
        return local_time(self.object.starts_at) or "-"

    def get_expert_display_value(self):
        return self.object.expert.name if self.object.expert_id else _("The team is to assign one")

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if self.request.user.has_perm(ASSIGN_PERMISSION) and self.object.state in ACTIVE_STATES:
            buttons.append(
                Button(
                    _("Assign an expert") if self.object.expert_id is None else _("Reassign"),
                    url=url("assign", self.object.pk),
                    icon_name="user",
                    priority=40,
                )
            )
        return buttons

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            timeline=self.timeline(self.object.changes.all(), state_labels=dict(State.choices)),
            **kwargs,
        )


# --- Assigning an expert ---------------------------------------------------------------------


class SlotChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, slot: Slot) -> str:
        return f"{slot.expert.name} · {local_time(slot.starts_at)} · {slot.get_mode_display()}"


def free_slots():
    """Future slots that hold no active consultation."""
    taken = Consultation.objects.filter(slot=OuterRef("pk"), state__in=ACTIVE_STATES)
    return (
        Slot.objects.filter(starts_at__gt=timezone.now())
        .exclude(Exists(taken))
        .select_related("expert")
        .order_by("expert__name", "starts_at")
    )


class AssignForm(forms.Form):
    expert = forms.ModelChoiceField(
        label=gettext_lazy("Expert"),
        queryset=Expert.objects.filter(is_active=True).order_by("sort_order", "name"),
    )
    slot = SlotChoiceField(
        label=gettext_lazy("Slot"),
        queryset=Slot.objects.none(),
        required=False,
        help_text=gettext_lazy(
            "Optional: a free slot of the chosen expert. Without one, the expert proposes a time."
        ),
    )

    def __init__(self, *args, consultation: Consultation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].queryset = free_slots()
        if consultation.expert_id:
            self.fields["expert"].initial = consultation.expert_id


class ConsultationAssignView(WagtailAdminTemplateMixin, FormView):
    """GET shows the form; POST calls ``consultation_assign``."""

    template_name = "consultations/admin/assign.html"
    form_class = AssignForm
    header_icon = "user"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(ASSIGN_PERMISSION):
            raise PermissionDenied
        self.consultation = get_object_or_404(
            Consultation.objects.select_related("enterprise", "expert"), pk=kwargs["pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Assign an expert to %(reference)s") % {"reference": self.consultation.reference}

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": url("index"), "label": _("Consultations")},
            {"url": url("inspect", self.consultation.pk), "label": self.consultation.reference},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "consultation": self.consultation}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            consultation=self.consultation,
            enterprise_verified=verified_label(self.consultation.enterprise),
            back_url=url("inspect", self.consultation.pk),
            **kwargs,
        )

    def form_valid(self, form):
        consultation_assign = service_function(
            "consultations.services.booking", "consultation_assign"
        )
        if consultation_assign is None:
            form.add_error(None, _("Assigning experts is not available yet."))
            return self.form_invalid(form)
        try:
            consultation_assign(
                consultation=self.consultation,
                by=self.request.user,
                expert=form.cleaned_data["expert"],
                slot=form.cleaned_data["slot"],
            )
        except ConsultationError as error:
            form.add_error(None, assign_error_message(error))
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("%(expert)s is assigned to %(reference)s.")
            % {
                "expert": form.cleaned_data["expert"].name,
                "reference": self.consultation.reference,
            },
        )
        return redirect(url("inspect", self.consultation.pk))


def assign_error_message(error: ConsultationError) -> str:
    """The service's message (translated, says what to do) or, failing that, its code."""
    if error.message:
        return str(error.message)
    return _("The expert could not be assigned (%(code)s).") % {"code": error.code}


# --- The viewset ---------------------------------------------------------------------------


def enterprise_column() -> Column:
    return Column(
        "enterprise",
        label=gettext_lazy("Enterprise"),
        accessor=lambda c: c.enterprise.name,
        sort_key="enterprise__name",
    )


class ConsultationViewSet(ReadOnlyViewSetMixin, ModelViewSet):
    """All consultations for staff; they change only through the booking services (assign
    here, the rest by the parties), so there is no edit or delete view."""

    model = Consultation
    name = URL_NAMESPACE
    url_prefix = "enterprise-services/consultations"
    icon = "help"
    menu_label = gettext_lazy("Consultations")
    menu_hook = ENTERPRISE_SERVICES_MENU_HOOK
    menu_order = ORDER_CONSULTATIONS
    index_view_class = ConsultationIndexView
    inspect_view_class = ConsultationDetailView
    inspect_view_enabled = True
    inspect_template_name = "consultations/admin/detail.html"
    copy_view_enabled = False
    add_to_reference_index = False
    filterset_class = ConsultationFilterSet
    search_fields = ["reference", "topic", "enterprise__name"]
    search_backend_name = None
    ordering = "-created_at"
    list_display = [
        "reference",
        enterprise_column(),
        verified_column(lambda c: c.enterprise, label=gettext_lazy("Enterprise verified")),
        "service",
        Column(
            "expert",
            label=gettext_lazy("Expert"),
            accessor=lambda c: c.expert.name if c.expert_id else "–",
        ),
        DateColumn("starts_at", label=gettext_lazy("Starts at"), sort_key="starts_at"),
        StatusTagColumn(
            "state",
            label=gettext_lazy("State"),
            accessor="get_state_display",
            primary=lambda c: c.state == State.CONFIRMED,
            sort_key="state",
        ),
        DateColumn("escalated_at", label=gettext_lazy("Escalated"), sort_key="escalated_at"),
    ]
    list_export = [
        "reference",
        "state",
        "service",
        "field",
        "topic",
        "enterprise",
        "credit_code",
        "verified",
        "district",
        "industry",
        "expert",
        "starts_at",
        "ends_at",
        "mode",
        "contact_name",
        "contact_phone",
        "created_at",
        "escalated_at",
        "rating",
    ]
    export_headings = {
        "reference": gettext_lazy("Reference"),
        "state": gettext_lazy("State"),
        "service": gettext_lazy("Service"),
        "field": gettext_lazy("Field"),
        "topic": gettext_lazy("Topic"),
        "enterprise": gettext_lazy("Enterprise"),
        "credit_code": gettext_lazy("Unified social credit code"),
        "verified": gettext_lazy("Enterprise verified"),
        "district": gettext_lazy("District"),
        "industry": gettext_lazy("Industry"),
        "expert": gettext_lazy("Expert"),
        "starts_at": gettext_lazy("Starts at"),
        "ends_at": gettext_lazy("Ends at"),
        "mode": gettext_lazy("Where"),
        "contact_name": gettext_lazy("Contact person"),
        "contact_phone": gettext_lazy("Contact phone"),
        "created_at": gettext_lazy("Requested at"),
        "escalated_at": gettext_lazy("Escalated at"),
        "rating": gettext_lazy("Rating"),
    }
    export_filename = "consultations"
    inspect_view_fields = [
        "reference",
        "state",
        "enterprise",
        "service",
        "field",
        "topic",
        "description",
        "product_or_standard",
        "expert",
        "starts_at",
        "mode",
        "contact_name",
        "contact_phone",
        "decline_reason",
        "cancel_reason",
        "summary",
        "recommendations",
        "escalated_at",
        "created_at",
    ]

    def get_extra_urlpatterns(self):
        return [
            path("<id:pk>/assign/", ConsultationAssignView.as_view(), name="assign"),
        ]

    def get_permissions_to_register(self):
        return Permission.objects.filter(
            content_type__app_label="consultations",
            codename__in=["view_consultation", "change_consultation", "assign_consultation"],
        )
