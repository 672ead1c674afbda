"""Extension points of the expert and institution pages, filled by the apps above from
their ``AppConfig.ready()``: what an institution's page shows besides its labs (the
activities it hosts), and the free consultation slots shown next to each expert."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from experts.models import Expert, InstitutionPage

# name -> function(page) returning context entries for the institution page.
_institution_sections: dict[str, Callable[[InstitutionPage], dict]] = {}
# function(experts=, limit=, service=) -> {expert pk: [slot, ...]}
_free_slots: list[Callable[..., dict[int, list]]] = []


def institution_section_register(name: str, context: Callable[[InstitutionPage], dict]) -> None:
    """Add ``context(page)``'s entries to an institution page's context, in the order the
    sections were registered."""
    _institution_sections[name] = context


def institution_sections() -> list[Callable[[InstitutionPage], dict]]:
    return list(_institution_sections.values())


def expert_free_slots_register(provider: Callable[..., dict[int, list]]) -> None:
    """Set the function that answers ``expert_next_free_slots``; one at a time."""
    _free_slots[:] = [provider]


def expert_next_free_slots(
    *, experts: Iterable[Expert], limit: int = 3, service: str = ""
) -> dict[int, list]:
    """The first ``limit`` free consultation slots of each expert (offering ``service``,
    if given): every given expert has a key, with an empty list when nothing is free or
    no app offers consultations."""
    experts = list(experts)
    if not _free_slots:
        return {expert.pk: [] for expert in experts}
    return _free_slots[0](experts=experts, limit=limit, service=service)
