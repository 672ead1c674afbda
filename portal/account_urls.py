"""A user's own data, under /<lang>/accounts/ next to allauth's pages (included before
them in portal/urls.py; the paths do not clash with allauth's)."""

from django.urls import path

from portal import account_views

app_name = "privacy"

urlpatterns = [
    path("my-data/", account_views.my_data, name="my_data"),
    path("my-data/download/", account_views.my_data_download, name="my_data_download"),
    path("delete-account/", account_views.delete_account, name="delete_account"),
]
