"""Signal receivers of the open day: loose side effects of what editors do in Wagtail.

Publishing an activity page (in the admin, or by the scheduled-publishing job, which sends
the same signal) may have moved its sessions: each session is compared with what its
registrants were last told, and a change starts a notice to them
(``events.services.session.session_schedule_check``).
"""

from __future__ import annotations

from django.dispatch import receiver
from wagtail.signals import page_published

from events.models import ActivityPage


@receiver(page_published, sender=ActivityPage, dispatch_uid="events_activity_published")
def activity_published(sender, instance: ActivityPage, revision=None, **kwargs) -> None:
    from events.services.session import session_checks_for_activity

    user = getattr(revision, "user", None) if revision is not None else None
    session_checks_for_activity(activity=instance, by=user)
