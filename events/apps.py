from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cms.registry import home_section_register
from experts.registry import institution_section_register
from portal.roles import user_role_register
from ratings.kinds import kind_register
from reminders.targets import target_register


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Open days")

    def ready(self) -> None:
        from events import signals  # noqa: F401  (connects the receivers)
        from events.privacy import personal_data_handlers_register
        from events.rating_kinds import OpenDayVisitKind
        from events.reminder_targets import RegistrationTarget
        from events.selectors import (
            home_campaign_context,
            institution_activities_context,
            user_is_checkin_staff,
        )

        personal_data_handlers_register()
        home_section_register("campaign", home_campaign_context)
        institution_section_register("hosted_activities", institution_activities_context)
        target_register(RegistrationTarget())
        kind_register(OpenDayVisitKind())
        # Check-in staff find the door screen in the header and land on it after signing in.
        user_role_register(
            "is_checkin_staff",
            lambda user: user_is_checkin_staff(user=user),
            landing="events:checkin_home",
            priority=40,
        )
