"""Personal data of experts (``portal.privacy``): a deleted account stops being linked to
its expert profile; the published profile itself is the regulator's content and stays."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser

from experts.models import Expert
from portal.privacy import (
    ORDER_EXPERTS,
    PersonalData,
    personal_data_register,
)


def experts_unlink(user: AbstractBaseUser) -> None:
    Expert.objects.filter(user=user).update(user=None)


EXPERTS = PersonalData(name="experts", order=ORDER_EXPERTS, erase=experts_unlink)


def personal_data_handlers_register() -> None:
    """Called from ``AppConfig.ready()``."""
    personal_data_register(EXPERTS)
