"""Reads about enterprises and who acts for them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from enterprises.models import Enterprise, Membership

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def enterprise_for_user(*, user: User) -> Enterprise | None:
    """The enterprise ``user`` is an approved member (or owner) of, if any."""
    if not user.is_authenticated:
        return None
    membership = (
        Membership.objects.select_related("enterprise")
        .filter(user=user, status=Membership.Status.APPROVED)
        .first()
    )
    return membership.enterprise if membership else None


def membership_active_for_user(*, user: User) -> Membership | None:
    """The user's approved or pending membership (a user has at most one), with its
    enterprise; None for visitors and users without one."""
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.select_related("enterprise")
        .filter(user=user, status__in=[Membership.Status.PENDING, Membership.Status.APPROVED])
        .first()
    )


def user_is_enterprise_member(*, user: User) -> bool:
    """Whether ``user`` acts for an enterprise (an approved member or its owner)."""
    return user.is_authenticated and _memberships(user, Membership.Status.APPROVED).exists()


def user_has_enterprise_request(*, user: User) -> bool:
    """Whether ``user`` asked to join an enterprise and awaits the owner's answer."""
    return user.is_authenticated and _memberships(user, Membership.Status.PENDING).exists()


def _memberships(user: User, status: str):
    return Membership.objects.filter(user=user, status=status)


def membership_last_declined(*, user: User) -> Membership | None:
    return (
        Membership.objects.select_related("enterprise")
        .filter(user=user, status=Membership.Status.DECLINED)
        .order_by("-decided_at")
        .first()
    )


def enterprise_members(*, enterprise: Enterprise) -> list[Membership]:
    """Owner first, then members; pending requests and declined ones included."""
    return list(enterprise.memberships.select_related("user").order_by("-role", "created_at"))


def enterprise_consultations(*, enterprise: Enterprise):
    return enterprise.consultations.select_related("expert").order_by("-created_at")


def enterprise_lab_visits(*, enterprise: Enterprise):
    return enterprise.lab_visits.select_related("slot__lab", "slot__instrument").order_by(
        "-slot__starts_at"
    )
