"""Lab-visit URLs (language-prefixed): the pages under ``lab-visits/``, the shared
instruments under ``instruments/`` (their machine time is requested under ``lab-visits/``),
and the door check-in of a visit slot under ``open-day/checkin/visit/``, next to the
open-day check-in screens it shares."""

from django.urls import include, path

from labvisits import checkin_views, instrument_views, views

app_name = "labvisits"

visit_patterns = [
    path("", views.request_start, name="request_start"),
    path("slots/<id:slot_id>/request/", views.request_visit, name="request"),
    path("<id:pk>/", views.detail, name="detail"),
    path("<id:pk>/ticket/", views.ticket, name="ticket"),
    path("<id:pk>/decide/", views.decide, name="decide"),
    path("<id:pk>/cancel/", views.cancel, name="cancel"),
    path("institution/", views.contact_dashboard, name="contact_dashboard"),
    path("institution/slots/", views.slot_create, name="slot_create"),
    path("institution/slots/<id:slot_id>/delete/", views.slot_delete, name="slot_delete"),
]

instrument_patterns = [
    path("", instrument_views.instrument_catalogue, name="instrument_list"),
    path("<id:pk>/", instrument_views.instrument_detail, name="instrument_detail"),
]

urlpatterns = [
    path("lab-visits/", include(visit_patterns)),
    path("instruments/", include(instrument_patterns)),
    path("open-day/checkin/visit/", include(checkin_views.urlpatterns)),
]
