"""Database engines: SQLite (embedded default) or PostgreSQL, chosen by one URL.

Piccolo finds its engine through ``PICCOLO_CONF`` (``govhall.piccolo_conf``); this
module builds the engine from :class:`~govhall.settings.Settings`, binds every
govhall table to it, and opens the PostgreSQL connection pool for the app's
lifetime (without a pool Piccolo opens a connection per query, ~20x slower).
SQLite runs in WAL mode with a busy timeout so readers never block the writer.
:class:`EmbeddedEngine` keeps SQLite connections open between statements while the
app runs (Piccolo opens a connection — and a thread — per statement).
"""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import aiosqlite
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType, dict_factory
from piccolo.table import Table

from govhall.settings import Settings

PICCOLO_CONF_MODULE = "govhall.piccolo_conf"
#: Seconds a SQLite writer waits for the lock before giving up.
SQLITE_BUSY_TIMEOUT = 30


def sqlite_path(database_url: str) -> Path:
    """``sqlite:///var/x.db`` → ``var/x.db``; ``sqlite:////abs/x.db`` → ``/abs/x.db``."""
    return Path(database_url.removeprefix("sqlite:///"))


def make_engine(settings: Settings, *, prepare: bool = True) -> Engine[Any]:
    """The engine for ``settings``; ``prepare`` creates the SQLite file in WAL mode."""
    if settings.uses_sqlite:
        path = sqlite_path(settings.database_url)
        if prepare:
            path.parent.mkdir(parents=True, exist_ok=True)
            with sqlite3.connect(path) as connection:
                # WAL is a property of the database file: set once, kept by every connection.
                connection.execute("PRAGMA journal_mode=WAL")
        return EmbeddedEngine(path=str(path), timeout=SQLITE_BUSY_TIMEOUT)
    return ServerEngine(config={"dsn": settings.database_url})


class EmbeddedEngine(SQLiteEngine):
    """Piccolo's SQLite engine with connections kept open between statements.

    Piccolo opens a new ``aiosqlite`` connection — a new thread, the file opened,
    the pragmas run — for every statement outside a transaction, which dominated
    the embedded default's profile (a submission is ~15 statements). While the app
    runs (:func:`open_pool` … :func:`close_pool`) statements and transactions
    borrow an idle connection instead, and give it back; with no pool open (CLI
    commands, scripts) the engine behaves as Piccolo's. Written here because Piccolo
    has no SQLite pool and aiosqlite has none either.

    Every connection runs with ``synchronous=NORMAL``: in WAL mode a commit then
    writes the log without waiting for the disk, and the database stays consistent
    after a crash — a power loss may lose the last moments' commits, which the
    embedded default (one machine, demos and small offices) accepts for an
    order-of-magnitude fewer disk flushes. PostgreSQL deployments are unaffected.
    """

    #: Idle connections kept; more are opened under load and closed when returned.
    MAX_IDLE = 8

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._idle: list[aiosqlite.Connection] | None = None
        self._writers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    async def _open(self) -> aiosqlite.Connection:
        connection = await aiosqlite.connect(**self.connection_kwargs)
        connection.row_factory = dict_factory  # type: ignore[assignment]
        await connection.execute("PRAGMA foreign_keys = 1")
        await connection.execute("PRAGMA synchronous = NORMAL")
        return connection

    async def get_connection(self) -> Any:
        """A transaction's connection. While the app runs, an idle one is lent and
        taken back when Piccolo "closes" it at the transaction's end: a new
        connection per transaction meant a new thread, the file opened and the whole
        schema parsed again by SQLite — most of an embedded submission's CPU."""
        if self._idle is None:
            return await self._open()
        return _Lent(self, self._idle.pop() if self._idle else await self._open())

    async def take_back(self, connection: aiosqlite.Connection) -> None:
        """Keep ``connection`` for the next statement, unless the pool is closed or
        full, or the connection is still inside a transaction (a failed commit or
        rollback): then it is closed."""
        if (
            self._idle is not None
            and len(self._idle) < self.MAX_IDLE
            and not connection.in_transaction
        ):
            self._idle.append(connection)
        else:
            await connection.close()

    def writer_lock(self) -> asyncio.Lock:
        """This process's writers queue here for the database's one write lock:
        SQLite's own wait for it (the busy timeout) sleeps and polls, which under a
        burst of submissions stretched the slowest to seconds. One lock per event
        loop (tests run several)."""
        loop = asyncio.get_running_loop()
        lock = self._writers.get(loop)
        if lock is None:
            lock = self._writers[loop] = asyncio.Lock()
        return lock

    def start_pool(self) -> None:
        if self._idle is None:
            self._idle = []

    async def stop_pool(self) -> None:
        idle, self._idle = self._idle or [], None
        for connection in idle:
            await connection.close()

    async def _run_in_new_connection(
        self,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: type[Table] | None = None,
    ) -> Any:
        if self._idle is None or _NO_RETURNING:
            return await super()._run_in_new_connection(query, args, query_type, table)
        if _writes(query):
            async with self._writing():
                return await self._run_pooled(query, args)
        return await self._run_pooled(query, args)

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[None]:
        """A write outside a transaction queues behind this process's writers too:
        left to SQLite it would wait in the busy handler's sleeps while a transaction
        holds the write lock (seen as an inline job's message landing ~0.1 s late).
        Bounded like SQLite's own wait, and failing as it does."""
        lock = self.writer_lock()
        try:
            await asyncio.wait_for(lock.acquire(), SQLITE_BUSY_TIMEOUT)
        except TimeoutError:
            raise sqlite3.OperationalError("database is locked") from None
        try:
            yield
        finally:
            lock.release()

    async def _run_pooled(self, query: str, args: list[Any] | None) -> Any:
        assert self._idle is not None
        connection = self._idle.pop() if self._idle else await self._open()
        try:
            # One hop to the connection's thread (execute and fetch there); the
            # connection is in autocommit mode, so no commit hop either. Piccolo's
            # way took four (execute, commit, fetch, close the cursor): each hop is a
            # thread wake-up and a GIL hand-over, ~0.1 ms apiece.
            rows = await connection.execute_fetchall(query, args or [])
        except BaseException:
            # A connection in an unknown state is not reused.
            await connection.close()
            raise
        await self.take_back(connection)
        return rows

    async def run_querystring(self, querystring: Any, in_pool: bool = False) -> Any:
        await _before_statement()
        return await super().run_querystring(querystring, in_pool)

    def in_transaction(self) -> bool:
        return self.current_transaction.get() is not None

    async def run_in_transaction(self, statements: Sequence[tuple[str, Sequence[Any]]]) -> None:
        """Run ``statements`` (no rows back) in the current transaction, in one hop to
        its connection's thread instead of one each: while a transaction holds the
        process's writer lock, every hop is a wait for the event loop's turn
        (``govhall.statements.inserts_together``)."""
        transaction = self.current_transaction.get()
        if transaction is None:
            raise RuntimeError("run_in_transaction outside a transaction")
        connection = transaction.connection

        def run(raw: sqlite3.Connection) -> None:
            for sql, args in statements:
                raw.execute(sql, args)

        # aiosqlite's own way of running a function on the connection's thread (it
        # has no public one for several statements with parameters).
        await connection._execute(run, connection._conn)

    async def _run_in_existing_connection(
        self,
        connection: Any,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: type[Table] | None = None,
    ) -> Any:
        """A statement inside a transaction, in one hop. Piccolo also runs ``PRAGMA
        foreign_keys = 1`` before each one; every connection here has it from
        :meth:`_open` already."""
        if _NO_RETURNING:
            return await super()._run_in_existing_connection(
                connection, query, args, query_type, table
            )
        return await connection.execute_fetchall(query, args or [])


#: SQLite before 3.35 has no RETURNING: Piccolo's own paths then read the new key back.
_NO_RETURNING = sqlite3.sqlite_version_info < (3, 35)

_WRITING = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def _writes(query: str) -> bool:
    """Whether a statement may write: a plain ``SELECT``/``PRAGMA`` does not; a
    ``WITH`` does when one of its parts writes."""
    head = query.lstrip()[:7].upper()
    if head.startswith(_WRITING):
        return True
    if head.startswith("WITH"):
        text = query.upper()
        return any(word in text for word in _WRITING)
    return False


class ServerEngine(PostgresEngine):
    """Piccolo's PostgreSQL engine, with one pooled connection per web request.

    Piccolo checks a connection out of the pool for every statement outside a
    transaction; a checkout and return cost ~0.12 ms of CPU in asyncpg (timeouts,
    the setup and reset hooks) — more than the statement itself (~0.07 ms), and a
    submission made seven of them. Inside :func:`one_connection` a
    request's statements share one connection, taken at the first statement and
    given back when the response starts (``web.deps.connection_per_request``; a
    slow download never holds it). A transaction takes its own connection, the
    shared one given back first, so a request never holds two. Written here because
    Piccolo has no notion of a request.
    """

    async def run_querystring(self, querystring: Any, in_pool: bool = True) -> Any:
        # Piccolo's own, less its query logging (govhall never turns it on), plus the
        # two hooks: held-back inserts first, a tenant row's change noticed after.
        await _before_statement()
        query, args = querystring.compile_string(engine_type=self.engine_type)
        current = self.current_transaction.get()
        if current:
            response = await current.connection.fetch(query, *args)
        elif in_pool and self.pool:
            response = await self._run_in_pool(query, args)
        else:
            response = await self._run_in_new_connection(query, args)
        if on_tenant_rows_written and _writes(query) and _TENANT_ROW_TABLES.search(query):
            _tenant_rows_written(in_transaction=current is not None)
        return response

    async def _run_in_pool(self, query: str, args: Sequence[Any] | None = None) -> Any:
        held = _own_held()
        if held is None or held.done:
            return await super()._run_in_pool(query, args)
        connection = await held.connection(self)
        return await connection.fetch(query, *(args or ()))


#: Tables whose rows make a tenant's row (``tenancy_tenant`` itself, and those whose
#: triggers raise its ``catalog_version``; ``identity_role`` covers the grants too).
_TENANT_ROW_TABLES = re.compile(
    r"tenancy_tenant|tenancy_org_unit|tenancy_department_plugin|tenancy_item_setting"
    r"|workflow_flow_definition|identity_role"
)

#: Called when this process writes one of those tables on PostgreSQL (at the
#: statement, and again when its transaction ends): the process's kept tenant rows
#: (``tenancy.directory.TenantDirectory.drop``) must not outlive the change, even for
#: the moment before PostgreSQL's notification of it arrives.
on_tenant_rows_written: set[Callable[[], None]] = set()

#: Inside :func:`transaction`: set to True when a statement wrote such a table.
_tenant_rows_marks: ContextVar[list[bool] | None] = ContextVar(
    "govhall_tenant_rows_marks", default=None
)


def _tenant_rows_written(*, in_transaction: bool = False) -> None:
    for drop in list(on_tenant_rows_written):
        drop()
    marks = _tenant_rows_marks.get() if in_transaction else None
    if marks is not None:
        marks.append(True)


#: Run before each statement on PostgreSQL: what was held back to be sent with it
#: goes first (``govhall.statements.inserts_together``).
before_statement: ContextVar[Callable[[], Awaitable[None]] | None] = ContextVar(
    "govhall_before_statement", default=None
)


async def _before_statement() -> None:
    hook = before_statement.get()
    if hook is not None:
        await hook()


class _Held:
    """The connection a request's statements share (see :class:`ServerEngine`)."""

    __slots__ = ("_connection", "_pool", "done", "task")

    def __init__(self) -> None:
        self.task = asyncio.current_task()
        self.done = False
        self._connection: Any = None
        self._pool: Any = None

    async def connection(self, engine: PostgresEngine) -> Any:
        if self._connection is None:
            self._pool = engine.pool
            self._connection = await self._pool.acquire()
        else:
            # The tenant may have changed since the checkout (the request resolved
            # its tenant first): the same check a checkout makes.
            await _scope_connection(self._connection)
        return self._connection

    async def park(self) -> None:
        """Give the connection back; the next statement takes one again."""
        connection, self._connection = self._connection, None
        if connection is not None:
            await self._pool.release(connection)

    async def release(self) -> None:
        self.done = True
        await self.park()


_held: ContextVar[_Held | None] = ContextVar("govhall_held_connection", default=None)


def _own_held() -> _Held | None:
    """The shared connection holder, when this task is the request's own: a job it
    starts (create_task copies the context) must not use the connection at once."""
    held = _held.get()
    return held if held is not None and held.task is asyncio.current_task() else None


@asynccontextmanager
async def one_connection() -> AsyncIterator[Callable[[], Awaitable[None]]]:
    """Inside, this task's statements share one pooled connection on PostgreSQL
    (:class:`ServerEngine`). Yields a function that gives the connection back early;
    statements after it take connections from the pool again."""
    held = _Held()
    token = _held.set(held)
    try:
        yield held.release
    finally:
        await held.release()
        _held.reset(token)


class _Lent:
    """A pooled connection lent to a Piccolo transaction: everything passes through,
    except ``close()``, which hands it back to the engine's pool."""

    def __init__(self, engine: EmbeddedEngine, connection: aiosqlite.Connection) -> None:
        self._engine = engine
        self._connection = connection

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)

    async def close(self) -> None:
        await self._engine.take_back(self._connection)


def all_tables() -> list[type[Table]]:
    """Every govhall table, in dependency order, from the registered Piccolo apps."""
    from piccolo.conf.apps import Finder

    os.environ.setdefault("PICCOLO_CONF", PICCOLO_CONF_MODULE)
    tables: list[type[Table]] = Finder().get_table_classes()
    return tables


_engine: Engine[Any] | None = None


def configure_database(settings: Settings) -> Engine[Any]:
    """Build the engine for ``settings`` and bind all tables (and migrations) to it."""
    return bind_engine(make_engine(settings))


def bind_engine(engine: Engine[Any]) -> Engine[Any]:
    """Make ``engine`` the one every govhall table (and Piccolo's migrations) uses."""
    global _engine
    os.environ["PICCOLO_CONF"] = PICCOLO_CONF_MODULE
    from piccolo.apps.migrations.tables import Migration

    from govhall import piccolo_conf

    piccolo_conf.DB = engine
    tables: list[type[Table]] = [*all_tables(), Migration]
    for table in tables:
        table._meta.db = engine
    _engine = engine
    return engine


def get_engine() -> Engine[Any]:
    if _engine is None:
        raise RuntimeError("configure_database() has not been called")
    return _engine


def is_postgres() -> bool:
    return isinstance(get_engine(), PostgresEngine)


def new_uuid_sql() -> str:
    """An SQL expression for a new random id in a set-based ``INSERT … SELECT``."""
    if is_postgres():
        return "gen_random_uuid()"
    # SQLite keeps Piccolo's UUIDs as text: a random version-4-shaped id.
    return (
        "lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || "
        "substr(hex(randomblob(2)), 2) || '-a' || substr(hex(randomblob(2)), 2) || '-' || "
        "hex(randomblob(6)))"
    )


def instant(expression: str) -> str:
    """A timestamp (column or ``{}`` placeholder) for comparison in raw SQL. SQLite
    keeps timestamps as text, written with a space by Piccolo and with a ``T`` by
    statements that bind ``isoformat()``; ``julianday`` reads both as numbers."""
    return expression if is_postgres() else f"julianday({expression})"


class TenantScope:
    """The tenant a request works for, shared by the tasks serving the request (Litestar
    resolves dependencies in child tasks: they set ``id`` on this object, which the
    request's own task sees)."""

    __slots__ = ("id",)

    def __init__(self, tenant_id: str = "") -> None:
        self.id = tenant_id


#: Set fresh for each request by :func:`tenant_scope_middleware`; empty outside one.
current_tenant: ContextVar[TenantScope | None] = ContextVar("govhall_tenant", default=None)


def enter_tenant(tenant_id: object) -> None:
    """From now on this request (or job) works for ``tenant_id``: PostgreSQL's row-level
    security shows the connections it takes only that tenant's rows."""
    scope = current_tenant.get()
    if scope is None:
        current_tenant.set(TenantScope(str(tenant_id)))
    else:
        scope.id = str(tenant_id)


def tenant_setting() -> str:
    scope = current_tenant.get()
    return scope.id if scope is not None else ""


#: What ``govhall.tenant`` each pooled connection holds now. A session setting made
#: outside a transaction lasts until changed, so a checkout for the tenant the
#: connection already serves skips the round trip (most checkouts, on a busy portal).
_scoped: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()


#: Set while a statement reads only platform-wide tables (no row-level security):
#: any connection serves it as it is (see :func:`any_tenant_scope`).
_scope_free: ContextVar[bool] = ContextVar("govhall_scope_free", default=False)


@contextmanager
def any_tenant_scope() -> Iterator[None]:
    """For statements on platform-wide tables only (``tenancy.isolation.PLATFORM_WIDE``):
    a pooled connection is used with whatever tenant setting it holds. The tenant
    lookup every request starts with ran with no tenant, so each request moved its
    connection to "no tenant" and back — two extra round trips (issue 10)."""
    token = _scope_free.set(True)
    try:
        yield
    finally:
        _scope_free.reset(token)


async def _scope_connection(connection: Any) -> None:
    """On every pool checkout: the row-level security policies read
    ``govhall.tenant`` (empty: no tenant, as for platform work and migrations)."""
    if _scope_free.get():
        return
    value = tenant_setting()
    # asyncpg hands setup a proxy; the connection behind it outlives checkouts.
    behind = getattr(connection, "_con", None) or connection
    if _scoped.get(behind) == value:
        return
    await connection.execute("SELECT set_config('govhall.tenant', $1, false)", value)
    _scoped[behind] = value


async def _keep_session(connection: Any) -> None:
    """Pool reset without asyncpg's ``RESET ALL; UNLISTEN *; …`` round trip on every
    release: govhall changes no session state but ``govhall.tenant``, which every
    checkout sets again (other settings are ``SET LOCAL`` inside transactions; no
    LISTEN, cursors or advisory locks), and asyncpg still rolls back any transaction
    left open before calling this."""


class FairPool:
    """asyncpg's pool with its waiters served in the order they came.

    asyncpg hands connections out through an ``asyncio.LifoQueue``. When every
    connection is out, a returned one wakes the first waiter — but a task arriving
    before that waiter runs takes the connection first, and the woken waiter queues
    again *at the back*. A busy server always has such arrivals, so a few requests
    kept losing: at 64 connections on one process the progress query's p99 was
    ~400 ms against a p50 of ~19 ms, and the wasted wake-ups cost throughput too
    (``tests/bench/bench_reads.py``; docs/performance.md). A semaphore — FIFO, and
    it lets no newcomer past a waiter — admits as many as there are connections,
    so the pool below it never makes anyone wait. Every checkout (Piccolo's
    statements and transactions, a request's shared connection, the workflow's own
    reads) goes through ``engine.pool``, which this replaces.
    """

    def __init__(self, pool: Any, size: int) -> None:
        self._pool = pool
        self._gate = asyncio.Semaphore(size)

    def acquire(self, *, timeout: float | None = None) -> _FairCheckout:
        """Awaited (a connection) or entered (``async with``, given back on exit),
        like asyncpg's own."""
        return _FairCheckout(self, timeout)

    async def checkout(self, limit: float | None = None) -> Any:
        """A connection; ``limit``: seconds asyncpg may take to make one."""
        await self._gate.acquire()
        try:
            return await self._pool.acquire(timeout=limit)
        except BaseException:
            self._gate.release()
            raise

    async def release(self, connection: Any) -> None:
        try:
            await self._pool.release(connection)
        finally:
            self._gate.release()

    @property
    def waiting(self) -> int:
        """Checkouts waiting for a connection now."""
        waiters = self._gate._waiters  # asyncio keeps them; no public count
        return sum(not waiter.done() for waiter in waiters or ())

    def __getattr__(self, name: str) -> Any:
        # close(), terminate(), get_size() … pass through to asyncpg's pool.
        return getattr(self._pool, name)


class _FairCheckout:
    __slots__ = ("_connection", "_pool", "_timeout")

    def __init__(self, pool: FairPool, timeout: float | None) -> None:
        self._pool = pool
        self._timeout = timeout
        self._connection: Any = None

    def __await__(self) -> Any:
        return self._pool.checkout(self._timeout).__await__()

    async def __aenter__(self) -> Any:
        self._connection = await self._pool.checkout(self._timeout)
        return self._connection

    async def __aexit__(self, *exc: object) -> None:
        connection, self._connection = self._connection, None
        await self._pool.release(connection)


async def open_pool(engine: Engine[Any], max_size: int) -> None:
    if isinstance(engine, EmbeddedEngine):
        engine.start_pool()
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(
            min_size=1, max_size=max_size, reset=_keep_session, setup=_scope_connection
        )
        engine.pool = FairPool(engine.pool, max_size)


async def close_pool(engine: Engine[Any]) -> None:
    if isinstance(engine, EmbeddedEngine):
        await engine.stop_pool()
    if isinstance(engine, PostgresEngine):
        await engine.close_connection_pool()


@asynccontextmanager
async def transaction() -> AsyncIterator[None]:
    """One atomic unit of work. On SQLite it takes the write lock at once
    (``BEGIN IMMEDIATE``) so two writers queue instead of deadlocking on upgrade."""
    engine = get_engine()
    if isinstance(engine, EmbeddedEngine) and engine.current_transaction.get() is None:
        async with (
            engine.writer_lock(),
            engine.transaction(transaction_type=TransactionType.immediate),
        ):
            yield
    elif isinstance(engine, SQLiteEngine):
        async with engine.transaction(transaction_type=TransactionType.immediate):
            yield
    else:
        held = _own_held()
        if held is not None:
            # The transaction takes its own connection: never hold two at once, or
            # a full pool of requests each waiting for a second would wait forever.
            await held.park()
        outermost = _tenant_rows_marks.get() is None
        marks: list[bool] = []
        token = _tenant_rows_marks.set(marks) if outermost else None
        try:
            async with engine.transaction():
                yield
        finally:
            if token is not None:
                _tenant_rows_marks.reset(token)
            if marks:
                # Committed (or rolled back): drop again what a request read meanwhile.
                _tenant_rows_written()


async def ping() -> None:
    """Raise when the database does not answer."""
    await get_engine().run_ddl("SELECT 1")


def is_unique_violation(exc: BaseException) -> bool:
    """True when ``exc`` is a unique-constraint violation on either engine."""
    import asyncpg

    if isinstance(exc, asyncpg.UniqueViolationError):
        return True
    return isinstance(exc, sqlite3.IntegrityError) and "UNIQUE" in str(exc)
