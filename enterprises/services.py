"""Enterprise profiles and who may act for them.

The creator of an enterprise is its owner. Other users ask to join by the enterprise's
credit code and the owner approves or declines. A user acts for one enterprise at a time:
the partial unique index ``membership_one_active_per_user`` holds that even when two
requests race, and ``enterprise_credit_code_unique`` keeps one profile per licence.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from enterprises.audit import ENTERPRISE_UNVERIFY, ENTERPRISE_VERIFY
from enterprises.models import Enterprise, Membership
from enterprises.validators import credit_code_normalise, credit_code_validate
from inbox.services import notify, user_language
from portal.audit import audit_log
from portal.choices import district_from_credit_code
from portal.errors import DomainError
from portal.phones import InvalidPhone, phone_compact, phone_normalise

if TYPE_CHECKING:
    from django.contrib.auth.models import User

ACTIVE_STATUSES = (Membership.Status.PENDING, Membership.Status.APPROVED)
# A fixed line with its area code, e.g. 023-6386 1234 (Chongqing) or 010 12345678.
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


class EnterpriseError(DomainError):
    """An enterprise rule refused the request. ``code`` is machine-readable."""

    def __init__(
        self,
        message: str,
        *,
        code: str,
        enterprise: Enterprise | None = None,
        membership: Membership | None = None,
    ):
        super().__init__(message, code=code)
        # For code "exists": the enterprise holding the credit code, to offer "ask to join".
        self.enterprise = enterprise
        self.membership = membership


def contact_phone_normalise(raw: str) -> str:
    """A mainland mobile as ``+86`` and 11 digits, or a fixed line as ``023-63861234``.

    Raises ``EnterpriseError`` with code ``invalid_phone``.
    """
    try:
        return phone_normalise(raw)
    except InvalidPhone:
        pass  # not a mobile number: it may still be a fixed line
    compact = phone_compact(raw)  # full-width digits made ASCII; spaces, dashes dropped
    if compact.startswith("+86"):
        compact = "0" + compact[3:].lstrip("-")
    if LANDLINE.match(compact):
        digits = compact.replace("-", "")
        area = 3 if digits[1] in "12" else 4  # 010, 02x: 3 digits; others 4
        return f"{digits[:area]}-{digits[area:]}"
    raise EnterpriseError(
        _(
            "Enter a mainland mobile number (11 digits starting with 1) or a fixed line "
            "with its area code, e.g. 023-6386 1234."
        ),
        code="invalid_phone",
    )


def _credit_code_checked(raw: str) -> str:
    try:
        return credit_code_validate(raw)
    except ValidationError as error:
        raise EnterpriseError(error.messages[0], code="invalid_credit_code") from None


def _has_enterprise_error() -> EnterpriseError:
    return EnterpriseError(
        _(
            "You already act for an enterprise or have asked to join one. A user account "
            "can act for one enterprise at a time."
        ),
        code="has_enterprise",
    )


def _active_membership(user: User) -> Membership | None:
    return (
        Membership.objects.select_related("enterprise")
        .filter(user=user, status__in=ACTIVE_STATUSES)
        .first()
    )


def _owner_of(enterprise: Enterprise) -> User | None:
    membership = (
        Membership.objects.select_related("user")
        .filter(enterprise=enterprise, role=Membership.Role.OWNER)
        .first()
    )
    return membership.user if membership else None


def _url_for(user: User, name: str) -> str:
    """A site path in ``user``'s language (the link in their notification)."""
    with translation.override(user_language(user)):
        return reverse(name)


def enterprise_create(
    *,
    user: User,
    name: str,
    credit_code: str,
    industry: str,
    district: str = "",
    zone: str = "",
    size: str,
    address: str,
    contact_name: str,
    contact_phone: str,
) -> Enterprise:
    """Creates an enterprise with ``user`` as its owner (approved membership). Without a
    ``district``, the district is the one whose authority issued the credit code (its
    region code, ``portal.choices.district_from_credit_code``); the owner may change it.

    Error codes: ``invalid_credit_code``, ``invalid_phone``, ``district_required`` (none
    given and the code names no Chongqing district), ``has_enterprise`` (the user
    already acts for or asked to join an enterprise), ``exists`` (the credit code is
    already registered; ``error.enterprise`` is that enterprise, so the user can ask to
    join it).
    """
    code = _credit_code_checked(credit_code)
    phone = contact_phone_normalise(contact_phone)
    district = district or district_from_credit_code(code)
    if not district:
        raise EnterpriseError(
            _(
                "This credit code was not issued in a district of Chongqing: choose the "
                "district the enterprise is in."
            ),
            code="district_required",
        )
    with transaction.atomic():
        if _active_membership(user) is not None:
            raise _has_enterprise_error()
        existing = Enterprise.objects.filter(credit_code=code).first()
        if existing is not None:
            raise _exists_error(existing)
        try:
            # Two users registering the same licence at once both pass the check above;
            # the unique index refuses the second insert. The savepoint keeps the outer
            # transaction usable so we can look up the winner and answer "exists".
            with transaction.atomic():
                enterprise = Enterprise.objects.create(
                    name=" ".join(name.split()),
                    credit_code=code,
                    industry=industry,
                    district=district,
                    zone=zone,
                    size=size,
                    address=address.strip(),
                    contact_name=" ".join(contact_name.split()),
                    contact_phone=phone,
                )
        except IntegrityError:
            existing = Enterprise.objects.filter(credit_code=code).first()
            if existing is None:
                raise
            raise _exists_error(existing) from None
        try:
            # The same user submitting twice at once: one active membership per user.
            with transaction.atomic():
                Membership.objects.create(
                    enterprise=enterprise,
                    user=user,
                    role=Membership.Role.OWNER,
                    status=Membership.Status.APPROVED,
                    decided_at=timezone.now(),
                )
        except IntegrityError:
            raise _has_enterprise_error() from None
    return enterprise


def _exists_error(enterprise: Enterprise) -> EnterpriseError:
    return EnterpriseError(
        _(
            "An enterprise with this credit code is already registered on the portal. You "
            "can ask its owner to let you join."
        ),
        code="exists",
        enterprise=enterprise,
    )


def membership_request(*, user: User, credit_code: str) -> Membership:
    """Asks to join the enterprise with ``credit_code``; the owner is notified.

    Error codes: ``invalid_credit_code``, ``not_found``, ``already_member`` (approved or
    already waiting for this enterprise; ``error.membership``), ``has_enterprise``.
    A user whose earlier request was declined may ask again.
    """
    code = _credit_code_checked(credit_code)
    with transaction.atomic():
        enterprise = Enterprise.objects.filter(credit_code=code).first()
        if enterprise is None:
            raise EnterpriseError(
                _(
                    "No enterprise with this credit code is registered yet. Check the code, "
                    "or create the enterprise profile yourself."
                ),
                code="not_found",
            )
        active = _active_membership(user)
        if active is not None and active.enterprise_id == enterprise.pk:
            raise EnterpriseError(
                _("You are already a member of this enterprise or have asked to join it."),
                code="already_member",
                membership=active,
            )
        if active is not None:
            raise _has_enterprise_error()
        try:
            # A double submit (or two tabs) races here; the partial unique index on active
            # memberships lets only one request through.
            with transaction.atomic():
                membership, _created = Membership.objects.update_or_create(
                    enterprise=enterprise,
                    user=user,
                    defaults={
                        "status": Membership.Status.PENDING,
                        "role": Membership.Role.MEMBER,
                        "decided_by": None,
                        "decided_at": None,
                    },
                )
        except IntegrityError:
            raise _has_enterprise_error() from None
        owner = _owner_of(enterprise)
        if owner is not None:
            notify(
                user=owner,
                template="enterprise_join_request",
                context={"enterprise": enterprise, "requester": _display_name(user)},
                url=_url_for(owner, "enterprises:mine"),
            )
    return membership


def _display_name(user: User) -> str:
    return user.get_full_name() or user.email or user.get_username()


def membership_withdraw(*, membership: Membership, by: User) -> None:
    """The requester takes back a pending request. Codes ``forbidden``, ``not_pending``."""
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        if membership.user_id != by.pk:
            raise EnterpriseError(_("This is not your request."), code="forbidden")
        if membership.status != Membership.Status.PENDING:
            raise EnterpriseError(_("This request has already been decided."), code="not_pending")
        membership.delete()


def membership_decide(*, membership: Membership, by: User, approve: bool) -> Membership:
    """The enterprise's owner approves or declines a pending request; the requester is
    notified. Error codes: ``forbidden`` (``by`` is not the owner), ``not_pending``."""
    with transaction.atomic():
        # Locked so that two clicks (or the owner in two tabs) decide only once.
        membership = (
            Membership.objects.select_for_update()
            .select_related("enterprise", "user")
            .get(pk=membership.pk)
        )
        is_owner = Membership.objects.filter(
            enterprise_id=membership.enterprise_id,
            user_id=by.pk,
            role=Membership.Role.OWNER,
            status=Membership.Status.APPROVED,
        ).exists()
        if not is_owner:
            raise EnterpriseError(
                _("Only the enterprise's owner can decide on requests to join."),
                code="forbidden",
            )
        if membership.status != Membership.Status.PENDING:
            raise EnterpriseError(_("This request has already been decided."), code="not_pending")
        membership.status = Membership.Status.APPROVED if approve else Membership.Status.DECLINED
        membership.decided_by = by
        membership.decided_at = timezone.now()
        membership.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
        requester = membership.user
        notify(
            user=requester,
            template="enterprise_join_decided",
            context={"enterprise": membership.enterprise, "approved": approve},
            url=_url_for(requester, "enterprises:mine" if approve else "enterprises:start"),
        )
    return membership


def enterprise_update(
    *,
    enterprise: Enterprise,
    by: User,
    name: str,
    industry: str,
    district: str,
    zone: str = "",
    size: str,
    address: str,
    contact_name: str,
    contact_phone: str,
) -> Enterprise:
    """Any approved member edits the profile. The credit code never changes (it identifies
    the licence); a wrong code means a new profile. A new name takes the regulator's
    "verified" mark away until an approver verifies the enterprise again (the mark vouches
    for the name). Codes: ``forbidden``, ``invalid_phone``.
    """
    phone = contact_phone_normalise(contact_phone)
    is_member = Membership.objects.filter(
        enterprise=enterprise, user_id=by.pk, status=Membership.Status.APPROVED
    ).exists()
    if not is_member:
        raise EnterpriseError(
            _("Only members of the enterprise can edit its profile."), code="forbidden"
        )
    new_name = " ".join(name.split())
    fields = ["name", "industry", "district", "zone", "size", "address", "contact_name"]
    fields += ["contact_phone", "updated_at"]
    if new_name != enterprise.name and enterprise.is_verified:
        # In the same write: a verified row never carries a name nobody checked.
        enterprise.is_verified, enterprise.verified_at, enterprise.verified_by = False, None, None
        fields += ["is_verified", "verified_at", "verified_by"]
    enterprise.name = new_name
    enterprise.industry = industry
    enterprise.district = district
    enterprise.zone = zone
    enterprise.size = size
    enterprise.address = address.strip()
    enterprise.contact_name = " ".join(contact_name.split())
    enterprise.contact_phone = phone
    enterprise.save(update_fields=fields)
    return enterprise


def enterprise_verify(*, enterprise: Enterprise, by: User, verified: bool = True) -> Enterprise:
    """Regulator staff mark the profile as checked against the licence (or take the mark
    back). The caller checks that ``by`` may do so (admin permission). Code ``name_taken``:
    another verified enterprise carries the same name (a unique index decides).

    Audit log: ``enterprises.enterprise_verify`` / ``enterprises.enterprise_unverify``."""
    try:
        with transaction.atomic():
            _verification_set(enterprise, by=by, verified=verified)
            audit_log(
                instance=enterprise,
                action=ENTERPRISE_VERIFY if verified else ENTERPRISE_UNVERIFY,
                by=by,
                data={"enterprise_id": enterprise.pk, "credit_code": enterprise.credit_code},
                label=enterprise.name,
            )
    except IntegrityError as error:
        enterprise.refresh_from_db()
        raise EnterpriseError(
            _(
                "Another verified enterprise is called %(name)s. Check both licences: one of "
                "the names must change before this one can be verified."
            )
            % {"name": enterprise.name},
            code="name_taken",
        ) from error
    return enterprise


def _verification_set(enterprise: Enterprise, *, by: User | None, verified: bool):
    enterprise.is_verified = verified
    enterprise.verified_at = timezone.now() if verified else None
    enterprise.verified_by = by if verified else None
    enterprise.save(update_fields=["is_verified", "verified_at", "verified_by", "updated_at"])


__all__ = [
    "EnterpriseError",
    "contact_phone_normalise",
    "credit_code_normalise",
    "enterprise_create",
    "enterprise_update",
    "enterprise_verify",
    "membership_decide",
    "membership_request",
    "membership_withdraw",
]
