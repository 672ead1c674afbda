"""Public open-day URLs (language-prefixed): registration and tickets, check-in, calendars."""

from django.urls import include, path

from events.views import calendar, checkin, checkin_offline, registration

app_name = "events"

urlpatterns = [
    path("registration/", include(registration.urlpatterns)),
    path("checkin/", include(checkin.urlpatterns + checkin_offline.urlpatterns)),
    path("calendar/", include(calendar.urlpatterns)),
]
