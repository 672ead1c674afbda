"""Choices shared by the events models and forms (the models import the forms)."""

from django.db import models
from django.utils.translation import pgettext_lazy


class SessionFormat(models.TextChoices):
    """Where a session takes place: at the venue, online (a meeting or live-stream link), or
    both (places at the venue, and the link for every registrant)."""

    IN_PERSON = "in_person", pgettext_lazy("session format", "In person")
    ONLINE = "online", pgettext_lazy("session format", "Online")
    HYBRID = "hybrid", pgettext_lazy("session format", "Online and in person")
