from django.urls import path

from stats import views

app_name = "stats"

urlpatterns = [
    path("", views.open_day_in_numbers, name="public"),
]
