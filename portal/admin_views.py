"""What the staff listings in the Wagtail admin share: read-only viewsets, spreadsheet
exports (local times, CSV safe to open in a spreadsheet program), change timelines.

Used by ``events/wagtail_hooks.py`` and ``events/views/admin.py`` (open day) and by the
"Enterprise services" viewsets of ``enterprises``, ``consultations`` and ``labvisits``.
"""

from __future__ import annotations

import datetime
import importlib

from django.db.models import QuerySet
from django.urls import path
from django.utils import timezone, translation
from wagtail.admin.admin_url_finder import ModelAdminURLFinder, NullAdminURLFinder
from wagtail.admin.views.mixins import SpreadsheetExportMixin

from portal.audit import export_full_phones_log
from portal.history import history_rows

# --- Viewsets --------------------------------------------------------------------------------


class ReadOnlyViewSetMixin:
    """For a ``ModelViewSet`` whose rows change only through services: staff list (and, with
    ``inspect_view_enabled``, inspect) them, nothing more. The views listed in
    ``disabled_views`` get neither a URL nor a button; keep ``"add"`` out of it to offer the
    create form at ``new/``. Further URLs (actions) come from ``get_extra_urlpatterns``."""

    disabled_views: tuple[str, ...] = ("add", "edit", "delete", "history", "usage")

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(
            **{f"{view}_url_name": None for view in self.disabled_views},
            **kwargs,
        )

    def get_urlpatterns(self):
        urlpatterns = [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
        ]
        if "add" not in self.disabled_views:
            urlpatterns.append(path("new/", self.add_view, name="add"))
        if self.inspect_view_enabled:
            urlpatterns.append(path("<id:pk>/", self.inspect_view, name="inspect"))
        return urlpatterns + self.get_extra_urlpatterns()

    def get_extra_urlpatterns(self) -> list:
        return []

    @property
    def url_finder_class(self):
        """Where the admin links a row from elsewhere (Site history, for one): its inspect
        view, or nowhere. Wagtail's default links to the edit view, whose URL does not exist
        here, and the linking page would fail."""
        if "edit" not in self.disabled_views:
            return super().url_finder_class
        if not self.inspect_view_enabled:
            return NullAdminURLFinder
        return type(
            "InspectURLFinder",
            (ModelAdminURLFinder,),
            {"edit_url_name": self.get_url_name("inspect")},
        )


# --- Exports ---------------------------------------------------------------------------------


def local_time(moment: datetime.datetime | None) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}" if moment else ""


def csv_text(value: str) -> str:
    """A text cell typed by the public, prefixed with ' when a spreadsheet program would
    run it as a formula ("CSV injection"). Wagtail already keeps such XLSX cells as text."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def csv_stream(chunks, *, language: str):
    """The CSV rows, in the viewer's admin language (the stream is consumed after the view
    has returned and the admin's per-user language is no longer active), after a
    byte-order mark so that spreadsheet programs read the UTF-8 (Chinese names)."""
    yield "\ufeff".encode()
    with translation.override(language):
        yield from chunks


class LocalSpreadsheetExportMixin(SpreadsheetExportMixin):
    """CSV and XLSX through Wagtail's spreadsheet export: numbers stay numbers, dates are
    local dates, and CSV cells cannot start a formula. Subclasses build rows in
    ``to_row_dict`` (masking phones there).

    A list with phone numbers sets ``export_shows_phones``: its download by someone who sees
    them in full is written to the audit log (``portal.audit``), about
    ``get_export_subject()`` (the listed object, or the model of a whole list) with the
    filters used."""

    export_shows_phones = False

    custom_value_preprocess = {
        **SpreadsheetExportMixin.custom_value_preprocess,
        # Wagtail writes aware datetimes to XLSX in UTC; staff read local times.
        datetime.datetime: {
            SpreadsheetExportMixin.FORMAT_XLSX: lambda value: timezone.make_naive(value),
            SpreadsheetExportMixin.FORMAT_CSV: local_time,
        },
        str: {SpreadsheetExportMixin.FORMAT_CSV: csv_text},
    }

    def get_export_subject(self):
        """What the downloaded list is of: an object (a session) or a model (every
        consultation). Default: the view's model."""
        return self.model

    def as_spreadsheet(self, queryset, spreadsheet_format):
        if self.export_shows_phones:
            self._export_log(queryset, spreadsheet_format)
        return super().as_spreadsheet(queryset, spreadsheet_format)

    def _export_log(self, queryset, spreadsheet_format) -> None:
        filterset = getattr(self, "filters", None)
        export_full_phones_log(
            by=self.request.user,
            subject=self.get_export_subject(),
            export_format=spreadsheet_format,
            rows=queryset.count() if isinstance(queryset, QuerySet) else len(queryset),
            query=self.request.GET,
            filter_names=set(filterset.form.fields) if filterset is not None else set(),
        )

    def write_csv_response(self, queryset):
        response = super().write_csv_response(queryset)
        response.streaming_content = csv_stream(
            response.streaming_content, language=translation.get_language()
        )
        return response


class StaffExportMixin(LocalSpreadsheetExportMixin):
    """The export of a staff listing (enterprises, consultations, lab visits), named after
    ``export_filename`` and today's date."""

    def get_filename(self) -> str:
        return f"{self.export_filename}-{timezone.localdate():%Y%m%d}"


# --- Timelines -------------------------------------------------------------------------------


class TimelineMixin:
    """Rows of a change table (``ConsultationChange`` / ``LabVisitChange``) prepared for
    ``templates/includes/admin_timeline.html`` (``portal.history.history_rows``)."""

    def timeline(self, changes, *, state_labels: dict) -> list[dict]:
        return history_rows(changes, state_labels=state_labels)


def service_function(module: str, name: str):
    """A service written in parallel by another part of the project, imported when used so
    that the admin keeps working (without that action) before it exists."""
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None
