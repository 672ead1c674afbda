"""The roles a signed-in user may hold on the portal besides an enterprise membership
(expert, institution contact). Each app that gives one registers a check from its
``AppConfig.ready()``; the header's links (``inbox.context_processors``) and the
redirect after signing in (``enterprises.adapter``) ask them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

# name (as the templates read it, e.g. "is_expert") -> check(user)
_roles: dict[str, Callable[[AbstractBaseUser], bool]] = {}


def user_role_register(name: str, check: Callable[[AbstractBaseUser], bool]) -> None:
    """Register the role ``name``: ``check(user)`` says whether ``user`` holds it. Roles
    are asked in the order they were registered (the apps' order in ``INSTALLED_APPS``)."""
    _roles[name] = check


def user_roles(user: AbstractBaseUser) -> Iterator[tuple[str, bool]]:
    """``(name, held)`` for every registered role, asked one at a time (lazily: a caller
    that needs only one answer stops there)."""
    for name, check in _roles.items():
        yield name, check(user)
