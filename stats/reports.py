"""The statistics as tables, and the files built from them.

- ``table_build(key=, filters=)``: one table of the dashboard or the report (rows read
  from the summary tables through ``stats.selectors``), the same rows on the page, in
  the CSV and in the XLSX.
- ``tables_xlsx`` / ``table_csv_rows``: the downloads. XLSX through openpyxl, one sheet
  per table: a header row with the filters used, the column headers, then the rows, with
  numbers stored as numbers and rates as numbers in a percent format. CSV: one table per
  file, UTF-8 with a byte-order mark for spreadsheet programs, cells safe from formulas.
- ``report_job_start`` / ``report_workbook_build``: the full report workbook, built by a
  Celery task (``stats.tasks.report_workbook_task``) into private storage while the admin
  polls the job's progress; ``report_jobs_purge`` removes workbooks past retention.

Nothing here holds personal data: the summary tables have none.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import io
import logging
import re
import secrets
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from cms.models import RiskLevel
from portal.admin_views import csv_text
from portal.queueing import task_queue_on_commit
from stats import selectors
from stats.models import ReportJob
from stats.selectors import StatsFilters

logger = logging.getLogger(__name__)

PERCENT_FORMAT = "0.0%"
DECIMAL_FORMAT = "0.0"
DATE_FORMAT = "yyyy-mm-dd"


class Rate(float):
    """A share between 0 and 1: written as a percent (a number in XLSX)."""


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "int"  # "text" | "int" | "rate" | "decimal" | "auto" (cell type decides)


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[list]


# --- Tables -------------------------------------------------------------------------------

OPEN_DAY_COLUMNS = [
    Column("sessions", _("Sessions")),
    Column("capacity", _("Places")),
    Column("registered", _("Registered")),
    Column("waitlisted", _("Waiting list")),
    Column("cancelled", _("Cancelled")),
    Column("checked_in", _("Checked in")),
    Column("walk_ins", _("Walk-ins")),
    Column("no_shows", _("No-shows")),
    # Online sessions without a limit on places: outside the fill rate, counted here.
    Column("unlimited_sessions", _("Sessions without a place limit")),
    Column("unlimited_registered", _("Registered for sessions without a place limit")),
    Column("fill_rate", _("Fill rate"), "rate"),
    Column("turnout_rate", _("Turn-out rate"), "rate"),
]
CONSULTATION_COLUMNS = [
    Column("requests", _("Requests")),
    Column("completed", _("Completed")),
    Column("completion_rate", _("Completion rate"), "rate"),
    Column("average_rating", _("Average rating"), "decimal"),
]
LAB_VISIT_COLUMNS = [
    Column("requests", _("Requests")),
    Column("approved", _("Approved")),
    Column("visitors", _("Visitors")),
    Column("checked_in", _("Checked in")),
    Column("turnout_rate", _("Turn-out rate"), "rate"),
]
RATING_COLUMNS = [
    Column("ratings", _("Ratings")),
    Column("very_satisfied", pgettext_lazy("rating", "Very satisfied")),
    Column("satisfied", pgettext_lazy("rating", "Satisfied")),
    Column("neutral", pgettext_lazy("rating", "Neutral")),
    Column("dissatisfied", pgettext_lazy("rating", "Dissatisfied")),
    Column("very_dissatisfied", pgettext_lazy("rating", "Very dissatisfied")),
    Column("satisfied_rate", _("Share satisfied"), "rate"),
]

OPEN_DAY_BY = {
    "activity": _("Activity"),
    "institution": _("Institution"),
    "host_kind": _("Kind of host"),
    "format": _("Session format"),
    "activity_type": _("Activity type"),
    "district": _("District"),
    "day": _("Day"),
}
CONSULTATION_BY = {
    "service": _("Service"),
    "field": _("Industry"),
    "district": _("District"),
    "expert": _("Expert"),
    "state": _("State"),
}
LAB_VISIT_BY = {"institution": _("Institution"), "day": _("Day")}
ENTERPRISE_SIZE_COLUMNS = [
    Column("enterprises", _("Enterprises helped")),
    Column("consultations", _("Consultations completed")),
    Column("lab_visits", _("Lab visits attended")),
    Column("machine_time", _("Machine time used")),
    Column("visitors", _("Visitors")),
]
RATING_BY = {"kind": _("Service"), "institution": _("Institution"), "expert": _("Expert")}
CONSUMER_WARNING_COLUMNS = [
    Column("warnings", _("Consumer warnings published")),
    *(Column(key, RiskLevel(level).label) for level, key in selectors.RISK_LEVEL_KEYS.items()),
]

TABLE_TITLES = {
    "summary": _("Headline figures"),
    "open_day_activity": _("Open day by activity"),
    "open_day_institution": _("Open day by institution"),
    "open_day_host_kind": _("Open day by kind of host"),
    "open_day_format": _("Open day by session format"),
    "open_day_activity_type": _("Open day by activity type"),
    "open_day_district": _("Open day by district"),
    "open_day_day": _("Open day by day"),
    "consultation_service": _("Consultations by service"),
    "consultation_field": _("Consultations by industry"),
    "consultation_district": _("Consultations by district"),
    "consultation_expert": _("Consultations by expert"),
    "consultation_state": _("Consultations by state"),
    "lab_visit_institution": _("Lab visits by institution"),
    "lab_visit_day": _("Lab visits by day"),
    "enterprise_size": _("Enterprises helped by size"),
    "rating_kind": _("Ratings by service"),
    "rating_institution": _("Ratings by institution"),
    "rating_expert": _("Ratings by expert"),
    "consumer_warnings": _("Consumer warnings by category"),
}
# The dashboard's tables (page, CSV and XLSX downloads), in page order.
DASHBOARD_TABLES = (
    "summary",
    "open_day_activity",
    "open_day_institution",
    "open_day_host_kind",
    "open_day_format",
    "open_day_activity_type",
    "open_day_district",
    "open_day_day",
    "consultation_service",
    "consultation_state",
    "lab_visit_institution",
    "enterprise_size",
    "rating_kind",
    "rating_institution",
    "rating_expert",
    "consumer_warnings",
)
# The full report workbook: every table.
REPORT_TABLES = tuple(TABLE_TITLES)


def _rate(value: float | None) -> Rate | None:
    return None if value is None else Rate(value)


def _breakdown_table(
    key: str,
    by_label: str,
    columns: list[Column],
    rows: list[dict],
) -> Table:
    return Table(
        key=key,
        title=str(TABLE_TITLES[key]),
        columns=[Column("label", by_label, "text"), *columns],
        rows=[
            [row.get("label", row.get("key"))]
            + [_rate(row.get(c.key)) if c.kind == "rate" else row.get(c.key) for c in columns]
            for row in rows
        ],
    )


def summary_rows(*, filters: StatsFilters) -> list[list]:
    """The headline figures as (section, figure, value) rows."""
    open_day = selectors.open_day_headline(filters=filters)
    consultations = selectors.consultation_summary(filters=filters)
    lab_visits = selectors.lab_visit_summary(filters=filters)
    ratings = selectors.rating_summary(filters=filters)
    section_open_day = gettext("Open day")
    section_consultations = gettext("Expert consultations")
    section_lab_visits = gettext("Lab visits")
    rows = [
        [section_open_day, gettext("Activities"), open_day.get("activities")],
        [section_open_day, gettext("Institutions"), open_day.get("institutions")],
    ]
    rows += [
        [section_open_day, str(column.label), _rate(open_day.get(column.key))]
        if column.kind == "rate"
        else [section_open_day, str(column.label), open_day.get(column.key)]
        for column in OPEN_DAY_COLUMNS
    ]
    rows += [
        [section_consultations, gettext("Requests"), consultations.get("requests")],
        [section_consultations, gettext("Confirmed"), consultations.get("confirmed")],
        [section_consultations, gettext("Completed"), consultations.get("completed")],
        [
            section_consultations,
            gettext("Completion rate"),
            _rate(consultations.get("completion_rate")),
        ],
        [section_consultations, gettext("Average rating"), consultations.get("average_rating")],
        [
            section_consultations,
            gettext("Hours to confirm (median)"),
            consultations.get("confirm_median_hours"),
        ],
        [
            section_consultations,
            gettext("Hours to confirm (90th percentile)"),
            consultations.get("confirm_p90_hours"),
        ],
        [section_lab_visits, gettext("Requests"), lab_visits.get("requests")],
        [section_lab_visits, gettext("Approved"), lab_visits.get("approved")],
        [section_lab_visits, gettext("Visitors"), lab_visits.get("visitors")],
        [section_lab_visits, gettext("Checked in"), lab_visits.get("checked_in")],
        [section_lab_visits, gettext("Turn-out rate"), _rate(lab_visits.get("turnout_rate"))],
        [gettext("Ratings"), gettext("Ratings"), ratings.get("ratings")],
        [gettext("Ratings"), gettext("Share satisfied"), _rate(ratings.get("satisfied_rate"))],
    ]
    enterprises = selectors.enterprise_summary(filters=filters)
    section_enterprises = gettext("Enterprises helped")
    rows += [
        [section_enterprises, gettext("Enterprises helped"), enterprises["enterprises"]],
        [
            section_enterprises,
            gettext("Small and micro enterprises helped"),
            enterprises["small_micro"],
        ],
        [
            section_enterprises,
            gettext("Share of small and micro enterprises"),
            _rate(enterprises["small_micro_share"]),
        ],
    ]
    warnings = selectors.consumer_warning_summary(filters=filters)
    section_warnings = gettext("Consumer warnings")
    rows += [
        [section_warnings, gettext("Consumer warnings published"), warnings["warnings"]],
        *(
            [section_warnings, str(column.label), warnings[column.key]]
            for column in CONSUMER_WARNING_COLUMNS[1:]
        ),
    ]
    return rows


def table_build(*, key: str, filters: StatsFilters) -> Table:
    """One table by its key (see ``TABLE_TITLES``); ``KeyError`` for an unknown key."""
    if key == "summary":
        return Table(
            key=key,
            title=str(TABLE_TITLES[key]),
            columns=[
                Column("section", _("Section"), "text"),
                Column("figure", _("Figure"), "text"),
                Column("value", _("Value"), "auto"),
            ],
            rows=summary_rows(filters=filters),
        )
    if key == "enterprise_size":
        return _breakdown_table(
            key,
            gettext("Enterprise size"),
            ENTERPRISE_SIZE_COLUMNS,
            selectors.enterprise_size_breakdown(filters=filters),
        )
    if key == "consumer_warnings":
        return _breakdown_table(
            key,
            gettext("Product category"),
            CONSUMER_WARNING_COLUMNS,
            selectors.consumer_warning_breakdown(filters=filters),
        )
    for prefix, labels, columns, selector in (
        ("open_day_", OPEN_DAY_BY, OPEN_DAY_COLUMNS, selectors.open_day_breakdown),
        (
            "consultation_",
            CONSULTATION_BY,
            CONSULTATION_COLUMNS,
            selectors.consultation_breakdown,
        ),
        ("lab_visit_", LAB_VISIT_BY, LAB_VISIT_COLUMNS, selectors.lab_visit_breakdown),
        ("rating_", RATING_BY, RATING_COLUMNS, selectors.rating_breakdown),
    ):
        if key.startswith(prefix) and key in TABLE_TITLES:
            by = key.removeprefix(prefix)
            return _breakdown_table(key, str(labels[by]), columns, selector(filters=filters, by=by))
    raise KeyError(key)


# --- Files --------------------------------------------------------------------------------


def filter_header(*, filters: StatsFilters) -> list[str]:
    """The row above the column headers: which filters the figures were computed with."""
    rows = filters.as_rows()
    if not rows:
        return [gettext("Filters"), gettext("None: all figures")]
    return [gettext("Filters")] + [f"{label}: {value}" for label, value in rows]


def sheet_name(title: str, used: set[str]) -> str:
    """An Excel sheet name: at most 31 characters, none of []:*?/\\, unique in the book."""
    name = re.sub(r"[\[\]:*?/\\]", " ", title).strip()[:31].strip() or "Sheet"
    candidate, n = name, 2
    while candidate.lower() in used:
        suffix = f" ({n})"
        candidate, n = name[: 31 - len(suffix)].strip() + suffix, n + 1
    used.add(candidate.lower())
    return candidate


def _xlsx_cell(cell, value, kind: str) -> None:
    if isinstance(value, Rate) or (kind == "rate" and value is not None):
        cell.value = float(value)
        cell.number_format = PERCENT_FORMAT
    elif isinstance(value, datetime.datetime):
        cell.value = timezone.make_naive(value) if timezone.is_aware(value) else value
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, datetime.date):
        cell.value = value
        cell.number_format = DATE_FORMAT
    elif isinstance(value, bool):
        cell.value = str(value)
    elif isinstance(value, int | float):
        cell.value = value
        if isinstance(value, float) and kind in ("decimal", "auto"):
            cell.number_format = DECIMAL_FORMAT
    elif value is None:
        cell.value = None
    else:
        # Text stays text: openpyxl writes a str starting with "=" as a formula.
        cell.value = str(value)
        cell.data_type = "s"


def xlsx_add_sheet(workbook: Workbook, table: Table, *, filters: StatsFilters, used: set) -> None:
    sheet = workbook.create_sheet(sheet_name(table.title, used))
    header = filter_header(filters=filters)
    for column, text in enumerate(header, start=1):
        cell = sheet.cell(row=1, column=column)
        _xlsx_cell(cell, text, "text")
    sheet.cell(row=1, column=1).font = Font(bold=True)
    for column, spec in enumerate(table.columns, start=1):
        cell = sheet.cell(row=2, column=column)
        _xlsx_cell(cell, str(spec.label), "text")
        cell.font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(column)].width = 14 if column > 1 else 28
    for row_number, row in enumerate(table.rows, start=3):
        for column, (spec, value) in enumerate(zip(table.columns, row, strict=True), start=1):
            _xlsx_cell(sheet.cell(row=row_number, column=column), value, spec.kind)
    sheet.freeze_panes = "B3"


def tables_xlsx(
    *,
    keys: Sequence[str],
    filters: StatsFilters,
    after_sheet: Callable[[int, int], None] | None = None,
) -> bytes:
    """An XLSX workbook with one sheet per table; ``after_sheet(done, total)`` is called
    after each sheet (the report job records its progress there)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    for index, key in enumerate(keys, start=1):
        xlsx_add_sheet(workbook, table_build(key=key, filters=filters), filters=filters, used=used)
        if after_sheet is not None:
            after_sheet(index, len(keys))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv_value(value, kind: str) -> str:
    if value is None:
        return ""
    if isinstance(value, Rate) or kind == "rate":
        return f"{float(value) * 100:.2f}%"
    if isinstance(value, datetime.datetime):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, int):
        return str(value)
    return csv_text(str(value))


def table_csv_rows(*, table: Table, filters: StatsFilters) -> Iterator[str]:
    """The table as CSV lines (without the byte-order mark; see ``csv_stream``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        return buffer.getvalue()

    yield line([csv_text(text) for text in filter_header(filters=filters)])
    yield line([csv_text(str(c.label)) for c in table.columns])
    for row in table.rows:
        yield line([_csv_value(v, c.kind) for c, v in zip(table.columns, row, strict=True)])


# --- Report jobs --------------------------------------------------------------------------


def filters_to_json(filters: StatsFilters) -> dict:
    return {
        name: value.isoformat() if isinstance(value, datetime.date) else value
        for name, value in dataclasses.asdict(filters).items()
    }


def filters_from_json(data: dict) -> StatsFilters:
    values = {}
    for spec in dataclasses.fields(StatsFilters):
        if spec.name not in data:
            continue
        value = data[spec.name]
        if spec.name.startswith("date_") and value:
            value = datetime.date.fromisoformat(value)
        values[spec.name] = value
    return StatsFilters(**values)


def report_job_start(*, filters: StatsFilters, by) -> ReportJob:
    """Record a report job and enqueue its workbook on the ``reports`` queue after commit."""
    from stats.tasks import report_workbook_task

    job = ReportJob.objects.create(
        token=secrets.token_hex(16),
        filters=filters_to_json(filters),
        created_by=by,
    )
    task_queue_on_commit(
        report_workbook_task,
        job_id=job.pk,
        on_refused=lambda: report_job_refused(job_id=job.pk),
    )
    return job


def report_job_refused(*, job_id: int) -> None:
    """The broker did not take the job: it fails at once, so the person who asked sees it
    on the progress page and can start it again, rather than waiting for the timeout."""
    ReportJob.objects.filter(pk=job_id, state=ReportJob.State.QUEUED).update(
        state=ReportJob.State.FAILED, error="could not be queued", finished_at=timezone.now()
    )


def _job_language(job: ReportJob) -> str:
    """The workbook speaks the admin language of the staff member who asked for it."""
    if job.created_by_id is None:
        return settings.LANGUAGE_CODE
    from wagtail.users.models import UserProfile

    with translation.override(settings.LANGUAGE_CODE):
        return UserProfile.get_for_user(job.created_by).get_preferred_language()


def report_workbook_build(*, job_id: int) -> ReportJob:
    """Build the job's workbook: state running, progress after each sheet, the file saved
    to private storage, state done; any error leaves the job failed with a message.

    Only a queued job is built: claiming it with ``UPDATE ... WHERE state = 'queued'``
    means a task delivered twice (a retry, a worker restart) builds it once.
    """
    claimed = ReportJob.objects.filter(pk=job_id, state=ReportJob.State.QUEUED).update(
        state=ReportJob.State.RUNNING, progress=0
    )
    job = ReportJob.objects.select_related("created_by").get(pk=job_id)
    if not claimed:
        return job

    def progress(done: int, total: int) -> None:
        # The last percent is reached when the file is saved.
        ReportJob.objects.filter(pk=job_id).update(progress=min(99, done * 100 // total))

    try:
        with translation.override(_job_language(job)):
            data = tables_xlsx(
                keys=REPORT_TABLES,
                filters=filters_from_json(job.filters),
                after_sheet=progress,
            )
        name = f"statistics-report-{timezone.localdate():%Y%m%d}.xlsx"
        job.file.save(name, ContentFile(data), save=False)
    except Exception:
        # The summary tables hold no personal data, so the traceback may be logged.
        logger.exception("Report job %s failed", job_id)
        ReportJob.objects.filter(pk=job_id).update(
            state=ReportJob.State.FAILED,
            error=gettext("The report could not be produced. Please start it again."),
            finished_at=timezone.now(),
        )
        job.refresh_from_db()
        return job
    job.state = ReportJob.State.DONE
    job.progress = 100
    job.finished_at = timezone.now()
    job.save(update_fields=["file", "state", "progress", "finished_at"])
    return job


def report_jobs_recent(*, user, limit: int = 5) -> list[ReportJob]:
    return list(ReportJob.objects.filter(created_by=user)[:limit])


def report_jobs_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete jobs (and their workbooks) older than ``REPORT_RETENTION_DAYS``, and mark as
    failed the jobs still queued or running after ``REPORT_JOB_TIMEOUT_MINUTES`` (the
    worker building them died), so staff see it and can start a new one."""
    now = now or timezone.now()
    ReportJob.objects.filter(
        state__in=[ReportJob.State.QUEUED, ReportJob.State.RUNNING],
        created_at__lt=now - datetime.timedelta(minutes=settings.REPORT_JOB_TIMEOUT_MINUTES),
    ).update(state=ReportJob.State.FAILED, error="timed out", finished_at=now)
    cutoff = now - datetime.timedelta(days=settings.REPORT_RETENTION_DAYS)
    count = 0
    for job in ReportJob.objects.filter(created_at__lt=cutoff).iterator():
        if job.file:
            job.file.delete(save=False)
        job.delete()
        count += 1
    return count
