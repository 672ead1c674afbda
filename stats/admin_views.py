"""The statistics dashboard and report workbooks in the Wagtail admin.

Registered by ``stats/wagtail_hooks.py`` under ``/cms-admin/statistics/``. Every view needs
``stats.view_statistics`` (regulator editors and approvers, granted by
``stats/migrations/0002``); Wagtail's own ``access_admin`` check comes first.

- ``DashboardView``: filters (GET), headline figures, charts with their tables, breakdowns;
  ``?export=xlsx`` (every table, one sheet each) or ``?export=csv&table=<key>``.
- ``refresh_view`` (POST): rebuild the summary tables now, on the ``reports`` queue.
- ``report_start_view`` (POST), ``ReportStatusView``, ``report_status_json``,
  ``report_download_view``: the full report workbook built by a Celery task.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import (
    FileResponse,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.models import Locale

from events.models import ActivityType
from experts.models import InstitutionPage
from portal.admin_views import csv_stream
from portal.choices import District, Zone
from portal.queueing import task_queue
from stats import charts, reports, selectors
from stats.instruments import machine_time_table
from stats.models import PlanTargets, ReportJob
from stats.needs import needs_tables
from stats.selectors import StatsFilters

PERMISSION = "stats.view_statistics"
URL_NAMESPACE = "stats_admin"


def url(name: str, *args) -> str:
    return reverse(f"{URL_NAMESPACE}:{name}", args=args)


def check_permission(user) -> None:
    if not user.has_perm(PERMISSION):
        raise PermissionDenied


# --- Values prepared for the templates ------------------------------------------------------


def institution_choices() -> list[tuple[int, str]]:
    """Institutions by the id the statistics use (default-language pages), titled in the
    active language."""
    pages = list(
        InstitutionPage.objects.live()
        .filter(locale=Locale.get_default())
        .order_by("title")
        .values("pk", "translation_key", "title")
    )
    try:
        locale = Locale.get_active()
    except Locale.DoesNotExist:
        locale = None
    translated = {}
    if locale is not None:
        translated = dict(
            InstitutionPage.objects.filter(
                locale=locale, translation_key__in=[p["translation_key"] for p in pages]
            ).values_list("translation_key", "title")
        )
    return [(p["pk"], translated.get(p["translation_key"], p["title"])) for p in pages]


def filter_fields(query, errors: dict[str, str]) -> list[dict]:
    """The filter form's fields: name, label, widget, current value, choices, error."""

    def field(name, label, widget, choices=()):
        return {
            "name": name,
            "id": f"id_{name}",
            "label": label,
            "widget": widget,
            "value": (query.get(name) or "").strip(),
            "choices": [(str(value), str(text)) for value, text in choices],
            "error": errors.get(name, ""),
        }

    return [
        field("campaign", _("Campaign"), "select", selectors.campaign_choices()),
        field("date_from", pgettext("start of a date range", "From"), "date"),
        field("date_to", _("Until"), "date"),
        # Districts, then the functional zones (a zone filters the rows in it).
        field("district", _("District or zone"), "select", [*District.choices, *Zone.choices]),
        field("institution", _("Institution"), "select", institution_choices()),
        field("activity_type", _("Activity type"), "select", ActivityType.choices),
    ]


def cell_text(value, kind: str) -> str:
    if isinstance(value, reports.Rate) or (kind == "rate" and value is not None):
        return charts.percent_text(value)
    if value is None:
        return "–"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return charts.number_text(value)
    return str(value)


def table_display(table: reports.Table, *, csv_url: str = "") -> dict:
    """A table with its cells as text, numbers right-aligned (``numeric``)."""
    return {
        "key": table.key,
        "title": table.title,
        "csv_url": csv_url,
        "columns": [
            {"label": str(c.label), "numeric": c.kind not in ("text",)} for c in table.columns
        ],
        "rows": [
            [
                {"text": cell_text(v, c.kind), "numeric": c.kind != "text"}
                for c, v in zip(table.columns, row, strict=True)
            ]
            for row in table.rows
        ],
    }


def dashboard_charts(*, filters: StatsFilters) -> list[dict]:
    """The dashboard's charts, each with the data table shown beside it."""
    by_day = selectors.open_day_breakdown(filters=filters, by="day")
    by_type = selectors.open_day_breakdown(filters=filters, by="activity_type")
    by_service = selectors.consultation_breakdown(filters=filters, by="service")
    by_state = selectors.consultation_breakdown(filters=filters, by="state")
    registered, checked_in = _("Registered"), _("Checked in")
    requests, completed = _("Requests"), _("Completed")
    return [
        {
            "chart": charts.bar_chart(
                chart_id="chart-attendance",
                title=_("Attendance by day"),
                description=_(
                    "People registered and people checked in on each day of the open day, "
                    "walk-ins included in checked in."
                ),
                categories=[r["label"] for r in by_day],
                series=[
                    charts.Series(registered, [r["registered"] for r in by_day]),
                    charts.Series(checked_in, [r["checked_in"] for r in by_day]),
                ],
            ),
            "table": table_display(
                reports.Table(
                    key="attendance",
                    title=_("Attendance by day"),
                    columns=[
                        reports.Column("label", _("Day"), "text"),
                        reports.Column("registered", registered),
                        reports.Column("checked_in", checked_in),
                    ],
                    rows=[[r["label"], r["registered"], r["checked_in"]] for r in by_day],
                )
            ),
        },
        {
            "chart": charts.bar_chart(
                chart_id="chart-fill-rate",
                title=_("Fill rate by activity type"),
                description=_(
                    "People registered and walk-ins as a share of the places offered, "
                    "per activity type; sessions without a place limit are left out."
                ),
                categories=[r["label"] for r in by_type],
                series=[charts.Series(_("Fill rate"), [r["fill_rate"] for r in by_type])],
                percent=True,
            ),
            "table": table_display(
                reports.Table(
                    key="fill_rate",
                    title=_("Fill rate by activity type"),
                    columns=[
                        reports.Column("label", _("Activity type"), "text"),
                        reports.Column("capacity", _("Places")),
                        reports.Column("registered", registered),
                        reports.Column("walk_ins", _("Walk-ins")),
                        reports.Column(
                            "unlimited_registered",
                            _("Registered for sessions without a place limit"),
                        ),
                        reports.Column("fill_rate", _("Fill rate"), "rate"),
                    ],
                    rows=[
                        [
                            r["label"],
                            r["capacity"],
                            r["registered"],
                            r["walk_ins"],
                            r["unlimited_registered"],
                            r["fill_rate"],
                        ]
                        for r in by_type
                    ],
                )
            ),
        },
        {
            "chart": charts.bar_chart(
                chart_id="chart-consultations-service",
                title=_("Consultations by service"),
                description=_("Consultation requests and completed consultations per service."),
                categories=[r["label"] for r in by_service],
                series=[
                    charts.Series(requests, [r["requests"] for r in by_service]),
                    charts.Series(completed, [r["completed"] for r in by_service]),
                ],
            ),
            "table": table_display(
                reports.Table(
                    key="consultation_service_chart",
                    title=_("Consultations by service"),
                    columns=[
                        reports.Column("label", _("Service"), "text"),
                        reports.Column("requests", requests),
                        reports.Column("completed", completed),
                    ],
                    rows=[[r["label"], r["requests"], r["completed"]] for r in by_service],
                )
            ),
        },
        {
            "chart": charts.bar_chart(
                chart_id="chart-consultations-state",
                title=_("Consultations by state"),
                description=_("Consultation requests per current state."),
                categories=[r["label"] for r in by_state],
                series=[charts.Series(requests, [r["requests"] for r in by_state])],
            ),
            "table": table_display(
                reports.Table(
                    key="consultation_state_chart",
                    title=_("Consultations by state"),
                    columns=[
                        reports.Column("label", _("State"), "text"),
                        reports.Column("requests", requests),
                    ],
                    rows=[[r["label"], r["requests"]] for r in by_state],
                )
            ),
        },
    ]


def headline_groups(*, filters: StatsFilters) -> list[dict]:
    """The headline figures in four groups, as (label, text) pairs."""
    open_day = selectors.open_day_headline(filters=filters)
    consultations = selectors.consultation_summary(filters=filters)
    lab_visits = selectors.lab_visit_summary(filters=filters)
    enterprises = selectors.enterprise_summary(filters=filters)
    ratings = selectors.rating_summary(filters=filters)
    warnings = selectors.consumer_warning_summary(filters=filters)
    number, percent = charts.number_text, charts.percent_text
    return [
        {
            "title": _("Open day"),
            "figures": [
                (_("Sessions"), number(open_day["sessions"])),
                (_("Places"), number(open_day["capacity"])),
                (_("Registered"), number(open_day["registered"])),
                (_("Waiting list"), number(open_day["waitlisted"])),
                (_("Checked in"), number(open_day["checked_in"])),
                (_("Walk-ins"), number(open_day["walk_ins"])),
                (_("No-shows"), number(open_day["no_shows"])),
                (_("Sessions without a place limit"), number(open_day["unlimited_sessions"])),
                (
                    _("Registered for sessions without a place limit"),
                    number(open_day["unlimited_registered"]),
                ),
                (_("Fill rate"), percent(open_day["fill_rate"])),
                (_("Turn-out rate"), percent(open_day["turnout_rate"])),
            ],
        },
        {
            "title": _("Expert consultations"),
            "figures": [
                (_("Requests"), number(consultations["requests"])),
                (_("Confirmed"), number(consultations["confirmed"])),
                (_("Completed"), number(consultations["completed"])),
                (_("Completion rate"), percent(consultations["completion_rate"])),
                (_("Average rating"), number(consultations["average_rating"])),
                (_("Hours to confirm (median)"), number(consultations["confirm_median_hours"])),
            ],
        },
        {
            "title": _("Lab visits"),
            "figures": [
                (_("Requests"), number(lab_visits["requests"])),
                (_("Approved"), number(lab_visits["approved"])),
                (_("Visitors"), number(lab_visits["visitors"])),
                (_("Checked in"), number(lab_visits["checked_in"])),
                (_("Turn-out rate"), percent(lab_visits["turnout_rate"])),
            ],
        },
        {
            "title": _("Enterprises helped"),
            "figures": [
                (_("Enterprises helped"), number(enterprises["enterprises"])),
                (_("Small and micro enterprises helped"), number(enterprises["small_micro"])),
                (
                    _("Share of small and micro enterprises"),
                    percent(enterprises["small_micro_share"]),
                ),
            ],
        },
        {
            "title": _("Ratings"),
            "figures": [
                (_("Ratings"), number(ratings["ratings"])),
                (_("Share satisfied"), percent(ratings["satisfied_rate"])),
                (pgettext("rating", "Dissatisfied"), number(ratings["dissatisfied"])),
                (pgettext("rating", "Very dissatisfied"), number(ratings["very_dissatisfied"])),
            ],
        },
        {
            # Published within the date filters; the other filters do not apply.
            "title": _("Consumer warnings"),
            "figures": [
                (_("Consumer warnings published"), number(warnings["warnings"])),
                *(
                    (str(column.label), number(warnings[column.key]))
                    for column in reports.CONSUMER_WARNING_COLUMNS[1:]
                ),
            ],
        },
    ]


def plan_display() -> dict:
    """The plan's targets with the portal's and the region's figures, as text and as a
    percent (0-100, capped) for the progress bars."""
    plan = selectors.plan_progress()
    number, percent = charts.number_text, charts.percent_text

    def bar(value: int | None, progress: float | None, *, label: str, as_of=None) -> dict:
        return {
            "label": label,
            "value": "–" if value is None else number(value),
            "progress_text": percent(progress),
            "progress_value": None if progress is None else min(round(progress * 100), 100),
            "as_of": as_of,
        }

    return {
        "plan_name": plan["plan_name"],
        "target_year": plan["target_year"],
        "institutions_target": number(plan["institutions_target"]),
        "baseline": _("%(count)s in %(year)s")
        % {"count": number(plan["institutions_baseline"]), "year": plan["baseline_year"]},
        "bars": [
            bar(
                plan["institutions_on_portal"],
                plan["portal_progress"],
                label=_("CMA-accredited institutions on the portal"),
            ),
            bar(
                plan["institutions_regional"],
                plan["regional_progress"],
                label=_("CMA-accredited institutions in the region"),
                as_of=plan["institutions_regional_as_of"],
            ),
        ],
        "centres_target": number(plan["centres_target"]),
        "centres": bar(
            plan["centres_regional"],
            plan["centres_progress"],
            label=_("National quality inspection centres in the region"),
            as_of=plan["centres_regional_as_of"],
        ),
        "edit_url": reverse(
            "wagtailsettings:edit", args=[PlanTargets._meta.app_label, PlanTargets._meta.model_name]
        ),
    }


def job_display(job: ReportJob) -> dict:
    return {
        "token": job.token,
        "state": job.state,
        "state_label": str(job.get_state_display()),
        "progress": job.progress,
        "created_at": job.created_at,
        "finished": job.state in (ReportJob.State.DONE, ReportJob.State.FAILED),
        "filters": reports.filters_from_json(job.filters).as_rows(),
        "status_url": url("report_status", job.token),
        "json_url": url("report_status_json", job.token),
        "download_url": url("report_download", job.token)
        if job.state == ReportJob.State.DONE
        else "",
        "error": job.error,
    }


# --- Views ------------------------------------------------------------------------------------


class StatisticsPageMixin(WagtailAdminTemplateMixin):
    header_icon = "table"

    def dispatch(self, request, *args, **kwargs):
        check_permission(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": url("dashboard"), "label": _("Statistics")}]


class DashboardView(StatisticsPageMixin, TemplateView):
    template_name = "stats/admin/dashboard.html"
    page_title = gettext_lazy("Statistics")

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": _("Statistics")}]

    def get(self, request, *args, **kwargs):
        self.filters, self.errors = selectors.stats_filters_from_query(request.GET)
        export = request.GET.get("export")
        if export and not self.errors:
            if export == "xlsx":
                return self.xlsx_response()
            if export == "csv" and request.GET.get("table") in reports.DASHBOARD_TABLES:
                return self.csv_response(request.GET["table"])
            return HttpResponseBadRequest(_("Unknown download."))
        return super().get(request, *args, **kwargs)

    def export_url(self, **params) -> str:
        return "?" + urlencode({**self.filters.as_query(), **params})

    def filename(self, suffix: str) -> str:
        return f"statistics-{suffix}-{timezone.localdate():%Y%m%d}"

    def xlsx_response(self) -> HttpResponse:
        data = reports.tables_xlsx(keys=reports.DASHBOARD_TABLES, filters=self.filters)
        response = HttpResponse(
            data,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{self.filename("dashboard")}.xlsx"'
        )
        return response

    def csv_response(self, key: str) -> StreamingHttpResponse:
        table = reports.table_build(key=key, filters=self.filters)
        response = StreamingHttpResponse(
            csv_stream(
                reports.table_csv_rows(table=table, filters=self.filters),
                language=translation.get_language(),
            ),
            content_type="text/csv; charset=utf-8",
        )
        filename = self.filename(key.replace("_", "-"))
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET
        context.update(
            fields=filter_fields(query, self.errors),
            errors=self.errors,
            filter_query=self.filters.as_query(),
            filters_used=self.filters.as_rows(),
            last_refresh=selectors.stats_last_refresh(),
            plan=plan_display(),
            may_edit_plan=self.request.user.has_perm("stats.change_plantargets"),
            refresh_url=url("refresh"),
            report_start_url=url("report_start"),
            jobs=[job_display(job) for job in reports.report_jobs_recent(user=self.request.user)],
        )
        if not self.errors:
            filters = self.filters
            tables = [
                table_display(
                    reports.table_build(key=key, filters=filters),
                    csv_url=self.export_url(export="csv", table=key),
                )
                for key in reports.DASHBOARD_TABLES
                if key != "summary"
            ]
            context.update(
                machine_time=machine_time_table(filters=filters),
                headline=headline_groups(filters=filters),
                charts=dashboard_charts(filters=filters),
                tables=tables,
                xlsx_url=self.export_url(export="xlsx"),
                summary_csv_url=self.export_url(export="csv", table="summary"),
                needs=needs_tables(filters=filters),
            )
        return context


def _dashboard_url(query) -> str:
    """The dashboard with the filters posted back (only the filter fields are kept)."""
    params = {name: query.get(name, "") for name in selectors.FILTER_FIELDS if query.get(name)}
    return url("dashboard") + (f"?{urlencode(params)}" if params else "")


@require_POST
def refresh_view(request):
    """Rebuild the summary tables now; the figures update when the task has run."""
    check_permission(request.user)
    from stats.tasks import stats_refresh_task

    if task_queue(stats_refresh_task):
        messages.success(
            request, _("The figures are being refreshed. Reload the page in a minute to see them.")
        )
    else:
        messages.warning(
            request,
            _(
                "The figures cannot be refreshed right now. They are refreshed on schedule; "
                "try again in a few minutes."
            ),
        )
    return redirect(_dashboard_url(request.POST))


@require_POST
def report_start_view(request):
    """Start a full report workbook with the posted filters; show its progress page."""
    check_permission(request.user)
    filters, errors = selectors.stats_filters_from_query(request.POST)
    if errors:
        messages.error(request, _("Correct the filters before starting a report."))
        return redirect(_dashboard_url(request.POST))
    job = reports.report_job_start(filters=filters, by=request.user)
    return redirect(url("report_status", job.token))


def _job(request, token: str) -> ReportJob:
    check_permission(request.user)
    return get_object_or_404(ReportJob, token=token)


class ReportStatusView(StatisticsPageMixin, TemplateView):
    """The job's progress: a <progress> bar refreshed by static/js/stats-report.js every
    2 s, or without JavaScript by a meta refresh and a "check again" link."""

    template_name = "stats/admin/report_status.html"
    page_title = gettext_lazy("Report workbook")

    def get_breadcrumbs_items(self):
        return [*super().get_breadcrumbs_items(), {"url": "", "label": _("Report workbook")}]

    def get_context_data(self, **kwargs):
        job = get_object_or_404(ReportJob, token=self.kwargs["token"])
        return super().get_context_data(job=job_display(job), **kwargs)


def report_status_json(request, token: str) -> JsonResponse:
    job = job_display(_job(request, token))
    data = {
        key: job[key]
        for key in ("state", "state_label", "progress", "finished", "download_url", "error")
    }
    response = JsonResponse(data)
    response["Cache-Control"] = "no-store"
    return response


def report_download_view(request, token: str) -> HttpResponse:
    """The workbook, from private storage, to staff who may see the statistics; before it
    is ready, the job's progress page."""
    job = _job(request, token)
    if job.state != ReportJob.State.DONE or not job.file:
        return redirect(url("report_status", job.token))
    response = FileResponse(
        job.file.open("rb"),
        as_attachment=True,
        filename=job.file.name.rsplit("/", 1)[-1],
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


report_status_view = ReportStatusView.as_view()
dashboard_view = DashboardView.as_view()
