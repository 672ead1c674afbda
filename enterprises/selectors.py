"""Reads about enterprises and who acts for them."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

from enterprises.models import Enterprise, Membership


def enterprise_for_user(*, user: AbstractBaseUser) -> Enterprise | None:
    """The enterprise ``user`` is an approved member (or owner) of, if any."""
    if not user.is_authenticated:
        return None
    membership = (
        Membership.objects.select_related("enterprise")
        .filter(user=user, status=Membership.Status.APPROVED)
        .first()
    )
    return membership.enterprise if membership else None
