from django.urls import path

from inbox import views

app_name = "inbox"

urlpatterns = [
    path("", views.notifications, name="notifications"),
    path("read/", views.notifications_read, name="notifications_read"),
    path("<id:pk>/calendar.ics", views.notification_calendar, name="notification_calendar"),
]
