"""Columns of the Wagtail admin's listings that every app's staff views share."""

from __future__ import annotations

from wagtail.admin.ui.tables import Column

from portal.phones import phone_display


class MaskedPhoneColumn(Column):
    """A phone column that follows the viewer's masking rule (``portal.phones``)."""

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        request = parent_context.get("request")
        context["value"] = phone_display(context["raw_value"] or "", user=request.user)
        return context
