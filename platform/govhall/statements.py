"""Query-builder statements compiled once and run with new values each time.

Piccolo rebuilds a query's SQL text on every run: it walks every selected column,
every foreign key's join chain and every ``where`` clause into nested query strings
and joins them. On the hot paths that walk is most of a request — a profile of the
public progress query (issue 10) spent 43 % of the request building ``SELECT`` text
for the case row (``Query.querystrings``, ``ForeignKey.__getattribute__``), against
~8 % in asyncpg executing it.

:func:`statement` builds the query once per engine kind with placeholders for the
values, keeps the compiled text, and from then on only puts the values in and lets
the same engine run it (same pool, same transaction, same tenant scope, counted by
the same hooks) and the same query object turn rows into dicts or table instances.
Written here because Piccolo's own ``freeze()`` fixes the values too, and its
``raw()`` gives up the typed results and JSON decoding.

:func:`insert` does the same for whole rows: the ``INSERT`` text depends only on the
table, the row count and the engine, so it is kept; each row's values are converted
as Piccolo's own ``save()``/``insert()`` would convert them.

Rows of a plain ``select`` (no many-to-many columns, not nested, not objects) are
turned into dicts here rather than by Piccolo's result processing, which asks each
selected column its type again on every run (``isinstance`` against abstract
classes, ~20 per row): which columns hold JSON to decode is worked out once, when
the statement is compiled, by the same rules. Other queries' rows go through
Piccolo's own processing.

A value passes to the driver as given: what Piccolo would convert when building
(Table instances, Enums, dicts for JSON columns) must be converted by the caller.
Each placeholder must reach the SQL as a parameter; one used in Python instead (an
f-string, a list for ``is_in``) is refused when the statement is compiled.
"""

from __future__ import annotations

import asyncio
import inspect
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, Generic, NamedTuple, TypeVar, cast

from piccolo.columns import JSON, JSONB, Column
from piccolo.columns.defaults.base import Default
from piccolo.columns.m2m import M2MSelect
from piccolo.query.base import Query
from piccolo.query.methods.objects import First as FirstObject
from piccolo.query.methods.select import First as FirstRow
from piccolo.query.methods.select import Select
from piccolo.query.operators.json import JSONQueryString
from piccolo.query.proxy import Proxy
from piccolo.querystring import QueryString
from piccolo.table import Table
from piccolo.utils.encoding import load_json
from piccolo.utils.sql_values import convert_to_sql_value

from govhall import db

R = TypeVar("R")


class _Value:
    """Where the ``index``-th value goes in a compiled statement."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index

    def __repr__(self) -> str:
        return f"<value {self.index}>"


def _json_names(query: Query[Any, Any]) -> tuple[str, ...] | None:
    """The output names whose values a plain ``select`` decodes from JSON — chosen
    as Piccolo's ``Query._process_results`` chooses them — or None when the query's
    rows need Piccolo's own processing."""
    if type(query) is not Select or hasattr(query, "_raw_response_callback"):
        return None
    output = query.output_delegate._output
    selected = query.columns_delegate.selected_columns
    if output.as_objects or output.nested or any(isinstance(c, M2MSelect) for c in selected):
        return None
    if not output.load_json:
        return ()
    names: list[str] = []
    columns: list[Any] = []
    if selected:
        for column in selected:
            if isinstance(column, (JSON, JSONB)):
                columns.append(column)
            elif isinstance(column, JSONQueryString) and column._alias:
                names.append(column._alias)
    else:
        columns = list(query.table._meta.json_columns)
    for column in columns:
        if column._alias is not None:
            names.append(column._alias)
        elif column._meta.call_chain:
            names.append(column._meta.get_default_alias())
        else:
            names.append(column._meta.name)
    return tuple(names)


class _Compiled(NamedTuple):
    query: Query[Any, Any]  # the query that processes rows (other than plain selects)
    first: bool  # the first row only
    sql: str
    arguments: list[Any]
    json_names: tuple[str, ...] | None  # see _json_names


class Statement(Generic[R]):
    """A statement built by ``build(*values)``; :meth:`run` executes it."""

    def __init__(self, build: Callable[..., Any], arity: int | None = None) -> None:
        self._build = build
        self._arity = len(inspect.signature(build).parameters) if arity is None else arity
        self._table: Any = None
        #: engine kind → the compiled statement
        self._compiled: dict[str, _Compiled] = {}

    def _compile(self) -> _Compiled:
        built = self._build(*(_Value(index) for index in range(self._arity)))
        first = isinstance(built, (FirstObject, FirstRow))
        if isinstance(built, Proxy) and not first:
            raise TypeError(f"{type(built).__name__} cannot be a prepared statement")
        query: Query[Any, Any] = built.query if first else built
        engine_type = query.table._meta.db.engine_type
        querystrings = query.querystrings
        if len(querystrings) != 1:
            raise TypeError("a prepared statement must compile to one SQL statement")
        sql, arguments = querystrings[0].compile_string(engine_type=engine_type)
        placed = sorted(argument.index for argument in arguments if type(argument) is _Value)
        if placed != list(range(self._arity)):
            raise TypeError(f"every value of a prepared statement must be a parameter once: {sql}")
        entry = _Compiled(query, first, sql, list(arguments), _json_names(query))
        self._table = query.table
        self._compiled[engine_type] = entry
        return entry

    async def run(self, *values: Any) -> R:
        if len(values) != self._arity:
            raise TypeError(f"the statement takes {self._arity} values, not {len(values)}")
        # The engine is looked up per run: tests and commands rebind the tables.
        engine = self._table._meta.db if self._table is not None else None
        entry = self._compiled.get(engine.engine_type) if engine is not None else None
        query, first, sql, arguments, json_names = entry or self._compile()
        bound = QueryString("", table=query.table)
        bound._frozen_compiled_strings = (
            sql,
            [
                values[argument.index] if type(argument) is _Value else argument
                for argument in arguments
            ],
        )
        engine = query.table._meta.db
        results = await engine.run_querystring(bound)
        if json_names is None:
            rows = await query._process_results(results)
        else:
            rows = engine.transform_response_to_dicts(results) if results else []
            for row in rows:
                for name in json_names:
                    value = row.get(name)
                    if value is not None:
                        row[name] = load_json(value)
        if first:
            return cast(R, rows[0] if rows else None)
        return cast(R, rows)


def statement(build: Callable[..., Any], arity: int | None = None) -> Statement[Any]:
    """A prepared statement: ``build`` takes one placeholder per value (``arity`` of
    them when it takes ``*values``) and returns a Piccolo ``select``/``objects``/
    ``count`` query (``.first()`` allowed)."""
    return Statement(build, arity)


#: Values the driver takes as they are in a column that is not JSON: Piccolo's
#: conversion (Enums, rows as their keys, JSON text) would hand them back unchanged,
#: so it is skipped for them.
_AS_GIVEN = frozenset({str, int, float, bool, type(None), uuid.UUID, datetime, date, Decimal})


@lru_cache(maxsize=256)
def _column_names(table: type[Table]) -> tuple[tuple[str, Column, bool], ...]:
    """(attribute, column, not JSON) for each column, in the table's order."""
    return tuple(
        (column._meta.name, column, not isinstance(column, (JSON, JSONB)))
        for column in table._meta.columns
    )


@lru_cache(maxsize=256)
def _insert_sql(
    table: type[Table], count: int, engine_type: str, skip_conflicts: bool, offset: int = 0
) -> str:
    """The ``INSERT`` of ``count`` whole rows; on PostgreSQL its parameters are
    numbered from ``offset + 1`` (a part of :func:`_together_sql`)."""
    names = [f'"{column._meta.db_column_name}"' for column in table._meta.columns]
    width = len(names)
    if engine_type == "sqlite":
        rows = [f"({','.join('?' * width)})"] * count
    else:
        rows = [
            "(" + ",".join(f"${offset + row * width + i}" for i in range(1, width + 1)) + ")"
            for row in range(count)
        ]
    # Identifiers from the table's own definition, values all parameters.
    into = f"INSERT INTO {table._meta.get_formatted_tablename()} ({','.join(names)})"
    conflicts = " ON CONFLICT DO NOTHING" if skip_conflicts else ""
    return f"{into} VALUES {','.join(rows)}{conflicts}"


_Shape = tuple[type[Table], int, bool]


@lru_cache(maxsize=64)
def _together_sql(shapes: tuple[_Shape, ...]) -> str:
    """Several PostgreSQL ``INSERT``s as one statement: all but the last as
    data-modifying ``WITH`` parts. They run as one command, so each table's foreign
    keys are checked at its end, when the rows they point to are in."""
    offset, parts = 0, []
    for table, count, skip_conflicts in shapes:
        parts.append(_insert_sql(table, count, "postgres", skip_conflicts, offset))
        offset += count * len(table._meta.columns)
    *first, last = parts
    if not first:
        return last
    return "WITH " + ", ".join(f"w{n} AS ({sql})" for n, sql in enumerate(first)) + " " + last


def _values(rows: tuple[Table, ...]) -> list[Any]:
    # Read from each row's __dict__, where every Piccolo column descriptor keeps its
    # value: a foreign key's descriptor is reached through a slow __getattribute__.
    names = _column_names(type(rows[0]))
    return [
        value
        if plain and type(value) in _AS_GIVEN
        else convert_to_sql_value(value=value, column=column)
        for row in rows
        for fields in (row.__dict__,)
        for name, column, plain in names
        for value in (fields[name],)
    ]


_Pending = list[tuple[tuple[Table, ...], bool]]

#: Inserts waiting for the end of :func:`inserts_together`, (rows, skip conflicts),
#: and the task whose they are: a task it starts copies the context but runs apart.
_deferred: ContextVar[tuple[asyncio.Task[Any] | None, _Pending] | None] = ContextVar(
    "govhall_deferred_inserts", default=None
)


def _own_pending() -> _Pending | None:
    deferred = _deferred.get()
    if deferred is None or deferred[0] is not asyncio.current_task():
        return None
    return deferred[1]


async def _send_deferred() -> None:
    pending = _own_pending()
    if not pending:
        return
    groups = list(pending)
    pending.clear()
    table = type(groups[0][0][0])
    engine = table._meta.db
    if isinstance(engine, db.EmbeddedEngine):
        await engine.run_in_transaction(
            [
                (_insert_sql(type(rows[0]), len(rows), "sqlite", skip), _values(rows))
                for rows, skip in groups
            ]
        )
        _mark_stored(groups)
        return
    bound = QueryString("", query_type="insert", table=table)
    bound._frozen_compiled_strings = (
        _together_sql(tuple((type(rows[0]), len(rows), skip) for rows, skip in groups)),
        [value for rows, _ in groups for value in _values(rows)],
    )
    await engine.run_querystring(bound)
    _mark_stored(groups)


def _mark_stored(groups: _Pending) -> None:
    for rows, _ in groups:
        for row in rows:
            row._exists_in_db = True


@asynccontextmanager
async def inserts_together() -> AsyncIterator[None]:
    """:func:`insert` calls inside are held back and sent together — when the block
    ends, or before any other statement the block runs, so what the block reads or
    changes sees them. On PostgreSQL they go as one statement: a new case's row,
    materials, first event and first task were four round trips of a submission.
    On the embedded SQLite (no data-modifying ``WITH``) they run one after another
    in one hop to the connection's thread, inside a transaction only (outside one,
    each insert runs at once)."""
    engine = db.get_engine()
    held_back = db.is_postgres() or (
        isinstance(engine, db.EmbeddedEngine) and engine.in_transaction()
    )
    if not held_back or _own_pending() is not None:
        yield
        return
    token = _deferred.set((asyncio.current_task(), []))
    hook = db.before_statement.set(_send_deferred)
    try:
        yield
        await _send_deferred()
    finally:
        db.before_statement.reset(hook)
        _deferred.reset(token)


async def insert(*rows: Table, skip_conflicts: bool = False) -> None:
    """Insert new rows of one table, every column, as Piccolo's ``insert`` would —
    with the SQL text kept per (table, row count). The rows' primary keys must be
    set already (govhall's are UUIDs made in Python), as nothing is read back.
    ``skip_conflicts``: a row that breaks a unique constraint is left out
    (``ON CONFLICT DO NOTHING``) instead of failing the statement."""
    if not rows:
        return
    table = type(rows[0])
    if any(type(row) is not table for row in rows):
        raise TypeError("rows of one table at a time")
    primary_key = table._meta.primary_key._meta.name
    if any(row[primary_key] is None for row in rows):
        raise TypeError(f"{table.__name__}: set the primary key before inserting")
    pending = _own_pending()
    if pending is not None:
        pending.append((rows, skip_conflicts))
        return
    engine = table._meta.db
    bound = QueryString("", query_type="insert", table=table)
    bound._frozen_compiled_strings = (
        _insert_sql(table, len(rows), engine.engine_type, skip_conflicts),
        _values(rows),
    )
    await engine.run_querystring(bound)
    for row in rows:
        row._exists_in_db = True


TableRow = TypeVar("TableRow", bound=Table)


@lru_cache(maxsize=256)
def _foreign_key_defaults(table: type[Table]) -> tuple[tuple[str, Any], ...]:
    """(name, default) of the table's nullable foreign keys whose default is a plain
    value (a required one left out must still fail as Piccolo fails it)."""
    defaults = []
    for column in table._meta.foreign_key_columns:
        default = column._meta.params.get("default")
        if column._meta.null and (default is None or isinstance(default, (str, int, uuid.UUID))):
            defaults.append((column._meta.name, default))
    return tuple(defaults)


_MISSING: Any = object()


def _column_default(column: Column) -> Callable[[], Any]:
    """A function giving the column's default as ``Table.__init__`` works it out:
    ``get_default_value()``, and a ``Default`` object's Python value."""

    def default() -> Any:
        value = column.get_default_value()
        return value.python() if isinstance(value, Default) else value

    return default


def _constant(value: Any) -> Callable[[], Any]:
    return lambda: value


@lru_cache(maxsize=256)
def _row_columns(table: type[Table]) -> tuple[tuple[str, str, Callable[[], Any], bool], ...]:
    """(name, database name, default, required) for each column, in the table's
    order; the defaults of nullable foreign keys looked up once (see :func:`new_row`)."""
    kept = dict(_foreign_key_defaults(table))
    columns = []
    for column in table._meta.columns:
        name = column._meta.name
        default = _constant(kept[name]) if name in kept else _column_default(column)
        columns.append((name, column._meta.db_column_name, default, not column._meta.null))
    return tuple(columns)


def new_row(table: type[TableRow], **values: Any) -> TableRow:
    """``table(**values)`` for bulk inserts: the same row, made faster.

    Piccolo's ``Table.__init__`` asks each omitted column for its default, and a
    foreign-key column answers every attribute lookup through a ``__getattribute__``
    that lists the column's attributes (``dir()``) each time: a tenth of a
    millisecond per omitted foreign key, most of a 10,000-case batch acceptance's
    time. It then sets each value through the column's descriptor, which stores it
    in the instance's ``__dict__`` under the column's name. Here the columns, their
    defaults and the foreign keys' are looked up once per table, and the values go
    into ``__dict__`` directly — a submission makes five rows, and
    ``Table.__init__`` was 8 % of its CPU. The checks are Piccolo's: a required
    column left out and an unknown name are refused with its messages.
    """
    row = table.__new__(table)
    fields = row.__dict__
    fields["_exists_in_db"] = False
    fields["_was_created"] = None
    for name, db_name, default, required in _row_columns(table):
        value = values.pop(name, _MISSING)
        if value is _MISSING and db_name != name:
            value = values.pop(db_name, _MISSING)
        if value is _MISSING:
            value = default()
            if value is None and required:
                raise ValueError(f"{name} wasn't provided")
        fields[name] = value
    if values:
        raise ValueError(f"Unrecognized columns - {list(values)}")
    return row
