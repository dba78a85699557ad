"""Tenant rows kept per app process on PostgreSQL, dropped when PostgreSQL says a
tenant changed.

Every API request and page starts by reading its tenant's row (slug → id, status,
``catalog_version``, which in turn tells the catalogue, flow and grant caches
whether they are current). On the hot read paths that read was a third of the
statements: the progress query made three round trips (tenant, case, events) and
the work list three (tenant, count, page), where a bare handler makes two.

The row is kept while a dedicated connection LISTENs on :data:`CHANNEL`. A trigger
on ``tenancy_tenant`` (migration ``tenancy_2026_12_01t11_45_00_000000``) notifies
on every insert, update, delete and truncate — including the ``catalog_version``
the catalogue triggers raise — whoever writes: the admin pages, manifests, a
script, an operator's SQL. PostgreSQL sends a notification when the writing
transaction commits, so another process drops its rows a moment after the commit
(under a millisecond on one host). This process drops them at once when it writes
one of the tables that change a tenant's row itself (``db.on_tenant_rows_written``),
so a request sees what the request before it changed. When the listening connection
is lost, every kept row is dropped and none is kept until it is back (a notification
could have been missed meanwhile); a row is also never kept longer than
:data:`MAX_AGE` seconds, the bound should a connection die without anyone noticing.

On the embedded SQLite default there is nothing to listen to (and the read is a
call into the same process's SQLite): every request reads the row, as before.

Written here because the pieces — asyncpg's ``add_listener``, a trigger — are the
libraries'; what to keep and when to stop trusting it is govhall's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar, cast

from govhall import db
from govhall.tenancy.schemas import TenantInfo

log = logging.getLogger(__name__)

V = TypeVar("V")

#: The channel the ``tenancy_tenant`` trigger notifies on (payload: the slug).
CHANNEL = "govhall_tenant_changed"
#: Seconds a kept row is trusted at most, notification or not.
MAX_AGE = 60.0
#: Seconds between attempts to listen again after the connection was lost.
RECONNECT_SECONDS = (0.5, 1.0, 2.0, 5.0, 10.0)


class TenantDirectory:
    """Tenant rows (slug → :class:`TenantInfo`; the portal's row with its branding,
    by slug or domain), kept while they can be trusted."""

    def __init__(self, max_age: float = MAX_AGE) -> None:
        self._max_age = max_age
        self._kept: dict[Hashable, tuple[float, object]] = {}
        #: Raised whenever kept rows are dropped: a row read before a drop is not kept.
        self._drops = 0
        self._listener: Any = None
        self._dsn: str | None = None
        self._reconnecting: asyncio.Task[None] | None = None
        self._barriers: dict[str, asyncio.Future[None]] = {}
        self._closed = False

    @property
    def listening(self) -> bool:
        listener = self._listener
        return listener is not None and not listener.is_closed()

    async def start(self, dsn: str, verify_seconds: float = 5.0) -> None:
        """Listen for tenant changes (PostgreSQL only); on failure, keep nothing and
        try again in the background."""
        self._dsn, self._closed = dsn, False
        if not await self._listen():
            self._reconnect_later()
            return
        try:
            # A notification sent over the pool must come back: behind a pooler in
            # transaction mode LISTEN is accepted and nothing ever arrives.
            await self.settle(verify_seconds)
        except TimeoutError:
            log.warning(
                "tenant-change notifications do not arrive (a pooler in transaction "
                "mode?); tenants are read per request"
            )
            await self.stop()

    async def stop(self) -> None:
        self._closed = True
        if self._reconnecting is not None:
            self._reconnecting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reconnecting
            self._reconnecting = None
        listener, self._listener = self._listener, None
        self.drop()
        if listener is not None and not listener.is_closed():
            with contextlib.suppress(Exception):
                await listener.close(timeout=5)

    async def _listen(self) -> bool:
        import asyncpg

        try:
            listener = await asyncpg.connect(self._dsn, timeout=10)
            await listener.add_listener(CHANNEL, self._notified)
        except (TimeoutError, OSError, asyncpg.PostgresError):
            log.warning(
                "cannot listen for tenant changes; tenants are read per request", exc_info=True
            )
            return False
        listener.add_termination_listener(self._lost)
        # Rows kept before this point may have missed a notification.
        self.drop()
        self._listener = listener
        return True

    def _lost(self, _connection: Any) -> None:
        self._listener = None
        self.drop()
        if not self._closed:
            log.warning(
                "lost the tenant-change listener; tenants are read per request until it is back"
            )
            self._reconnect_later()

    def _reconnect_later(self) -> None:
        if self._reconnecting is None or self._reconnecting.done():
            self._reconnecting = asyncio.get_running_loop().create_task(self._reconnect())

    async def _reconnect(self) -> None:
        attempt = 0
        while not self._closed and not await self._listen():
            await asyncio.sleep(RECONNECT_SECONDS[min(attempt, len(RECONNECT_SECONDS) - 1)])
            attempt += 1

    def _notified(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        barrier = self._barriers.pop(payload, None)
        if barrier is not None:
            if not barrier.done():
                barrier.set_result(None)
            return
        # Any tenant's change drops all: changes are rare, rows cheap to read again,
        # and a renamed slug leaves no row behind under its old name.
        self.drop()

    def drop(self) -> None:
        """Forget every kept row (the next request for each reads it again)."""
        self._kept.clear()
        self._drops += 1

    async def resolve(self, slug: str) -> TenantInfo:
        """The active tenant at ``/t/{slug}``: kept, or read (404 unknown, 503 suspended)."""
        from govhall.tenancy.services import admit_tenant, read_tenant

        return admit_tenant(slug, await self.keep(("tenant", slug), lambda: read_tenant(slug)))

    async def keep(self, key: Hashable, read: Callable[[], Awaitable[V | None]]) -> V | None:
        """What ``read()`` gives for ``key`` (a tenant's row in some form), kept while
        trusted; None (nothing there) is not kept."""
        kept = self._kept.get(key)
        if kept is not None and time.monotonic() - kept[0] < self._max_age:
            return cast(V, kept[1])
        drops = self._drops
        started = time.monotonic()
        value = await read()
        # Kept only if nothing was dropped while it was read: a change committed
        # meanwhile would otherwise be kept as if current.
        if value is not None and self.listening and drops == self._drops:
            self._kept[key] = (started, value)
        return value

    async def settle(self, seconds: float = 5.0) -> None:
        """Return once every change committed before the call has dropped the rows it
        concerns (PostgreSQL delivers notifications in commit order). For tests and
        tools that change tenants over a connection of their own."""
        if not self.listening:
            return
        token = f"settle:{uuid.uuid4()}"
        arrived = asyncio.get_running_loop().create_future()
        self._barriers[token] = arrived
        try:
            await db.get_engine().run_ddl(f"NOTIFY {CHANNEL}, '{token}'")
            async with asyncio.timeout(seconds):
                await arrived
        finally:
            self._barriers.pop(token, None)
