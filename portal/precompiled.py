"""Querysets built and compiled once, then run with new parameters.

On the hottest path of the portal (a registration in the opening minute of a popular
session), building a queryset and compiling it to SQL costs more than running it: a
session annotated with its places taken takes the ORM about half a millisecond to
compile, the database a small fraction of that to answer. ``Precompiled`` keeps the SQL
of a queryset, compiled by the ORM on first use for each database connection, and only
binds new values to it afterwards. The query is still written once, with the ORM; the
values come back converted by the ORM's own converters (time zones, booleans, ...).

The queryset is built with placeholder values (one per parameter, of the parameter's type:
``int`` or ``str``), and the positions where they end up in the compiled parameters are
the ones bound later. Only parameters compared as they are can be placeholders (ids,
phone numbers, codes), never values the database adapter turns into something else
(dates, times).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from django.db import connections
from django.db.models import QuerySet
from django.db.models.sql.compiler import SQLCompiler

_placeholder_numbers = itertools.count(1)


def _placeholder(kind: type) -> Any:
    number = next(_placeholder_numbers)
    if kind is int:
        return -(2**62) + number
    return f"\x1fprecompiled-{number}\x1f"


class _Compiled:
    def __init__(self, compiler: SQLCompiler, sql: str, params: list, slots: dict[str, list]):
        self.compiler = compiler
        self.sql = sql
        self.params = params
        self.slots = slots


class Precompiled:
    """``build(**parameters)`` returns the queryset; ``parameters`` names each parameter's
    type (``int`` or ``str``). ``rows(**values)`` runs it and returns the converted rows of
    a ``values_list()`` queryset; ``first(**values)`` the first model instance (with its
    annotations) of a plain queryset, or None. No ``select_related``, ``prefetch_related``
    or ``select_for_update``: those keep the ORM's own way."""

    def __init__(self, build: Callable[..., QuerySet], **parameters: type):
        for kind in parameters.values():
            if kind not in (int, str):
                raise TypeError(f"a precompiled parameter is an int or a str, not {kind.__name__}")
        self.build = build
        self.parameters = parameters
        self._compiled: dict[int, _Compiled] = {}

    def _for(self, using: str) -> tuple[_Compiled, Any]:
        connection = connections[using]
        compiled = self._compiled.get(id(connection))
        if compiled is None:
            placeholders = {name: _placeholder(kind) for name, kind in self.parameters.items()}
            queryset = self.build(**placeholders)
            if queryset.query.select_related or queryset._prefetch_related_lookups:
                raise ValueError("Precompiled does not follow relations; use the ORM")
            compiler = queryset.query.get_compiler(using=using)
            sql, params = compiler.as_sql()
            params = list(params)
            slots: dict[str, list] = {}
            for name, placeholder in placeholders.items():
                positions = [
                    i
                    for i, param in enumerate(params)
                    if type(param) is type(placeholder) and param == placeholder
                ]
                if not positions:
                    raise ValueError(f"parameter {name!r} does not reach the SQL as it is")
                slots[name] = positions
            compiled = _Compiled(compiler, sql, params, slots)
            # Keyed by the connection object: one per thread and alias, as Django's are.
            self._compiled[id(connection)] = compiled
        return compiled, connection

    def _execute(self, using: str, values: dict) -> tuple[_Compiled, list]:
        if values.keys() != self.parameters.keys():
            raise TypeError(f"expected the parameters {sorted(self.parameters)}")
        compiled, connection = self._for(using)
        params = list(compiled.params)
        for name, positions in compiled.slots.items():
            value = values[name]
            if not isinstance(value, self.parameters[name]):
                raise TypeError(f"parameter {name!r} must be {self.parameters[name].__name__}")
            for position in positions:
                params[position] = value
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        return compiled, rows

    def rows(self, *, using: str = "default", **values) -> list[tuple]:
        compiled, rows = self._execute(using, values)
        return [tuple(row) for row in compiled.compiler.results_iter(results=[rows])]

    def first(self, *, using: str = "default", **values):
        compiled, rows = self._execute(using, values)
        if not rows:
            return None
        compiler = compiled.compiler
        row = next(iter(compiler.results_iter(results=[rows[:1]])))
        # What Django's ModelIterable does for a queryset without select_related.
        select_fields = compiler.klass_info["select_fields"]
        start, end = select_fields[0], select_fields[-1] + 1
        attnames = [column[0].target.attname for column in compiler.select[start:end]]
        instance = compiler.klass_info["model"].from_db(using, attnames, row[start:end])
        for name, index in compiler.annotation_col_map.items():
            setattr(instance, name, row[index])
        return instance
