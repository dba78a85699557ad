"""Tenant rows kept per process (``govhall.tenancy.directory``): kept on PostgreSQL
while its notifications can be heard, dropped on every change whoever makes it,
read per request on the embedded default."""

from __future__ import annotations

import asyncio
import contextvars
from typing import Any

import asyncpg
import httpx
import pytest
from litestar import Litestar

from govhall import db
from govhall.settings import Settings
from govhall.tenancy.directory import CHANNEL, TenantDirectory
from govhall.tenancy.tables import Tenant
from tests.conftest import BACKEND, free_port
from tests.web.test_query_counts import counted

ITEMS = "/t/demo-county/api/v1/items"


async def _owner(settings: Settings) -> asyncpg.Connection:
    """A connection of its own, as another process or an operator's psql would have."""
    return await asyncpg.connect(settings.for_migrations().database_url)


async def _statements(client: httpx.AsyncClient, path: str = ITEMS) -> tuple[int, int]:
    with counted() as seen:
        response = await client.get(path)
    return response.status_code, len(seen)


async def _warm(directory: TenantDirectory, client: httpx.AsyncClient) -> None:
    """Listening, the demo's own changes heard, and the county's row kept."""
    await _until(lambda: directory.listening)
    await directory.settle()
    await client.get(ITEMS)


async def _until(condition: Any, seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached in time")


@pytest.mark.skipif(BACKEND == "postgres", reason="the embedded default keeps nothing")
async def test_the_embedded_default_reads_the_tenant_every_request(
    client: httpx.AsyncClient, demo: None
) -> None:
    await client.get(ITEMS)
    assert await _statements(client) == (200, 1)
    assert await _statements(client) == (200, 1)


@pytest.mark.postgres
async def test_a_change_over_another_connection_is_seen_once_notified(
    app: Litestar, client: httpx.AsyncClient, demo: None, settings: Settings
) -> None:
    directory: TenantDirectory = app.state.services.tenants
    await _warm(directory, client)
    assert await _statements(client) == (200, 0)  # kept

    owner = await _owner(settings)
    try:
        await owner.execute(
            "UPDATE tenancy_tenant SET status = 'suspended' WHERE slug = 'demo-county'"
        )
        await directory.settle()
        response = await client.get(ITEMS)
        assert response.status_code == 503, response.text
        assert response.json()["code"] == "tenant_suspended"
        # Suspended: read every time, so resuming counts from the next request too.
        await owner.execute(
            "UPDATE tenancy_tenant SET status = 'active' WHERE slug = 'demo-county'"
        )
        await directory.settle()
        assert await _statements(client) == (200, 1)
        assert await _statements(client) == (200, 0)

        # A catalogue change raises catalog_version by trigger: the tenant row changes.
        await owner.execute(
            "UPDATE tenancy_item_setting SET promised_days = 2 WHERE item_code = 'NR-BDC-0001' "
            "AND tenant = (SELECT id FROM tenancy_tenant WHERE slug = 'demo-county')"
        )
        await directory.settle()
        guide = (await client.get(f"{ITEMS}/NR-BDC-0001")).json()
        assert guide["promised_days"] == 2
        # Another tenant's row dropped too (all go), and read again on use.
        assert (await client.get("/t/demo-city/api/v1/items")).status_code == 200
    finally:
        await owner.close()


@pytest.mark.postgres
async def test_this_process_sees_its_own_change_at_once(
    app: Litestar, client: httpx.AsyncClient, demo: None
) -> None:
    """Dropped when the statement runs, without waiting for the notification."""
    directory: TenantDirectory = app.state.services.tenants
    await _warm(directory, client)
    # Deaf to notifications: only the process's own drop can make this pass.
    await directory._listener.remove_listener(CHANNEL, directory._notified)
    await Tenant.update({Tenant.status: "suspended"}).where(Tenant.slug == "demo-county")
    assert (await client.get(ITEMS)).status_code == 503

    # In a transaction: a request reading meanwhile must not keep the old row past
    # the commit.
    async with db.transaction():
        await Tenant.update({Tenant.status: "active"}).where(Tenant.slug == "demo-county")
        # Another request (a context of its own: not in this transaction) reads the
        # row as committed (suspended).
        meanwhile = asyncio.get_running_loop().create_task(
            client.get(ITEMS), context=contextvars.Context()
        )
        assert (await meanwhile).status_code == 503
    assert (await client.get(ITEMS)).status_code == 200


@pytest.mark.postgres
async def test_nothing_is_kept_while_the_listener_is_lost(
    app: Litestar, client: httpx.AsyncClient, demo: None, settings: Settings
) -> None:
    directory: TenantDirectory = app.state.services.tenants
    await _warm(directory, client)
    assert await _statements(client) == (200, 0)
    listener_pid = directory._listener.get_server_pid()

    owner = await _owner(settings)
    dsn = directory._dsn
    try:
        # The database is out of reach for the listener until told otherwise.
        directory._dsn = f"postgresql://nobody@127.0.0.1:{free_port()}/none"
        await owner.execute("SELECT pg_terminate_backend($1)", listener_pid)
        await _until(lambda: not directory.listening)
        # Kept rows went with it, and none is kept until it is back.
        assert await _statements(client) == (200, 1)
        assert await _statements(client) == (200, 1)
        directory._dsn = dsn
        await _until(lambda: directory.listening)
        await client.get(ITEMS)
        assert await _statements(client) == (200, 0)
        # Listening again for real: a change over another connection drops the row.
        await owner.execute(
            "UPDATE tenancy_tenant SET status = 'suspended' WHERE slug = 'demo-county'"
        )
        await directory.settle()
        assert (await client.get(ITEMS)).status_code == 503
    finally:
        await owner.close()


@pytest.mark.postgres
async def test_a_kept_row_is_read_again_after_its_age(
    client: httpx.AsyncClient, demo: None, settings: Settings
) -> None:
    directory = TenantDirectory(max_age=0.2)
    await directory.start(settings.database_url)
    try:
        assert directory.listening
        first = await directory.resolve("demo-county")
        with counted() as seen:
            assert await directory.resolve("demo-county") == first
        assert seen == []
        await asyncio.sleep(0.25)
        with counted() as seen:
            await directory.resolve("demo-county")
        assert len(seen) == 1
    finally:
        await directory.stop()
    assert not directory.listening


@pytest.mark.postgres
async def test_nothing_is_kept_when_notifications_do_not_come_back(
    client: httpx.AsyncClient, demo: None, settings: Settings
) -> None:
    """As behind a pooler in transaction mode: LISTEN accepted, nothing delivered."""
    directory = TenantDirectory()
    directory._notified = lambda *args: None  # type: ignore[method-assign]
    await directory.start(settings.database_url, verify_seconds=0.3)
    assert not directory.listening
    for _ in range(2):
        with counted() as seen:
            await directory.resolve("demo-county")
        assert len(seen) == 1
    await directory.stop()
