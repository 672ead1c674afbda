"""Idempotent create-or-update of pages, their translations and revisioned snippets.

Every write goes through a Wagtail revision that is then published, so the demo content
looks exactly as if editors had made it. A page or snippet whose content did not change is
left alone: re-running the seed adds no revisions.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from wagtail.models import Locale, Page

# Columns that change on every save and say nothing about the content.
_VOLATILE_KEYS = {"created_at", "updated_at"}

STREAM_NAMESPACE = uuid.UUID("6f0c1f0e-6a4b-4d2c-9a59-6b1d3f5a2c10")


@dataclass
class Tally:
    """What a seed run did, per kind of object."""

    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)

    def record(self, kind: str, action: str) -> None:
        bucket = getattr(self, action)
        bucket[kind] = bucket.get(kind, 0) + 1

    def kinds(self) -> list[str]:
        return sorted({*self.created, *self.updated, *self.unchanged})


def stream(key: str, blocks: Iterable[tuple[str, Any]]) -> list[dict]:
    """Raw StreamField data with stable block ids, so re-running changes nothing."""
    return [
        {"type": block_type, "value": value, "id": str(uuid.uuid5(STREAM_NAMESPACE, f"{key}:{i}"))}
        for i, (block_type, value) in enumerate(blocks)
    ]


def table(rows: list[list[str]], caption: str = "") -> dict:
    """A value for wagtail.contrib.table_block's TableBlock, first row as header."""
    return {
        "data": rows,
        "first_row_is_table_header": True,
        "first_col_is_header": False,
        "table_header_choice": "row",
        "table_caption": caption,
    }


def _normalise(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items() if k not in _VOLATILE_KEYS}
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    if isinstance(value, str) and value[:1] in ("[", "{"):
        # StreamField values serialise to JSON text; compare them as data so that the
        # order of keys does not matter.
        try:
            return _normalise(json.loads(value))
        except ValueError:
            return value
    return value


def snapshot(obj: models.Model) -> Any:
    """The content of a page or clusterable snippet, comparable across loads."""
    return _normalise(obj.serializable_data())


def _assign(obj: models.Model, values: dict[str, Any]) -> None:
    for name, value in values.items():
        if name == "tags":
            if sorted(obj.tags.names()) != sorted(value):
                obj.tags.set(value)
            continue
        setattr(obj, name, value)


def _publish(obj) -> None:
    obj.save_revision().publish()


def upsert_page(
    *,
    parent: Page,
    model: type[Page],
    slug: str,
    values: dict[str, Any],
    tally: Tally,
    children: Callable[[Page], None] | None = None,
) -> Page:
    """The child of ``parent`` with ``slug``, created or brought up to date, and published.

    ``children`` sets inline rows (sessions, labs) in memory; they are saved with the page
    before the revision is taken, so the revision holds their ids.
    """
    kind = model._meta.model_name
    page = model.objects.child_of(parent).filter(slug=slug).first()
    if page is None:
        page = model(slug=slug, locale_id=parent.locale_id)
        _assign(page, values)
        if children:
            children(page)
        parent.add_child(instance=page)
        _publish(page)
        tally.record(kind, "created")
        return page

    return _update_page(page, values=values, children=children, tally=tally, kind=kind)


def upsert_translation(
    *, source: Page, locale: Locale, values: dict[str, Any], tally: Tally
) -> Page:
    """The translation of ``source`` into ``locale`` (Wagtail i18n), created or updated.

    New translations are made with ``copy_for_translation``, which leaves out the rows
    named in the model's ``exclude_fields_in_copy`` (sessions, labs).
    """
    kind = f"{source.specific_class._meta.model_name} ({locale.language_code})"
    page = source.get_translation_or_none(locale)
    if page is None:
        page = source.copy_for_translation(locale, copy_parents=True).specific
        _assign(page, values)
        page.save()
        _publish(page)
        tally.record(kind, "created")
        return page

    return _update_page(page.specific, values=values, children=None, tally=tally, kind=kind)


def _update_page(page: Page, *, values, children, tally: Tally, kind: str) -> Page:
    """Apply ``values`` (and child rows); publish a new revision only if something changed."""
    before = snapshot(page)
    _assign(page, values)
    if children:
        children(page)
    page.full_clean()
    if before != snapshot(page) or not page.live or page.has_unpublished_changes:
        page.save()
        _publish(page)
        tally.record(kind, "updated")
    else:
        tally.record(kind, "unchanged")
    return page


def upsert_snippet(
    *,
    model: type[models.Model],
    lookup: dict[str, Any],
    values: dict[str, Any],
    tally: Tally,
) -> models.Model:
    """A revisioned, publishable snippet found by ``lookup``, created or updated, published."""
    kind = model._meta.model_name
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup)
        _assign(obj, values)
        obj.live = True
        obj.save()
        _publish(obj)
        tally.record(kind, "created")
        return obj

    before = snapshot(obj)
    _assign(obj, values)
    if before != snapshot(obj) or not obj.live or obj.has_unpublished_changes:
        obj.save()
        _publish(obj)
        tally.record(kind, "updated")
    else:
        tally.record(kind, "unchanged")
    return obj
