"""Staff API tokens: create, revoke, authenticate, and what a token's scope lets its user do.

A scope is only granted to a user who holds the web permission behind it, and it only works
while they still do: ``api_scope_reach`` is asked at creation and at every request, so the
API never lets anyone do more than the web pages let them. The rules are those of the pages:

- ``stats:read``: the statistics dashboard (admin access and ``stats.view_statistics``).
- ``registrations:read``: every session for staff who see the admin's registration lists
  (admin access and ``events.view_registration``); an institution contact, the sessions of
  their institution's activities (phones masked for everyone, names too for contacts).
- ``consultations:read``: every consultation for staff with the admin's list (admin access
  and ``consultations.view_consultation``); an expert, their own (their desk).
- ``labvisits:read``: every lab visit for staff with the admin's list (admin access and
  ``labvisits.view_labvisit``); an institution contact, their labs' visits (their desk).
- ``checkin:write``: check-in staff (``events.check_in``) at every door; an institution
  contact at the doors of their labs' visit slots (``labvisits.services.can_check_in``).

The secret is ``ptk_`` and 43 URL-safe characters (256 random bits); only its SHA-256 is
stored (a plain hash, not an HMAC with ``SECRET_KEY``: the secret is random, so a hash
cannot be reversed by guessing, and rotating the site's key does not break every token).
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from api.audit import TOKEN_CREATE, TOKEN_REVOKE
from api.exceptions import ApiTokenError
from api.models import SCOPE_FIELDS, ApiToken, Scope
from events.selectors import user_is_checkin_staff
from experts.selectors import user_is_expert
from labvisits.selectors import user_is_contact
from portal.audit import audit_log

if TYPE_CHECKING:
    from django.contrib.auth.models import User

TOKEN_PREFIX = "ptk_"
# The characters of a token shown in lists: "ptk_" and 8 of the secret.
SHOWN_LENGTH = 12
TOKEN_LENGTH = len(TOKEN_PREFIX) + 43
ADMIN_ACCESS = "wagtailadmin.access_admin"
MANAGE_PERMISSION = "api.manage_apitokens"
# last_used_at is written at most this often per token (not one write per request).
TOUCH_EVERY = datetime.timedelta(minutes=1)

Reach = Literal["all", "own"]
ALL: Reach = "all"
OWN: Reach = "own"


def _staff_page(user: User, permission: str) -> bool:
    """May ``user`` open a staff page of the Wagtail admin that needs ``permission``?"""
    return user.has_perm(ADMIN_ACCESS) and user.has_perm(permission)


def api_scope_reach(*, user: User | None, scope: str) -> Reach | None:
    """What ``scope`` lets ``user`` reach now: ``"all"`` (every row, as the admin's staff
    pages), ``"own"`` (the rows of their role: their institution's, their own
    consultations), or None (nothing: the user holds no web permission behind the scope,
    or the account is inactive)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if scope == Scope.STATS_READ:
        return ALL if _staff_page(user, "stats.view_statistics") else None
    if scope == Scope.REGISTRATIONS_READ:
        if _staff_page(user, "events.view_registration"):
            return ALL
        return OWN if user_is_contact(user=user) else None
    if scope == Scope.CONSULTATIONS_READ:
        if _staff_page(user, "consultations.view_consultation"):
            return ALL
        return OWN if user_is_expert(user=user) else None
    if scope == Scope.LABVISITS_READ:
        if _staff_page(user, "labvisits.view_labvisit"):
            return ALL
        return OWN if user_is_contact(user=user) else None
    if scope == Scope.CHECKIN_WRITE:
        if user_is_checkin_staff(user=user):
            return ALL
        return OWN if user_is_contact(user=user) else None
    return None


def api_scopes_grantable(*, user: User) -> list[str]:
    """The scopes ``user`` may be given now (the admin's form offers these)."""
    return [scope.value for scope in Scope if api_scope_reach(user=user, scope=scope)]


def api_token_may_manage(*, by: User, user: User) -> bool:
    """May ``by`` create and revoke ``user``'s tokens? Their own, or anyone's with
    ``api.manage_apitokens`` (superusers hold it)."""
    if not by.is_authenticated or not by.is_active:
        return False
    return by.pk == user.pk or by.has_perm(MANAGE_PERMISSION)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_token_create(
    *,
    user: User,
    by: User,
    name: str,
    scopes: Iterable[str],
    expires_at: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new token of ``user`` with ``scopes``, and its secret: shown once, never stored.

    Error codes: ``forbidden`` (``by`` may not manage ``user``'s tokens, or ``user`` is
    inactive), ``invalid_name``, ``scope_missing`` (no scope or an unknown one),
    ``scope_not_held`` (``user`` lacks the web permission behind a scope; the message
    names it), ``invalid_expiry`` (not in the future). The creation is audited.
    """
    now = now or timezone.now()
    if not user.is_active or not api_token_may_manage(by=by, user=user):
        raise ApiTokenError(_("You may not create API tokens for this user."), code="forbidden")
    name = " ".join((name or "").split())
    if not name or len(name) > 80:
        raise ApiTokenError(_("Give the token a name of up to 80 characters."), code="invalid_name")
    chosen = set(scopes)
    if not chosen or not chosen <= set(Scope.values):
        raise ApiTokenError(_("Choose at least one scope."), code="scope_missing")
    for scope in Scope:
        if scope in chosen and api_scope_reach(user=user, scope=scope) is None:
            raise ApiTokenError(
                _("This user may not be given the scope “%(scope)s”: they lack its permission.")
                % {"scope": scope.label},
                code="scope_not_held",
            )
    if expires_at is not None and expires_at <= now:
        raise ApiTokenError(_("The expiry date must be in the future."), code="invalid_expiry")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=secret[:SHOWN_LENGTH],
            secret_hash=_hash(secret),
            created_by=by,
            expires_at=expires_at,
            **{field: scope in chosen for scope, field in SCOPE_FIELDS.items()},
        )
        audit_log(
            instance=token,
            action=TOKEN_CREATE,
            by=by,
            data={
                "token_id": token.pk,
                "prefix": token.prefix,
                "user_id": user.pk,
                "scopes": ", ".join(token.scopes),
            },
        )
    return token, secret


def api_token_revoke(
    *, token: ApiToken, by: User, now: datetime.datetime | None = None
) -> ApiToken:
    """Revoke ``token``: it is refused from the next request on. Revoking a revoked token
    changes nothing. Error code ``forbidden`` (``by`` may not manage its user's tokens)."""
    now = now or timezone.now()
    if not api_token_may_manage(by=by, user=token.user):
        raise ApiTokenError(_("You may not revoke this API token."), code="forbidden")
    with transaction.atomic():
        # Conditional UPDATE: two revocations at once write (and audit) one.
        changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by=by
        )
        if changed:
            audit_log(
                instance=token,
                action=TOKEN_REVOKE,
                by=by,
                data={"token_id": token.pk, "prefix": token.prefix, "user_id": token.user_id},
            )
    token.refresh_from_db(fields=["revoked_at", "revoked_by"])
    return token


def api_token_authenticate(*, secret: str, now: datetime.datetime | None = None) -> ApiToken:
    """The token whose secret is ``secret``, with its user; notes when it was last used
    (at most once a minute). Error codes (all 401): ``invalid_token`` (no such token, or
    its user is inactive), ``token_revoked``, ``token_expired``."""
    now = now or timezone.now()
    invalid = ApiTokenError(_("The API token is not valid."), code="invalid_token")
    if not secret.startswith(TOKEN_PREFIX) or len(secret) != TOKEN_LENGTH:
        raise invalid
    token = ApiToken.objects.select_related("user").filter(secret_hash=_hash(secret)).first()
    if token is None or not token.user.is_active:
        raise invalid
    if token.revoked_at is not None:
        raise ApiTokenError(_("This API token was revoked."), code="token_revoked")
    if token.expires_at is not None and token.expires_at <= now:
        raise ApiTokenError(_("This API token has expired."), code="token_expired")
    if token.last_used_at is None or token.last_used_at <= now - TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - TOUCH_EVERY)
        ).update(last_used_at=now)
        token.last_used_at = now
    return token


def api_token_require(*, token: ApiToken, scope: str) -> Reach:
    """What ``token`` reaches with ``scope`` now: the scope must be the token's and its
    user must still hold the web permission behind it. Error codes (403):
    ``scope_missing``, ``forbidden``."""
    if not token.has_scope(scope):
        raise ApiTokenError(
            _("This API token does not have the scope “%(scope)s”.") % {"scope": scope},
            code="scope_missing",
        )
    reach = api_scope_reach(user=token.user, scope=scope)
    if reach is None:
        raise ApiTokenError(
            _("Your account may no longer do this: ask an administrator."), code="forbidden"
        )
    return reach
