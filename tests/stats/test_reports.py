"""Downloads of the statistics (CSV, XLSX) and the full report workbook built by Celery."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from portal.choices import District
from stats import reports
from stats.models import ReportJob
from stats.selectors import StatsFilters
from stats.services import stats_refresh
from tests import factories
from tests.stats.test_dashboard import DASHBOARD, assert_refused_by_admin, build_dashboard_data


@pytest.fixture
def data(site_tree):
    built = build_dashboard_data(site_tree)
    stats_refresh()
    return built


def open_workbook(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(content))


def test_xlsx_download_has_a_sheet_per_table_with_numbers(client, staff_editor, data):
    client.force_login(staff_editor)
    response = client.get(DASHBOARD, {"district": District.BANAN, "export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in response["Content-Disposition"]
    book = open_workbook(response.content)
    assert book.sheetnames == [
        "Headline figures",
        "Open day by activity",
        "Open day by institution",
        "Open day by kind of host",
        "Open day by session format",
        "Open day by activity type",
        "Open day by district",
        "Open day by day",
        "Consultations by service",
        "Consultations by state",
        "Lab visits by institution",
        "Enterprises helped by size",
        "Ratings by service",
        "Ratings by institution",
        "Ratings by expert",
        "Consumer warnings by category",
    ]
    sheet = book["Open day by activity"]
    header = [cell.value for cell in sheet[1] if cell.value]
    assert header == ["Filters", "District: Banan District"]
    columns = [cell.value for cell in sheet[2]]
    assert columns[:4] == ["Activity", "Sessions", "Places", "Registered"]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert len(rows) == 1  # only the Banan activity
    row = dict(zip(columns, rows[0], strict=True))
    assert row["Activity"] == "Visit A"  # in the English admin's language
    assert row["Sessions"] == 1 and isinstance(row["Sessions"], int)
    assert row["Registered"] == 9 and row["Checked in"] == 4
    assert row["Fill rate"] == pytest.approx(0.45)
    fill_cell = sheet.cell(row=3, column=columns.index("Fill rate") + 1)
    assert fill_cell.data_type == "n"
    assert "%" in fill_cell.number_format

    summary = book["Headline figures"]
    figures = {r[1]: r[2] for r in summary.iter_rows(min_row=3, values_only=True)}
    assert figures["Registered"] == 9
    assert figures["Requests"] in (0, 1)  # consultations and lab visits share the label


def test_xlsx_without_filters_says_so(client, staff_editor, data):
    client.force_login(staff_editor)
    book = open_workbook(client.get(DASHBOARD, {"export": "xlsx"}).content)
    assert [c.value for c in book["Headline figures"][1] if c.value] == [
        "Filters",
        "None: all figures",
    ]


def test_csv_download_of_one_table(client, staff_editor, data):
    client.force_login(staff_editor)
    response = client.get(DASHBOARD, {"export": "csv", "table": "open_day_district"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    content = b"".join(response.streaming_content)
    assert content.startswith(b"\xef\xbb\xbf")  # byte-order mark for spreadsheet programs
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == ["Filters", "None: all figures"]
    assert rows[1][:4] == ["District", "Sessions", "Places", "Registered"]
    by_district = {row[0]: row for row in rows[2:]}
    assert set(by_district) == {"Banan District", "Yuzhong District"}
    assert by_district["Banan District"][3] == "9"
    assert by_district["Banan District"][rows[1].index("Fill rate")] == "45.00%"


def test_csv_of_unknown_table_is_refused(client, staff_editor, data):
    client.force_login(staff_editor)
    assert client.get(DASHBOARD, {"export": "csv", "table": "registrations"}).status_code == 400
    assert client.get(DASHBOARD, {"export": "pdf"}).status_code == 400


def test_sheet_names_are_valid_and_unique():
    used: set[str] = set()
    assert reports.sheet_name("A/B: very long title that goes on and on", used) == (
        "A B  very long title that goes"
    )
    assert reports.sheet_name("A/B: very long title that goes on and on", used) == (
        "A B  very long title that g (2)"
    )


def test_text_cells_never_become_formulas():
    table = reports.Table(
        key="x",
        title="X",
        columns=[reports.Column("label", "Label", "text"), reports.Column("n", "N")],
        rows=[['=HYPERLINK("http://x")', 3]],
    )
    lines = list(reports.table_csv_rows(table=table, filters=StatsFilters()))
    assert next(csv.reader(io.StringIO(lines[2]))) == ['\'=HYPERLINK("http://x")', "3"]
    book = openpyxl.Workbook()
    reports.xlsx_add_sheet(book, table, filters=StatsFilters(), used=set())
    cell = book["X"].cell(row=3, column=1)
    assert cell.data_type == "s"


def test_report_job_end_to_end(
    client, staff_editor, staff_approver, data, django_capture_on_commit_callbacks
):
    client.force_login(staff_editor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("stats_admin:report_start"), {"district": District.BANAN})
    job = ReportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("stats_admin:report_status", args=[job.token])
    assert job.state == ReportJob.State.DONE
    assert job.progress == 100
    assert job.created_by == staff_editor
    assert job.filters["district"] == District.BANAN
    assert job.file.name.startswith(f"reports/{job.token}/")

    status = client.get(reverse("stats_admin:report_status_json", args=[job.token])).json()
    assert status["state"] == "done" and status["progress"] == 100 and status["finished"]
    download_url = reverse("stats_admin:report_download", args=[job.token])
    assert status["download_url"] == download_url

    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert '<progress id="stats-report-progress" max="100" value="100">' in html
    assert download_url in html
    assert "stats-report.js" in html

    download = client.get(download_url)
    assert download.status_code == 200
    assert {"private", "no-store"} <= {d.strip() for d in download["Cache-Control"].split(",")}
    book = open_workbook(b"".join(download.streaming_content))
    with translation.override("en"):  # the workbook speaks the requester's admin language
        assert set(book.sheetnames) == {str(title) for title in reports.TABLE_TITLES.values()}
    assert [c.value for c in book["Open day by activity"][1] if c.value] == [
        "Filters",
        "District: Banan District",
    ]
    # Another regulator user may download it too; the dashboard lists the job for its owner.
    client.force_login(staff_approver)
    assert client.get(download_url).status_code == 200
    client.force_login(staff_editor)
    assert job.token.encode() in client.get(DASHBOARD).content


def test_report_refused_to_users_without_statistics_permission(
    client, staff_editor, data, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = reports.report_job_start(filters=StatsFilters(), by=staff_editor)
    job.refresh_from_db()
    assert job.state == ReportJob.State.DONE
    checkin_staff = factories.UserFactory(groups=["Check-in staff"])
    client.force_login(checkin_staff)
    for name in ("report_status", "report_status_json", "report_download"):
        response = client.get(reverse(f"stats_admin:{name}", args=[job.token]))
        assert_refused_by_admin(response)
        assert b"PK" not in response.content[:2]
    with django_capture_on_commit_callbacks(execute=True):
        assert_refused_by_admin(client.post(reverse("stats_admin:report_start")))
    assert ReportJob.objects.count() == 1
    client.logout()
    response = client.get(reverse("stats_admin:report_download", args=[job.token]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_status_page_without_javascript_refreshes_while_running(client, staff_editor, data):
    job = ReportJob.objects.create(token="t" * 32, created_by=staff_editor)
    client.force_login(staff_editor)
    html = client.get(reverse("stats_admin:report_status", args=[job.token])).content.decode()
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in html
    assert "Check again" in html
    assert reverse("stats_admin:report_download", args=[job.token]) not in html
    status = client.get(reverse("stats_admin:report_status_json", args=[job.token])).json()
    assert status == {
        "state": "queued",
        "state_label": "Queued",
        "progress": 0,
        "finished": False,
        "download_url": "",
        "error": "",
    }
    # Not ready yet: the download link leads back to the progress page.
    response = client.get(reverse("stats_admin:report_download", args=[job.token]))
    assert response.status_code == 302
    assert response["Location"] == reverse("stats_admin:report_status", args=[job.token])


def test_failed_report_is_marked_failed_with_a_message(monkeypatch, staff_editor, data):
    job = ReportJob.objects.create(token="f" * 32, created_by=staff_editor)

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(reports.selectors, "consultation_breakdown", broken)
    built = reports.report_workbook_build(job_id=job.pk)
    assert built.state == ReportJob.State.FAILED
    assert built.error and "database" not in built.error
    assert not built.file
    assert 0 < built.progress < 100  # the sheets before the failure were counted


def test_report_built_once_when_the_task_is_delivered_twice(staff_editor, data):
    job = ReportJob.objects.create(token="d" * 32, created_by=staff_editor)
    first = reports.report_workbook_build(job_id=job.pk)
    name = first.file.name
    second = reports.report_workbook_build(job_id=job.pk)
    assert second.state == ReportJob.State.DONE and second.file.name == name


def test_purge_removes_old_workbooks(settings, staff_editor, data):
    import datetime

    from django.utils import timezone

    job = ReportJob.objects.create(token="p" * 32, created_by=staff_editor)
    job = reports.report_workbook_build(job_id=job.pk)
    storage, name = job.file.storage, job.file.name
    assert storage.exists(name)
    later = timezone.now() + datetime.timedelta(days=settings.REPORT_RETENTION_DAYS + 1)
    assert reports.report_jobs_purge(now=later) == 1
    assert not storage.exists(name)
    assert not ReportJob.objects.exists()


def test_job_whose_worker_died_is_marked_failed_and_purged_later(settings, staff_editor, data):
    import datetime

    from django.core.management import call_command
    from django.utils import timezone

    stuck = ReportJob.objects.create(
        token="s" * 32, created_by=staff_editor, state=ReportJob.State.RUNNING, progress=40
    )
    fresh = ReportJob.objects.create(token="f" * 32, created_by=staff_editor)
    ReportJob.objects.filter(pk=stuck.pk).update(
        created_at=timezone.now()
        - datetime.timedelta(minutes=settings.REPORT_JOB_TIMEOUT_MINUTES + 1)
    )
    call_command("purge_reports", stdout=__import__("io").StringIO())
    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert stuck.state == ReportJob.State.FAILED and stuck.finished_at is not None
    assert fresh.state == ReportJob.State.QUEUED


def test_with_the_broker_down_a_report_fails_at_once_and_says_so(
    client, staff_editor, data, django_capture_on_commit_callbacks, caplog
):
    from unittest import mock

    from kombu.exceptions import OperationalError

    client.force_login(staff_editor)
    refused = mock.patch(
        "stats.tasks.report_workbook_task.delay", side_effect=OperationalError("refused")
    )
    with refused, django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("stats_admin:report_start"), {"district": District.BANAN})
    assert response.status_code == 302
    job = ReportJob.objects.get()
    assert (job.state, job.error) == (ReportJob.State.FAILED, "could not be queued")
    status = client.get(reverse("stats_admin:report_status_json", args=[job.token])).json()
    assert status["state"] == "failed" and status["finished"]
    assert "The broker did not take stats.tasks.report_workbook_task" in caplog.text
