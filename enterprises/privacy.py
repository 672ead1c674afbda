"""Personal data of enterprise memberships (``portal.privacy``)."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone

from enterprises.models import Enterprise, Membership
from portal.privacy import (
    ORDER_ENTERPRISE_MEMBERSHIPS,
    PersonalData,
    iso,
    personal_data_register,
)


def memberships_export(user: AbstractBaseUser) -> list[dict]:
    memberships = (
        Membership.objects.filter(user=user).select_related("enterprise").order_by("created_at")
    )
    return [
        {
            "enterprise": m.enterprise.name,
            "role": m.role,
            "status": m.status,
            "since": iso(m.created_at),
        }
        for m in memberships
    ]


def memberships_end(user: AbstractBaseUser) -> None:
    """Remove the user's memberships. An owner hands the enterprise to its longest-standing
    approved member, if there is one; otherwise the enterprise stays without an owner and
    its records stay with it (regulator staff can see them), but not its contact person's
    name and phone: with nobody left to act for it, they are nobody's to keep."""
    for membership in Membership.objects.select_for_update().filter(user=user):
        was_owner = (
            membership.role == Membership.Role.OWNER
            and membership.status == Membership.Status.APPROVED
        )
        enterprise_id = membership.enterprise_id
        # Deleted before the successor is promoted: one owner per enterprise is a constraint.
        membership.delete()
        if not was_owner:
            continue
        successor = (
            Membership.objects.select_for_update()
            .filter(enterprise_id=enterprise_id, status=Membership.Status.APPROVED)
            .order_by("created_at", "pk")
            .first()
        )
        if successor is not None:
            successor.role = Membership.Role.OWNER
            successor.save(update_fields=["role", "updated_at"])
        else:
            Enterprise.objects.filter(pk=enterprise_id).update(
                contact_name="", contact_phone="", updated_at=timezone.now()
            )


ENTERPRISE_MEMBERSHIPS = PersonalData(
    name="enterprise_memberships",
    order=ORDER_ENTERPRISE_MEMBERSHIPS,
    export=memberships_export,
    erase=memberships_end,
)


def personal_data_handlers_register() -> None:
    """Called from ``AppConfig.ready()``."""
    personal_data_register(ENTERPRISE_MEMBERSHIPS)
