"""Regulator staff in the Wagtail admin: every need with its state, field, district, offer
count and the accepted responder (read-only: needs change through the public pages).

Seeing needs takes ``needs.view_need`` (both regulator groups, migration 0002). Phones are
masked unless the viewer holds ``events.view_full_phone``.
"""

from __future__ import annotations

import django_filters
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet

from enterprises.admin_menu import ENTERPRISE_SERVICES_MENU_HOOK, ORDER_NEEDS
from needs.models import Need, Offer
from needs.selectors import EXPIRED, STATE_LABELS, need_state, need_state_label
from portal.admin_views import ReadOnlyViewSetMixin
from portal.choices import District, Field
from portal.phones import phone_display


def state_label(need: Need) -> str:
    return need_state_label(state=need_state(need=need))


class NeedFilterSet(WagtailFilterSet):
    state = django_filters.ChoiceFilter(
        label=gettext_lazy("State"),
        choices=[(key, label) for key, label in STATE_LABELS.items()],
        method="filter_state",
    )
    field = django_filters.ChoiceFilter(label=gettext_lazy("Testing field"), choices=Field.choices)
    district = django_filters.ChoiceFilter(label=gettext_lazy("District"), choices=District.choices)

    class Meta:
        model = Need
        fields = []

    def filter_state(self, queryset, name, value):
        today = timezone.localdate()
        if value == EXPIRED:
            return queryset.filter(state=Need.State.OPEN, deadline__lt=today)
        if value == Need.State.OPEN:
            return queryset.filter(state=Need.State.OPEN, deadline__gte=today)
        return queryset.filter(state=value)


def _accepted(need: Need) -> str:
    offers = [o for o in need.offers.all() if o.state == Offer.State.ACCEPTED]
    return offers[0].responder_name if offers else ""


class NeedIndexView(generic.IndexView):
    def get_base_queryset(self):
        return (
            Need.objects.select_related("enterprise")
            .annotate(offer_count=Count("offers"))
            .prefetch_related("offers__institution", "offers__expert")
        )


class NeedInspectView(generic.InspectView):
    def get_enterprise_display_value(self):
        return self.object.enterprise.name

    def get_state_display_value(self):
        return state_label(self.object)

    def get_contact_phone_display_value(self):
        return phone_display(self.object.contact_phone, user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["offers"] = list(self.object.offers.select_related("institution", "expert"))
        return context


class NeedViewSet(ReadOnlyViewSetMixin, ModelViewSet):
    model = Need
    name = "enterprise_services_needs"
    url_prefix = "enterprise-services/needs"
    icon = "list-ul"
    menu_label = gettext_lazy("Supply-demand needs")
    menu_hook = ENTERPRISE_SERVICES_MENU_HOOK
    menu_order = ORDER_NEEDS
    index_view_class = NeedIndexView
    inspect_view_class = NeedInspectView
    inspect_view_enabled = True
    inspect_template_name = "needs/admin/detail.html"
    copy_view_enabled = False
    add_to_reference_index = False
    filterset_class = NeedFilterSet
    search_fields = ["title", "enterprise__name"]
    search_backend_name = None
    ordering = "-created_at"
    list_display = [
        "title",
        Column("enterprise", label=gettext_lazy("Enterprise"), accessor="enterprise.name"),
        Column("field", label=gettext_lazy("Testing field"), accessor="get_field_display"),
        Column("district", label=gettext_lazy("District"), accessor="get_district_display"),
        DateColumn("deadline", label=gettext_lazy("Offers accepted until")),
        Column("offer_count", label=gettext_lazy("Offers"), accessor="offer_count"),
        Column("accepted", label=gettext_lazy("Accepted offer"), accessor=_accepted),
        StatusTagColumn(
            "state",
            label=gettext_lazy("State"),
            accessor=state_label,
            primary=lambda n: n.state == Need.State.MATCHED,
            sort_key="state",
        ),
    ]
    inspect_view_fields = [
        "title",
        "state",
        "enterprise",
        # Not "field": Wagtail would take InspectView.get_field_display_value for its
        # display method; the template shows the testing field instead.
        "district",
        "deadline",
        "description",
        "budget_note",
        "contact_name",
        "contact_phone",
        "created_at",
        "matched_at",
        "closed_at",
    ]
