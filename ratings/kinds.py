"""What ratings know of the services they rate: a registry of rateable kinds.

``ratings`` sits below the feature apps and imports none of them. Each app whose services
are rated (open-day visits, consultations, lab visits, any booking kind added later)
describes its kind once, as a ``RateableKind``, and registers it in its
``AppConfig.ready()`` with ``kind_register``, the way reminder targets are registered
(``reminders.targets``). The services of ``ratings`` ask the registry for everything that
differs by kind: whether the thing can be rated now and by whom, its title, the
institution and expert it counts for, who is asked and where to come back to.
"""

from __future__ import annotations

import dataclasses
import datetime
from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
    from django.db.models import Model


class UnknownKindError(LookupError):
    """No rateable kind of this name is registered."""


@dataclasses.dataclass(frozen=True)
class Asked:
    """One person to ask for the rating: a user (in-site notice and its e-mail), else an
    e-mail address, else a mobile number (text message); ``language`` to write in."""

    language: str
    user: Any = None
    email: str = ""
    phone: str = ""


class RateableKind(ABC):
    """One kind of service that is rated once. Subclass it in the feature app.

    ``kind`` names it in ``Rating.kind`` (at most 20 characters, never renamed: the rows
    keep it); ``label`` is what staff and the statistics call it.
    """

    kind: str = ""
    label: Any = ""

    @abstractmethod
    def get(self, object_id: int) -> Model | None:
        """The rated thing of ``object_id``, None when it does not exist."""

    def get_many(self, object_ids: Iterable[int]) -> dict[int, Model]:
        """The rated things of ``object_ids`` by id, those that no longer exist left out.
        A kind overrides it with one query; this default asks ``get`` for each id."""
        found = {object_id: self.get(object_id) for object_id in set(object_ids)}
        return {object_id: obj for object_id, obj in found.items() if obj is not None}

    def titles(self, object_ids: Iterable[int]) -> dict[int, str]:
        """``title`` of the things of ``object_ids`` that exist, by id: what a list of
        ratings shows, in a few queries whatever the number of rows."""
        return {object_id: self.title(obj) for object_id, obj in self.get_many(object_ids).items()}

    @abstractmethod
    def rateable(self, obj: Model, *, now: datetime.datetime) -> bool:
        """Whether ``obj`` took place and ended, so it can be rated now."""

    @abstractmethod
    def may_rate(self, obj: Model, *, user: AbstractBaseUser | AnonymousUser) -> bool:
        """Whether signed-in ``user`` is the person who rates ``obj`` (the holder of a
        rating link always is)."""

    @abstractmethod
    def title(self, obj: Model) -> str:
        """What the rating page calls ``obj`` (no personal data)."""

    @abstractmethod
    def institution_id(self, obj: Model) -> int | None:
        """The ``experts.InstitutionPage`` ``obj`` counts for in the statistics."""

    def expert_id(self, obj: Model) -> int | None:
        """The ``experts.Expert`` ``obj`` counts for; by default none."""
        return None

    @abstractmethod
    def url(self, obj: Model) -> str:
        """The site path of ``obj`` (without language prefix), to come back to."""

    @abstractmethod
    def ended(self, *, since: datetime.datetime, until: datetime.datetime) -> Iterable[Model]:
        """Things of this kind that took place and ended between ``since`` and ``until``:
        the sweep asks for their rating."""

    @abstractmethod
    def asked(self, obj: Model) -> list[Asked]:
        """Who is asked to rate ``obj``."""


_KINDS: dict[str, RateableKind] = {}


def kind_register(kind: RateableKind) -> RateableKind:
    """Register ``kind`` (in its app's ``AppConfig.ready()``). The same class again replaces
    it; another class under a name already taken is an error."""
    if not kind.kind or len(kind.kind) > 20:
        raise ImproperlyConfigured(f"{type(kind).__name__} needs a kind of 1 to 20 characters")
    other = _KINDS.get(kind.kind)
    if other is not None and type(other) is not type(kind):
        raise ImproperlyConfigured(
            f"rateable kind {kind.kind!r} is already registered by {type(other).__name__}"
        )
    _KINDS[kind.kind] = kind
    return kind


def kind_unregister(name: str) -> None:
    """Remove the kind ``name`` (for tests that register one of their own)."""
    _KINDS.pop(name, None)


def kind_for(name: str) -> RateableKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise UnknownKindError(f"no rateable kind {name!r} is registered") from None


def kinds() -> tuple[RateableKind, ...]:
    """Every registered kind, in the order of registration."""
    return tuple(_KINDS.values())


def kind_choices() -> list[tuple[str, str]]:
    return [(k.kind, str(k.label)) for k in _KINDS.values()]
