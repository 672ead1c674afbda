"""Public open-day URLs (language-prefixed): registration and tickets, check-in, calendars."""

from django.urls import include, path

from events.views import calendar, checkin, registration

app_name = "events"

urlpatterns = [
    path("registration/", include(registration.urlpatterns)),
    path("checkin/", include(checkin.urlpatterns)),
    path("calendar/", include(calendar.urlpatterns)),
]
