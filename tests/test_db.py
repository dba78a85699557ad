"""One pooled connection per web request on PostgreSQL (govhall.db.ServerEngine):
the request's statements share it, a transaction never makes a request hold two,
and the tenant setting follows the request's scope."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from govhall import db
from govhall.tenancy.tables import Tenant
from tests.conftest import BACKEND

pytestmark = pytest.mark.skipif(BACKEND != "postgres", reason="the PostgreSQL pool")


@pytest.fixture
async def small_pool() -> AsyncIterator[None]:
    await db.open_pool(db.get_engine(), 2)
    try:
        yield
    finally:
        await db.close_pool(db.get_engine())


async def _backend() -> int:
    rows = await Tenant.raw("SELECT pg_backend_pid() AS pid")
    return int(rows[0]["pid"])


async def test_statements_of_one_request_share_a_connection(small_pool: None) -> None:
    pool = db.get_engine().pool
    async with db.one_connection() as give_back:
        first = await _backend()
        assert [await _backend() for _ in range(5)] == [first] * 5
        await give_back()
        # After it is given back, statements take connections from the pool again.
        await _backend()
    assert pool.get_idle_size() == pool.get_size()


async def test_a_transaction_gives_the_shared_connection_back_first(small_pool: None) -> None:
    async def request(n: int) -> None:
        async with db.one_connection():
            await _backend()
            async with db.transaction():
                await Tenant.raw("SELECT pg_sleep(0.05)")
            await _backend()

    # Four requests on a pool of two, each reading then writing: holding one
    # connection while waiting for a second would leave them all waiting.
    await asyncio.wait_for(asyncio.gather(*(request(n) for n in range(4))), timeout=20)


async def test_the_tenant_setting_follows_the_request_scope(small_pool: None) -> None:
    async def setting() -> str:
        rows = await Tenant.raw("SELECT current_setting('govhall.tenant', true) AS tenant")
        return str(rows[0]["tenant"] or "")

    token = db.current_tenant.set(db.TenantScope())
    try:
        async with db.one_connection():
            assert await setting() == ""
            db.enter_tenant("0b7e6f1c-0000-4000-8000-000000000001")
            assert await setting() == "0b7e6f1c-0000-4000-8000-000000000001"
            with db.any_tenant_scope():
                # Platform-wide reads take the connection as it is.
                assert await setting() == "0b7e6f1c-0000-4000-8000-000000000001"
    finally:
        db.current_tenant.reset(token)


def _fair_pool() -> db.FairPool:
    pool = getattr(db.get_engine(), "pool", None)
    assert isinstance(pool, db.FairPool)
    return pool


async def _arrival_order(pool: Any) -> list[str]:
    """Every connection out, three checkouts waiting, and a newcomer arriving just as
    one connection comes back: the order in which the four get one. (asyncpg's own
    pool gives ``newcomer, waiter 1, waiter 2, waiter 0`` here.)"""
    checkout_of = pool.acquire
    held = [await checkout_of() for _ in range(2)]
    order: list[str] = []

    async def checkout(name: str, steps_before: int = 0) -> None:
        for _ in range(steps_before):
            await asyncio.sleep(0)
        async with checkout_of():
            order.append(name)
            await asyncio.sleep(0.01)

    waiters = []
    for n in range(3):
        waiters.append(asyncio.create_task(checkout(f"waiter {n}")))
        await asyncio.sleep(0.01)
    # The newcomer asks in the very step after the connection comes back, before the
    # waiter it woke runs (on a busy server, a request whose data just arrived).
    newcomer = asyncio.create_task(checkout("newcomer", steps_before=1))
    await pool.release(held.pop())
    await asyncio.wait_for(asyncio.gather(*waiters, newcomer), timeout=10)
    await pool.release(held.pop())
    return order


async def test_connections_go_to_waiters_in_the_order_they_came(small_pool: None) -> None:
    """asyncpg's own queue let a newcomer take a returned connection before the waiter
    it woke, which then queued again at the back: under load a few requests kept
    losing (the progress query's p99 was 20× its median). Waiters go first, in order."""
    pool = _fair_pool()
    assert await _arrival_order(pool) == ["waiter 0", "waiter 1", "waiter 2", "newcomer"]
    assert pool.waiting == 0
    assert pool.get_idle_size() == pool.get_size()


async def test_a_cancelled_checkout_leaves_its_place(small_pool: None) -> None:
    """A request that goes away while waiting (the client hung up) takes no connection
    with it."""
    pool = _fair_pool()
    held = [await pool.acquire() for _ in range(2)]
    waiting = asyncio.create_task(pool.checkout())
    await asyncio.sleep(0.01)
    assert pool.waiting == 1
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    for connection in held:
        await pool.release(connection)
    assert pool.waiting == 0
    # Both connections can be had again at once.
    again = [await asyncio.wait_for(pool.checkout(), timeout=5) for _ in range(2)]
    for connection in again:
        await pool.release(connection)
