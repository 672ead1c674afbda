"""Celery tasks of the statistics: thin wrappers routed to the ``reports`` queue
(``CELERY_TASK_ROUTES``), so a long refresh or workbook never delays mail or reminders."""

from __future__ import annotations

from celery import shared_task

from stats.services import stats_refresh


@shared_task(ignore_result=True)
def stats_refresh_task() -> int:
    """Rebuild the summary tables (beat, every 15 minutes, and on demand)."""
    return stats_refresh().pk


@shared_task(bind=True, ignore_result=True)
def report_workbook_task(self, *, job_id: int) -> None:
    """Build the full report workbook of a ``ReportJob`` (progress is kept on the job)."""
    from stats.reports import report_workbook_build

    report_workbook_build(job_id=job_id)


@shared_task(ignore_result=True)
def report_jobs_purge_task() -> int:
    """Delete old report workbooks and fail jobs whose worker died (beat, hourly)."""
    from stats.reports import report_jobs_purge

    return report_jobs_purge()
