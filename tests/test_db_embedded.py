"""The embedded SQLite engine (govhall.db.EmbeddedEngine) while the app's pool is
open: writes outside a transaction queue behind the process's writers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from govhall import db
from govhall.tenancy.tables import Tenant
from tests.conftest import BACKEND

pytestmark = pytest.mark.skipif(BACKEND != "sqlite", reason="the embedded engine")


@pytest.fixture
async def pool() -> AsyncIterator[db.EmbeddedEngine]:
    engine = db.get_engine()
    assert isinstance(engine, db.EmbeddedEngine)
    await db.open_pool(engine, 4)
    try:
        yield engine
    finally:
        await db.close_pool(engine)


async def _names() -> list[str]:
    return [row["name"] for row in await Tenant.raw("SELECT name FROM tenancy_tenant")]


async def test_a_write_outside_a_transaction_waits_for_the_writers_lock(
    pool: db.EmbeddedEngine,
) -> None:
    lock = pool.writer_lock()
    await lock.acquire()
    try:
        write = asyncio.create_task(
            Tenant.raw("UPDATE tenancy_tenant SET name = name || '·'").run()
        )
        # A read does not queue: it runs while a writer holds the lock.
        before = await asyncio.wait_for(_names(), timeout=5)
        await asyncio.sleep(0.05)
        assert not write.done()
    finally:
        lock.release()
    await asyncio.wait_for(write, timeout=5)
    assert await _names() == [name + "·" for name in before]


async def test_the_statement_kinds_that_write() -> None:
    assert db._writes("  insert into t values (1)")
    assert db._writes("UPDATE t SET a = 1")
    assert db._writes("DELETE FROM t")
    assert db._writes("WITH x AS (SELECT 1) UPDATE t SET a = 1")
    assert not db._writes("SELECT * FROM t")
    assert not db._writes("WITH x AS (SELECT 1) SELECT * FROM x")
    assert not db._writes("PRAGMA table_info(t)")
