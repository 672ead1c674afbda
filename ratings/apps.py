from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from reminders.sms import TextTemplate, text_template_register


class RatingsConfig(AppConfig):
    name = "ratings"
    verbose_name = _("Ratings")

    def ready(self) -> None:
        from ratings.privacy import personal_data_handlers_register

        personal_data_handlers_register()
        # The request to rate, as a text message (templates/sms/rating_ask.txt,
        # SMS_TEMPLATE_RATING_ASK), for an open-day visitor known by a phone number only.
        text_template_register(TextTemplate("rating_ask", ("title", "link")))
