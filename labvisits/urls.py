"""Lab-visit URLs (language-prefixed, mounted at ``lab-visits/``)."""

from django.urls import path

from labvisits import views

app_name = "labvisits"

urlpatterns = [
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
