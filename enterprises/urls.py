from django.urls import path

from enterprises import views

app_name = "enterprises"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("start/", views.start, name="start"),
    path("create/", views.create, name="create"),
    path("join/", views.join, name="join"),
    path("edit/", views.edit, name="edit"),
    path("requests/<id:pk>/decide/", views.decide, name="decide"),
    path("requests/<id:pk>/withdraw/", views.withdraw, name="withdraw"),
]
