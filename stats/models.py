"""Summary tables behind the statistics dashboard, the report workbook and the public figures.

They are rebuilt from the operational rows by ``stats.services.stats_refresh`` with
database aggregation (one ``GROUP BY`` per table), so reports read a few thousand summary
rows instead of a million registrations. Nothing here holds personal data.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from portal.choices import District, Zone
from portal.storage import private_file_storage


class SessionStat(models.Model):
    """One open-day session's figures, with the dimensions reports filter and group by."""

    session_id = models.PositiveBigIntegerField(primary_key=True)
    # Indexed by ``sessionstat_campaign_day`` (its first column); no index of its own, so
    # the refresh maintains one index fewer.
    campaign_id = models.PositiveBigIntegerField()
    activity_id = models.PositiveBigIntegerField()
    institution_id = models.PositiveBigIntegerField(null=True, blank=True)
    # The host's kind (``experts.HostKind``) when the refresh ran; "" without a host.
    host_kind = models.CharField(max_length=20, blank=True, default="")
    activity_type = models.CharField(max_length=20)
    district = models.CharField(max_length=20, choices=District.choices)
    zone = models.CharField(max_length=20, choices=Zone.choices, blank=True)
    day = models.DateField()  # local date of the session's start
    starts_at = models.DateTimeField()
    # The session's format (``events.SessionFormat``: in person, online, hybrid).
    format = models.CharField(max_length=10, default="in_person")
    # Places offered; null for a session without a limit (online only): such a session is
    # left out of the fill rate, its registrations reported separately.
    capacity = models.PositiveIntegerField(null=True, blank=True)
    # People (party sizes), not rows.
    registered = models.PositiveIntegerField(default=0)  # holding places, walk-ins excluded
    waitlisted = models.PositiveIntegerField(default=0)
    cancelled = models.PositiveIntegerField(default=0)
    checked_in = models.PositiveIntegerField(default=0)  # walk-ins included
    walk_ins = models.PositiveIntegerField(default=0)
    no_shows = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["campaign_id", "day"], name="sessionstat_campaign_day")]

    def __str__(self) -> str:
        return f"session {self.session_id} · {self.day}"


class ConsultationStat(models.Model):
    """One consultation, flattened for reporting (no names, no phone numbers)."""

    consultation_id = models.PositiveBigIntegerField(primary_key=True)
    service = models.CharField(max_length=32)
    field = models.CharField(max_length=32, blank=True)  # industry
    district = models.CharField(max_length=20, blank=True)  # the enterprise's
    zone = models.CharField(max_length=20, blank=True)  # the enterprise's functional zone
    expert_id = models.PositiveBigIntegerField(null=True, blank=True)
    state = models.CharField(max_length=20)
    requested_at = models.DateTimeField()
    day = models.DateField()  # local date of the request
    # End of the booked time: a confirmed consultation whose time passed counts against
    # the completion rate (the expert neither completed it nor marked a no-show).
    ends_at = models.DateTimeField(null=True, blank=True)
    # Seconds from request to the expert's confirmation; null if never confirmed.
    confirm_seconds = models.PositiveIntegerField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["day"], name="consultationstat_day")]

    def __str__(self) -> str:
        return f"consultation {self.consultation_id} · {self.state}"


class LabVisitStat(models.Model):
    """One visit slot's figures."""

    slot_id = models.PositiveBigIntegerField(primary_key=True)
    lab_id = models.PositiveBigIntegerField()
    institution_id = models.PositiveBigIntegerField(null=True, blank=True)
    district = models.CharField(max_length=20, blank=True)
    zone = models.CharField(max_length=20, blank=True)  # the institution's functional zone
    day = models.DateField()
    capacity = models.PositiveIntegerField(default=0)
    requests = models.PositiveIntegerField(default=0)
    approved = models.PositiveIntegerField(default=0)  # visits approved (incl. later no-shows)
    visitors = models.PositiveIntegerField(default=0)  # people in approved visits
    checked_in = models.PositiveIntegerField(default=0)  # people of visits checked in

    class Meta:
        indexes = [models.Index(fields=["day"], name="labvisitstat_day")]

    def __str__(self) -> str:
        return f"visit slot {self.slot_id} · {self.day}"


class EnterpriseServiceStat(models.Model):
    """One service an enterprise received: a completed consultation or a lab visit it
    attended (checked in), with the enterprise's size, so reports count the small and micro
    enterprises helped. Only ids and codes: no names."""

    class Kind(models.TextChoices):
        CONSULTATION = "consultation", _("Consultation")
        LAB_VISIT = "lab_visit", _("Lab visit")
        MACHINE_TIME = "machine_time", _("Machine time")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    source_id = models.PositiveBigIntegerField()  # the consultation's or the lab visit's id
    enterprise_id = models.PositiveBigIntegerField()
    enterprise_size = models.CharField(max_length=10)  # enterprises.Enterprise.Size
    district = models.CharField(max_length=20, blank=True)  # the enterprise's
    zone = models.CharField(max_length=20, blank=True)  # the enterprise's functional zone
    day = models.DateField()  # local date of the service
    people = models.PositiveIntegerField(default=0)  # visitors of a lab visit; 0 otherwise

    class Meta:
        indexes = [models.Index(fields=["day"], name="enterpriseservicestat_day")]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "source_id"], name="enterpriseservicestat_one_per_source"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.source_id} · {self.enterprise_size}"


class StatsRefresh(models.Model):
    """When the summary tables were last rebuilt, and how long it took."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    rows = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-pk"]
        get_latest_by = "started_at"
        permissions = [("view_statistics", _("Can see the statistics dashboard and reports"))]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} ({self.rows} rows)"


def report_path(instance: ReportJob, filename: str) -> str:
    return f"reports/{instance.token}/{filename}"


class ReportJob(models.Model):
    """A full report workbook produced by a Celery task; the admin polls its progress."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    token = models.CharField(max_length=32, unique=True)
    filters = models.JSONField(default=dict)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    file = models.FileField(
        upload_to=report_path, storage=private_file_storage, max_length=200, blank=True
    )
    error = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="reportjob_progress_percent"
            )
        ]

    def __str__(self) -> str:
        return self.token


@register_setting(icon="success")
class PlanTargets(BaseGenericSetting):
    """The regional plan's targets the statistics dashboard measures against (one for the
    whole portal, edited under Settings → Plan targets), and the latest regional
    figures, which staff copy from the regulator's own registers (the portal lists only the
    institutions that joined it). Defaults: the Chongqing plan for the testing and
    inspection service industry 2023-2027 (渝府办发〔2023〕98号), key indicators table."""

    plan_name = models.CharField(
        _("plan"),
        max_length=200,
        default="重庆市检验检测服务业发展规划（2023—2027年）",
    )
    plan_name_en = models.CharField(
        _("plan (English)"),
        max_length=200,
        default="Chongqing plan for the testing and inspection service industry 2023-2027",
    )
    target_year = models.PositiveSmallIntegerField(_("target year"), default=2027)
    institutions_target = models.PositiveIntegerField(
        _("CMA-accredited institutions: target"), default=800
    )
    institutions_baseline = models.PositiveIntegerField(
        _("CMA-accredited institutions: baseline"), default=689
    )
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"), default=2022)
    institutions_regional = models.PositiveIntegerField(
        _("CMA-accredited institutions in the region: latest figure"),
        null=True,
        blank=True,
        help_text=_("From the regulator's register; the portal counts only its own pages."),
    )
    institutions_regional_as_of = models.DateField(
        _("date of the regional figure"), null=True, blank=True
    )
    centres_target = models.PositiveIntegerField(
        _("national quality inspection centres: target"), default=20
    )
    centres_regional = models.PositiveIntegerField(
        _("national quality inspection centres: latest figure"), null=True, blank=True
    )
    centres_regional_as_of = models.DateField(
        _("date of the centres figure"), null=True, blank=True
    )

    panels = [
        MultiFieldPanel(
            [FieldPanel("plan_name"), FieldPanel("plan_name_en"), FieldPanel("target_year")],
            heading=_("Plan"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("institutions_target"),
                FieldPanel("institutions_baseline"),
                FieldPanel("baseline_year"),
                FieldPanel("institutions_regional"),
                FieldPanel("institutions_regional_as_of"),
            ],
            heading=_("CMA-accredited institutions"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("centres_target"),
                FieldPanel("centres_regional"),
                FieldPanel("centres_regional_as_of"),
            ],
            heading=_("National quality inspection centres"),
        ),
    ]

    class Meta:
        verbose_name = _("plan targets")
