"""Calendar files of published sessions: an activity's ``.ics`` ("add to calendar") and a
campaign's feed, which calendar apps subscribe to through a ``webcal://`` link.

Only live pages without view restrictions are served; anything else is a 404. Responses
may be cached for five minutes: places are not in the files, only times and places.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from events.calendar import activity_ics, campaign_ics
from events.models import ActivityPage, OpenDayIndexPage

CACHE_SECONDS = 300


def _ics_response(content: bytes, *, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=filename
    )
    patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
    return response


@require_safe
def activity_calendar(request: HttpRequest, page_id: int) -> HttpResponse:
    """The activity's sessions that have not ended, in the page's language."""
    activity = get_object_or_404(ActivityPage.objects.live().public(), pk=page_id)
    return _ics_response(
        activity_ics(activity=activity), filename=f"open-day-activity-{activity.pk}.ics"
    )


@require_safe
def campaign_calendar(request: HttpRequest, page_id: int) -> HttpResponse:
    """The campaign's subscribable feed of every session of its live activities."""
    campaign = get_object_or_404(OpenDayIndexPage.objects.live().public(), pk=page_id)
    return _ics_response(
        campaign_ics(campaign=campaign), filename=f"open-day-{campaign.year}-{campaign.pk}.ics"
    )


urlpatterns = [
    path("activity/<id:page_id>.ics", activity_calendar, name="calendar_activity"),
    path("campaign/<id:page_id>.ics", campaign_calendar, name="calendar_campaign"),
]
