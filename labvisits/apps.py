from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from experts.registry import institution_section_register
from portal.roles import user_role_register
from ratings.kinds import kind_register
from reminders.targets import target_register


class LabVisitsConfig(AppConfig):
    name = "labvisits"
    verbose_name = _("Lab visits")

    def ready(self) -> None:
        # Imported here, not at the top: both modules load models and Django's auth views,
        # which only works once the app registry is ready.
        from labvisits import checkin_views
        from labvisits.privacy import personal_data_handlers_register
        from labvisits.rating_kinds import LabVisitKind
        from labvisits.reminder_targets import LabVisitTarget
        from labvisits.selectors import institution_instruments_context, user_is_contact

        # portal.checkin loads Django's auth views: here for the same reason.
        from portal.checkin import CheckinDoor, checkin_door_register

        personal_data_handlers_register()
        user_role_register(
            "is_institution_contact",
            lambda user: user_is_contact(user=user),
            landing="labvisits:contact_dashboard",
            priority=20,
        )
        # The shared instruments on the institution page (experts imports no lab visits).
        institution_section_register("instruments", institution_instruments_context)
        target_register(LabVisitTarget())
        kind_register(LabVisitKind())

        # The visit slots on the open-day check-in home page (events imports no lab visits).
        checkin_door_register(
            CheckinDoor(
                name="labvisits",
                admits=checkin_views.checkin_admits,
                template="labvisits/checkin/home_section.html",
                context=checkin_views.checkin_home_context,
                ticket_elsewhere=checkin_views.checkin_ticket_elsewhere,
            )
        )
