"""Regulator staff in the Wagtail admin: every lab visit (filters, exports, timeline), the
visit slots of every lab (staff add them for any lab, and machine time on a shared
instrument) and the shared-instrument catalogue.

Seeing visits needs ``labvisits.view_labvisit``; visit slots follow the usual model
permissions (``add/change/delete/view_visitslot``). Institution contacts have none of these:
they handle their own labs' visits on the public site. Phones are masked unless the viewer
holds ``events.view_full_phone``.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth.models import Permission
from django.db.models import IntegerField, Q, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.models import Locale

from enterprises.admin_menu import (
    ENTERPRISE_SERVICES_MENU_HOOK,
    ORDER_INSTRUMENTS,
    ORDER_LAB_VISITS,
    ORDER_VISIT_SLOTS,
)
from enterprises.admin_views import verified_column, verified_label
from experts.models import InstitutionPage, Lab
from labvisits.models import HOLDING_STATES, Instrument, LabVisit, VisitSlot
from labvisits.offline import lab_visit_conflict_list
from portal.admin_views import ReadOnlyViewSetMixin, StaffExportMixin, TimelineMixin, local_time
from portal.filters import DateFromToRangeFilter, ModelChoiceFilter
from portal.phones import phone_display

State = LabVisit.State


def institutions():
    """Institution pages in the default language: labs and contacts hang off those."""
    return InstitutionPage.objects.filter(locale=Locale.get_default()).order_by("title")


def lab_label(lab: Lab) -> str:
    return f"{lab.institution.title} · {lab.display_name}"


# --- Lab visits ------------------------------------------------------------------------------


class LabVisitFilterSet(WagtailFilterSet):
    state = django_filters.ChoiceFilter(label=gettext_lazy("State"), choices=State.choices)
    institution = ModelChoiceFilter(
        label=gettext_lazy("Institution"),
        field_name="slot__lab__institution",
        queryset=InstitutionPage.objects.none(),
    )
    date = DateFromToRangeFilter(
        label=gettext_lazy("Date"), field_name="slot__starts_at", widget=DateRangePickerWidget
    )
    # Yes: machine time on shared instruments only; No: lab visits only.
    machine_time = django_filters.BooleanFilter(
        label=gettext_lazy("Machine time"),
        field_name="slot__instrument",
        lookup_expr="isnull",
        exclude=True,
    )

    class Meta:
        model = LabVisit
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["institution"].queryset = institutions()


class LabVisitIndexView(StaffExportMixin, generic.IndexView):
    export_shows_phones = True  # the contact phone (audit log when shown in full)

    def get_base_queryset(self):
        return LabVisit.objects.select_related(
            "enterprise", "slot__lab__institution", "slot__instrument"
        )

    def to_row_dict(self, item: LabVisit) -> dict:
        slot = item.slot
        return {
            "ticket_code": item.ticket_code,
            "state": item.get_state_display(),
            "institution": slot.lab.institution.title,
            "lab": slot.lab.display_name,
            "instrument": slot.instrument.name if slot.instrument else "",
            "starts_at": slot.starts_at,
            "ends_at": slot.ends_at,
            "group_size": item.group_size,
            "enterprise": item.enterprise.name,
            "verified": verified_label(item.enterprise),
            "contact_name": item.contact_name,
            "contact_phone": phone_display(
                item.contact_phone, user=self.request.user, grouped=False
            ),
            "created_at": item.created_at,
            "checked_in_at": item.checked_in_at,
        }


class LabVisitDetailView(TimelineMixin, generic.InspectView):
    def get_object(self, queryset=None):
        return get_object_or_404(
            LabVisit.objects.select_related("enterprise", "slot__lab__institution"), pk=self.pk
        )

    def get_slot_display_value(self):
        slot = self.object.slot
        return f"{lab_label(slot.lab)} · {local_time(slot.starts_at)}"

    def get_enterprise_display_value(self):
        enterprise = self.object.enterprise
        return f"{enterprise.name} ({verified_label(enterprise)})"

    def get_contact_phone_display_value(self):
        return phone_display(self.object.contact_phone, user=self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            timeline=self.timeline(self.object.changes.all(), state_labels=dict(State.choices)),
            # The ticket presented again after the group was checked in (offline door).
            conflicts=lab_visit_conflict_list(visit_id=self.object.pk),
            **kwargs,
        )


class LabVisitViewSet(ReadOnlyViewSetMixin, ModelViewSet):
    """Every lab visit; institutions decide on them on the public site, so staff only read
    and export here."""

    model = LabVisit
    name = "enterprise_services_lab_visits"
    url_prefix = "enterprise-services/lab-visits"
    icon = "group"
    menu_label = gettext_lazy("Lab visits")
    menu_hook = ENTERPRISE_SERVICES_MENU_HOOK
    menu_order = ORDER_LAB_VISITS
    index_view_class = LabVisitIndexView
    inspect_view_class = LabVisitDetailView
    inspect_view_enabled = True
    inspect_template_name = "labvisits/admin/detail.html"
    copy_view_enabled = False
    add_to_reference_index = False
    filterset_class = LabVisitFilterSet
    search_fields = ["ticket_code", "enterprise__name"]
    search_backend_name = None
    ordering = "-created_at"
    list_display = [
        "ticket_code",
        Column(
            "lab",
            label=gettext_lazy("Lab"),
            accessor=lambda v: lab_label(v.slot.lab),
        ),
        Column(
            "instrument",
            label=gettext_lazy("Machine time on"),
            accessor=lambda v: v.slot.instrument.name if v.slot.instrument else "",
        ),
        DateColumn("slot__starts_at", label=gettext_lazy("Date"), accessor="slot.starts_at"),
        Column("enterprise", label=gettext_lazy("Enterprise"), accessor="enterprise.name"),
        verified_column(lambda v: v.enterprise, label=gettext_lazy("Enterprise verified")),
        "group_size",
        StatusTagColumn(
            "state",
            label=gettext_lazy("State"),
            accessor="get_state_display",
            primary=lambda v: v.state == State.APPROVED,
            sort_key="state",
        ),
    ]
    list_export = [
        "ticket_code",
        "state",
        "institution",
        "lab",
        "instrument",
        "starts_at",
        "ends_at",
        "group_size",
        "enterprise",
        "verified",
        "contact_name",
        "contact_phone",
        "created_at",
        "checked_in_at",
    ]
    export_headings = {
        "ticket_code": gettext_lazy("Ticket code"),
        "state": gettext_lazy("State"),
        "institution": gettext_lazy("Institution"),
        "lab": gettext_lazy("Lab"),
        "instrument": gettext_lazy("Machine time on"),
        "starts_at": gettext_lazy("Starts at"),
        "ends_at": gettext_lazy("Ends at"),
        "group_size": gettext_lazy("Number of visitors"),
        "enterprise": gettext_lazy("Enterprise"),
        "verified": gettext_lazy("Enterprise verified"),
        "contact_name": gettext_lazy("Contact person"),
        "contact_phone": gettext_lazy("Contact phone"),
        "created_at": gettext_lazy("Requested at"),
        "checked_in_at": gettext_lazy("Checked in at"),
    }
    export_filename = "lab-visits"
    inspect_view_fields = [
        "ticket_code",
        "state",
        "slot",
        "enterprise",
        "group_size",
        "purpose",
        "visitor_names",
        "contact_name",
        "contact_phone",
        "decline_reason",
        "cancel_reason",
        "checked_in_at",
        "created_at",
    ]

    def get_permissions_to_register(self):
        return Permission.objects.filter(
            content_type__app_label="labvisits", codename="view_labvisit"
        )


# --- Visit slots -------------------------------------------------------------------------------


class LabChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, lab: Lab) -> str:
        return lab_label(lab)


class InstrumentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, instrument: Instrument) -> str:
        return f"{instrument.institution.title} · {instrument.name}"


class VisitSlotForm(WagtailAdminModelForm):
    class Meta:
        model = VisitSlot
        fields = ["lab", "instrument", "starts_at", "ends_at", "capacity", "note"]
        field_classes = {"lab": LabChoiceField, "instrument": InstrumentChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any lab of any institution (default-language pages own the labs); those accepting
        # visits first.
        self.fields["lab"].queryset = (
            Lab.objects.filter(institution__locale=Locale.get_default())
            .select_related("institution")
            .order_by("-accepts_visits", "institution__title", "sort_order")
        )
        self.fields["instrument"].queryset = Instrument.objects.filter(
            lab__isnull=False
        ).select_related("institution")
        self.fields["instrument"].help_text = _(
            "For machine time on a shared instrument: choose the instrument's lab above."
        )

    def clean(self):
        cleaned = super().clean()
        lab, instrument = cleaned.get("lab"), cleaned.get("instrument")
        # The database's trigger refuses it too (migration labvisits 0006).
        if lab and instrument and instrument.lab_id != lab.pk:
            self.add_error("instrument", _("This instrument is not in the chosen lab."))
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", _("The visit must end after it starts."))
        return cleaned


class VisitSlotIndexView(generic.IndexView):
    def get_base_queryset(self):
        return VisitSlot.objects.select_related("lab__institution", "instrument").annotate(
            people_held=Coalesce(
                Sum("visits__group_size", filter=Q(visits__state__in=HOLDING_STATES)),
                0,
                output_field=IntegerField(),
            )
        )


class VisitSlotFilterSet(WagtailFilterSet):
    institution = ModelChoiceFilter(
        label=gettext_lazy("Institution"),
        field_name="lab__institution",
        queryset=InstitutionPage.objects.none(),
    )
    date = DateFromToRangeFilter(
        label=gettext_lazy("Date"), field_name="starts_at", widget=DateRangePickerWidget
    )

    class Meta:
        model = VisitSlot
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["institution"].queryset = institutions()


class VisitSlotViewSet(ModelViewSet):
    model = VisitSlot
    name = "enterprise_services_visit_slots"
    url_prefix = "enterprise-services/visit-slots"
    icon = "date"
    menu_label = gettext_lazy("Visit slots")
    menu_hook = ENTERPRISE_SERVICES_MENU_HOOK
    menu_order = ORDER_VISIT_SLOTS
    index_view_class = VisitSlotIndexView
    copy_view_enabled = False
    add_to_reference_index = False
    filterset_class = VisitSlotFilterSet
    ordering = "starts_at"
    edit_handler = ObjectList(
        [
            FieldPanel("lab"),
            FieldPanel("instrument"),
            FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")]),
            FieldPanel("capacity"),
            FieldPanel("note"),
        ],
        base_form_class=VisitSlotForm,
    )
    list_display = [
        "starts_at",  # the title column, linking to the edit form
        Column("lab", label=gettext_lazy("Lab"), accessor=lambda s: lab_label(s.lab)),
        Column(
            "instrument",
            label=gettext_lazy("Machine time on"),
            accessor=lambda s: s.instrument.name if s.instrument else "",
        ),
        DateColumn("ends_at", label=gettext_lazy("Ends at")),
        "capacity",
        Column("people_held", label=gettext_lazy("Visitors requested or approved")),
    ]

    def get_permissions_to_register(self):
        return Permission.objects.filter(
            content_type__app_label="labvisits",
            codename__in=[f"{a}_visitslot" for a in ("add", "change", "delete", "view")],
        )


# --- Shared instruments --------------------------------------------------------------------


class InstrumentForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions()
        self.fields["lab"] = LabChoiceField(
            queryset=Lab.objects.filter(institution__locale=Locale.get_default())
            .select_related("institution")
            .order_by("institution__title", "sort_order"),
            required=False,
            label=self.fields["lab"].label,
            help_text=self.fields["lab"].help_text,
        )

    def clean(self):
        cleaned = super().clean()
        institution, lab = cleaned.get("institution"), cleaned.get("lab")
        # The database's trigger refuses it too (migration labvisits 0006).
        if institution and lab and lab.institution_id != institution.pk:
            self.add_error("lab", _("This lab belongs to another institution."))
        if self.instance.pk and lab and self.instance.slots.exclude(lab=lab).exists():
            self.add_error(
                "lab", _("Machine time was offered in another lab: the lab cannot change.")
            )
        return cleaned


class InstrumentFilterSet(WagtailFilterSet):
    institution = ModelChoiceFilter(
        label=gettext_lazy("Institution"),
        field_name="institution",
        queryset=InstitutionPage.objects.none(),
    )

    class Meta:
        model = Instrument
        fields = ["field", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["institution"].queryset = institutions()


class InstrumentViewSet(ModelViewSet):
    """The catalogue of shared large instruments (大型仪器共享); their machine time is
    offered as visit slots naming the instrument."""

    model = Instrument
    name = "enterprise_services_instruments"
    url_prefix = "enterprise-services/instruments"
    icon = "cogs"
    menu_label = gettext_lazy("Shared instruments")
    menu_hook = ENTERPRISE_SERVICES_MENU_HOOK
    menu_order = ORDER_INSTRUMENTS
    copy_view_enabled = False
    filterset_class = InstrumentFilterSet
    search_fields = ["name", "name_en", "model_name", "capability"]
    search_backend_name = None
    ordering = "name"
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("institution"), FieldPanel("lab")]),
            FieldRowPanel([FieldPanel("name"), FieldPanel("name_en")]),
            FieldPanel("model_name"),
            FieldRowPanel([FieldPanel("capability"), FieldPanel("capability_en")]),
            FieldPanel("field"),
            FieldRowPanel([FieldPanel("fee_note"), FieldPanel("fee_note_en")]),
            FieldPanel("photo"),
            FieldPanel("active"),
        ],
        base_form_class=InstrumentForm,
    )
    list_display = [
        "name",  # the title column, linking to the edit form
        Column(
            "institution", label=gettext_lazy("Institution"), accessor=lambda i: i.institution.title
        ),
        Column("field", label=gettext_lazy("Field"), accessor=lambda i: i.get_field_display()),
        Column(
            "active",
            label=gettext_lazy("Shown and bookable"),
            accessor=lambda i: _("Yes") if i.active else _("No"),
        ),
    ]

    def get_queryset(self, request):
        return Instrument.objects.select_related("institution")
