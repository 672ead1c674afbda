"""Needs URLs (language-prefixed, under ``needs/``)."""

from django.urls import path

from needs import views

app_name = "needs"

urlpatterns = [
    path("", views.board, name="board"),
    path("post/", views.post, name="post"),
    path("mine/", views.mine, name="mine"),
    path("<id:pk>/", views.detail, name="detail"),
    path("<id:pk>/offer/", views.offer, name="offer"),
    path("<id:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("offers/<id:pk>/accept/", views.accept, name="accept"),
]
