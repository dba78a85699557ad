"""One pooled connection per web request on PostgreSQL (govhall.db.ServerEngine):
the request's statements share it, a transaction never makes a request hold two,
and the tenant setting follows the request's scope."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

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
