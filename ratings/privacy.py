"""Ratings and personal data (``portal.privacy``): a rating names its rater only when they
were signed in, and its comment is their own words. The export lists the user's ratings;
deleting the account, or the retention time passing, unlinks the rater and clears the
comment. The level stays: it holds no personal data and counts in the statistics."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AbstractBaseUser

from portal.privacy import (
    ORDER_RATINGS,
    PersonalData,
    iso,
    personal_data_register,
    update_in_batches,
)
from ratings.models import Rating


def ratings_export(user: AbstractBaseUser) -> list[dict]:
    return [
        {
            "service": r.kind,
            "id": r.object_id,
            "rating": r.get_level_display(),
            "comment": r.comment,
            "rated_at": iso(r.created_at),
        }
        for r in Rating.objects.filter(rater=user).order_by("created_at", "pk")
    ]


def ratings_erase(user: AbstractBaseUser) -> None:
    Rating.objects.filter(rater=user).update(rater=None, comment="")


def ratings_anonymise_old(*, cutoff: datetime.datetime) -> int:
    """Unlink the rater and clear the comment of ratings given before ``cutoff``."""
    return update_in_batches(
        Rating.objects.filter(created_at__lt=cutoff).exclude(rater__isnull=True, comment=""),
        {"rater": None, "comment": ""},
    )


RATINGS = PersonalData(
    name="ratings",
    order=ORDER_RATINGS,
    export=ratings_export,
    erase=ratings_erase,
    purge=lambda cutoff: ratings_anonymise_old(cutoff=cutoff),
)


def personal_data_handlers_register() -> None:
    """Called from ``AppConfig.ready()``."""
    personal_data_register(RATINGS)
