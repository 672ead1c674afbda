"""The roles a signed-in user may hold on the portal (check-in staff, expert, institution
contact, enterprise member). Each app that gives one registers a check from its
``AppConfig.ready()``, and the page the role lands on after signing in; the header's links
(``inbox.context_processors``) and the redirect after signing in (``enterprises.adapter``)
ask them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.urls import NoReverseMatch, reverse

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


@dataclass(frozen=True)
class Role:
    """``check(user)``: whether ``user`` holds the role. ``landing``: the URL name of the
    page the role lands on after signing in ("" for none); of the roles a user holds, the
    one with the highest ``priority`` decides."""

    name: str
    check: Callable[[AbstractBaseUser], bool]
    landing: str = ""
    priority: int = 0


# name (as the templates read it, e.g. "is_expert") -> role
_roles: dict[str, Role] = {}


def user_role_register(
    name: str,
    check: Callable[[AbstractBaseUser], bool],
    *,
    landing: str = "",
    priority: int = 0,
) -> None:
    """Register the role ``name`` (or replace it): ``check(user)`` says whether ``user``
    holds it; ``landing`` names the URL it lands on after signing in, asked before the
    landings of roles with a lower ``priority``. Roles are listed in the order they were
    registered (the apps' order in ``INSTALLED_APPS``)."""
    _roles[name] = Role(name=name, check=check, landing=landing, priority=priority)


def user_roles(user: AbstractBaseUser) -> Iterator[tuple[str, bool]]:
    """``(name, held)`` for every registered role, asked one at a time (lazily: a caller
    that needs only one answer stops there)."""
    for name, role in _roles.items():
        yield name, role.check(user)


def user_role_held(user: AbstractBaseUser, name: str) -> bool:
    """Whether ``user`` holds the role ``name`` (False for a role nobody registered)."""
    role = _roles.get(name)
    return role is not None and role.check(user)


def user_landing_url(user: AbstractBaseUser) -> str | None:
    """The page ``user`` lands on after signing in without a page to return to: the landing
    of the held role with the highest priority (roles asked in that order, until one is
    held), in the active language; None when the user holds no role with a landing."""
    with_landing = sorted(
        (role for role in _roles.values() if role.landing), key=lambda role: -role.priority
    )
    for role in with_landing:
        if role.check(user):
            try:
                return reverse(role.landing)
            except NoReverseMatch:
                # The app that serves the page is not installed: the next role decides.
                continue
    return None
