"""Lab-visit URLs (language-prefixed, mounted at ``lab-visits/``)."""

from django.urls import path

from labvisits import views

app_name = "labvisits"

urlpatterns = [
    path("", views.request_start, name="request_start"),
    path("slots/<int:slot_id>/request/", views.request_visit, name="request"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/ticket/", views.ticket, name="ticket"),
    path("<int:pk>/decide/", views.decide, name="decide"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("institution/", views.contact_dashboard, name="contact_dashboard"),
    path("institution/slots/", views.slot_create, name="slot_create"),
    path("institution/slots/<int:slot_id>/delete/", views.slot_delete, name="slot_delete"),
]
