"""Shared fixtures. The backend is chosen by environment variables set by scripts/test:

- ``GOVHALL_TEST_DATABASE``: ``postgres`` or ``sqlite`` (the embedded default, default).
- ``GOVHALL_TEST_POSTGRES_URL``: server URL without a database name.
- ``GOVHALL_TEST_REDIS_URL``: when set, jobs go to RQ on Redis and Redis tests run.

Each xdist worker gets its own database, Redis database number and queue name.
The schema is migrated once per session and emptied between tests.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from litestar import Litestar

from govhall import db, schema
from govhall.plugins import PluginRegistry, get_plugin_manager
from govhall.settings import REPO_ROOT, Settings
from govhall.tenancy.services import apply_manifest, load_manifest

BACKEND = os.environ.get("GOVHALL_TEST_DATABASE", "sqlite")
POSTGRES_URL = os.environ.get("GOVHALL_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("GOVHALL_TEST_REDIS_URL")
#: Loopback SMTP server and SMS gateway fixtures (``mail``, ``sms``).
pytest_plugins = ["tests.transports"]

DEMO_PASSWORD = "demo-test-pass-1"
DEMO_TENANTS = ("demo-province", "demo-city", "demo-county")


def worker_index() -> int:
    name = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(name.removeprefix("gw") or 0)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Engine-specific tests are marked; they run in the suite that has the engine and are
    reported as skipped, with the reason, in the other."""
    for item in items:
        if "postgres" in item.keywords and BACKEND != "postgres":
            item.add_marker(pytest.mark.skip(reason="PostgreSQL suite only"))
        if "redis" in item.keywords and not REDIS_URL:
            item.add_marker(pytest.mark.skip(reason="needs GOVHALL_TEST_REDIS_URL (Redis suite)"))


#: The app's own database role in the PostgreSQL suite: not a superuser, no BYPASSRLS,
#: owning no table — so every test runs under the row-level security policies, as
#: production must (docs/operator). Migrations and cleanup run as the owner.
APP_ROLE = "govhall_test_app"
APP_ROLE_PASSWORD = "govhall-test-app-1"


async def _recreate_postgres_database(name: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(f"{POSTGRES_URL}/postgres")
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}"')
        # Roles are cluster-wide and xdist workers start together: one creates it.
        await connection.execute("SELECT pg_advisory_lock(7408)")
        if not await connection.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", APP_ROLE):
            await connection.execute(
                f"CREATE ROLE {APP_ROLE} LOGIN PASSWORD '{APP_ROLE_PASSWORD}' "
                "NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"
            )
    finally:
        await connection.close()


def make_database_url(tmp_dir: Path, label: str) -> str:
    """A fresh database; on PostgreSQL the owner's URL (see :func:`database_env`)."""
    if BACKEND == "postgres":
        name = f"govhall_test_{label}_{worker_index()}"
        asyncio.run(_recreate_postgres_database(name))
        return f"{POSTGRES_URL}/{name}"
    return f"sqlite:///{tmp_dir / f'{label}.sqlite3'}"


def app_role_url(owner_url: str) -> str:
    """``owner_url`` with the app's role instead of the owner."""
    parts = urlsplit(owner_url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{APP_ROLE}:{APP_ROLE_PASSWORD}@{host}"))


def database_env(tmp_dir: Path, label: str) -> dict[str, str]:
    """Environment for a govhall process on a fresh database: on PostgreSQL it serves as
    the app role and migrates as the owner."""
    url = make_database_url(tmp_dir, label)
    if BACKEND != "postgres":
        return {"GOVHALL_DATABASE_URL": url}
    return {"GOVHALL_DATABASE_URL": app_role_url(url), "GOVHALL_MIGRATE_DATABASE_URL": url}


@pytest.fixture(scope="session")
def base_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    tmp = tmp_path_factory.mktemp("govhall")
    url = make_database_url(tmp, "main")
    settings = Settings(
        database_url=app_role_url(url) if BACKEND == "postgres" else url,
        migrate_database_url=url if BACKEND == "postgres" else None,
        redis_url=f"{REDIS_URL}/{1 + worker_index()}" if REDIS_URL else None,
        storage_url=str(tmp / "blobs"),
        secret_key="test-secret-key-that-is-long-enough-0123456789",
        demo_password=DEMO_PASSWORD,
        queue_name=f"govhall-test-{worker_index()}",
        frontend_dir=REPO_ROOT / "frontend",
    )
    asyncio.run(schema.migrate(settings))
    return settings


@pytest.fixture(scope="session")
def registry() -> PluginRegistry:
    return PluginRegistry(get_plugin_manager())


async def empty_database(settings: Settings) -> None:
    from piccolo.table import sort_table_classes

    tables = sort_table_classes(db.all_tables())
    if db.is_postgres():
        import asyncpg

        # As the owner: the app role has no TRUNCATE, as in production.
        names = ", ".join(f'"{t._meta.tablename}"' for t in tables)
        owner = await asyncpg.connect(settings.for_migrations().database_url)
        try:
            await owner.execute(f"TRUNCATE {names} CASCADE")
        finally:
            await owner.close()
    else:
        # SQLite checks RESTRICT row by row: cut self-references (parents) first.
        for table in tables:
            for fk in table._meta.foreign_key_columns:
                if fk._foreign_key_meta.resolved_references is table:
                    await table.update({fk: None}, force=True)
        for table in reversed(tables):
            await table.delete(force=True)


@pytest.fixture(autouse=True)
async def clean_state(base_settings: Settings) -> AsyncIterator[None]:
    db.configure_database(base_settings)
    await empty_database(base_settings)
    if base_settings.redis_url:
        import redis

        client = redis.Redis.from_url(base_settings.redis_url)
        client.flushdb()
        client.close()
    yield


@pytest.fixture
def settings(base_settings: Settings) -> Settings:
    return base_settings


@pytest.fixture
def app(settings: Settings, registry: PluginRegistry) -> Litestar:
    return create_test_app(settings, registry)


def create_test_app(settings: Settings, registry: PluginRegistry) -> Litestar:
    from govhall.app import create_app

    return create_app(settings, registry=registry)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the app, its services started on the test's own event loop.

    Litestar's AsyncTestClient runs the lifespan on a portal thread's loop (binding the
    asyncpg pool to a loop requests never run on), and ``app.lifespan()`` cannot be
    entered and exited in pytest-asyncio's separate setup and teardown tasks; so the
    fixture calls what the lifespan calls."""
    services = app.state.services
    await services.start()
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c
    finally:
        await services.stop()


@pytest.fixture
async def demo(client: httpx.AsyncClient, app: Litestar, registry: PluginRegistry) -> None:
    """The demo province, city and county with their staff (inside the app's lifespan)."""
    for slug in DEMO_TENANTS:
        await apply_manifest(load_manifest(REPO_ROOT / "tenants" / slug), registry, DEMO_PASSWORD)
    # The trigger's notifications of the demo's own writes arrive after the commit: a
    # tenant row read before they arrive is not kept, so a test's warm-up would miss.
    await app.state.services.tenants.settle()


def run_worker_burst(settings: Settings) -> None:
    """Run the RQ jobs waiting now in a real ``govhall worker`` process."""
    env = {**os.environ, **settings_env(settings)}
    subprocess.run(
        [sys.executable, "-m", "govhall", "worker", "--burst", "--simple"],
        env=env,
        check=True,
        timeout=120,
        capture_output=True,
    )


def settings_env(settings: Settings) -> dict[str, str]:
    env = {
        "GOVHALL_DATABASE_URL": settings.database_url,
        "GOVHALL_STORAGE_URL": settings.storage_url,
        "GOVHALL_SECRET_KEY": settings.secret_key,
        "GOVHALL_DEMO_PASSWORD": settings.demo_password,
        "GOVHALL_QUEUE": settings.queue_name,
    }
    if settings.redis_url:
        env["GOVHALL_REDIS_URL"] = settings.redis_url
    if settings.smtp_url:
        env["GOVHALL_SMTP_URL"] = settings.smtp_url
    if settings.sms_gateway_url:
        env["GOVHALL_SMS_GATEWAY_URL"] = settings.sms_gateway_url
    return env


@pytest.fixture
def run_jobs(app: Litestar, settings: Settings) -> Callable[[], Awaitable[None]]:
    """Run the background jobs queued so far: inline, or by an RQ worker process."""

    async def run() -> None:
        if settings.redis_url:
            await asyncio.to_thread(run_worker_burst, settings)
        else:
            await app.state.services.queue.drain()

    return run


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """An S3-compatible server on loopback; yields its ``host:port``."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.stop()


# --- API helpers -------------------------------------------------------------------

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + bytes(64)
ITEM_CODE = "NR-BDC-0001"
GOOD_FORM: dict[str, Any] = {
    "applicant_name": "张三",
    "property_location": "城关镇解放路12号",
    "property_use": "residential",
    "floor_area": 98.5,
    "extra_certificates": 1,
}
# A valid resident ID (checksum and birth date) and a valid credit code, made up.
ID_NUMBER = "11010519491231002X"
CREDIT_CODE = "91110000600037341L"


class Api:
    """Small helpers that drive the public API like a client would."""

    def __init__(
        self, client: httpx.AsyncClient, tenant: str = "demo-county", app: Litestar | None = None
    ) -> None:
        self.client = client
        self.tenant = tenant
        self.app = app

    async def settle(self) -> None:
        """Wait for the notifications of tenant changes made so far (PostgreSQL): a
        tenant row read before they arrive is not kept, and a count would miss."""
        if self.app is not None:
            await self.app.state.services.tenants.settle()

    def t(self, path: str) -> str:
        return f"/t/{self.tenant}/api/v1{path}"

    async def register(self, username: str = "zhangsan", **extra: Any) -> dict[str, Any]:
        body = {
            "username": username,
            "password": "abc12345x",
            "kind": "individual",
            "name": "张三",
            "id_number": ID_NUMBER,
            **extra,
        }
        response = await self.client.post("/api/v1/accounts", json=body)
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def login(
        self, username: str, password: str = "abc12345x", tenant: str | None = None
    ) -> dict[str, str]:
        body = {"username": username, "password": password}
        if tenant:
            body["tenant"] = tenant
        response = await self.client.post("/api/v1/auth/token", json=body)
        assert response.status_code == 200, response.text
        return {"authorization": f"Bearer {response.json()['access_token']}"}

    async def citizen(self, username: str = "zhangsan") -> dict[str, str]:
        await self.register(username)
        return await self.login(username)

    async def staff(self, username: str) -> dict[str, str]:
        return await self.login(username, DEMO_PASSWORD, tenant=self.tenant)

    async def upload(
        self, headers: dict[str, str], content: bytes = PDF_BYTES, filename: str = "材料.pdf"
    ) -> dict[str, Any]:
        response = await self.client.post(
            self.t("/uploads"),
            headers=headers,
            files={"file": (filename, content, "application/pdf")},
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def application(
        self, headers: dict[str, str], form: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """A complete application body: both materials uploaded by ``headers``."""
        first = await self.upload(headers)
        second = await self.upload(headers, PNG_BYTES, "id.png")
        return {
            "item_code": ITEM_CODE,
            "form": form or GOOD_FORM,
            "materials": [
                {"material_code": "application_form", "blob_id": first["blob_id"]},
                {"material_code": "identity_proof", "blob_id": second["blob_id"]},
            ],
        }

    async def submit(
        self, headers: dict[str, str], form: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        body = await self.application(headers, form)
        response = await self.client.post(self.t("/applications"), headers=headers, json=body)
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def act(
        self,
        headers: dict[str, str],
        serial_number: str,
        action: str,
        opinion: str = "",
        step: str = "",
        **data: Any,
    ) -> Any:
        return await self.client.post(
            self.t(f"/cases/{serial_number}/actions"),
            headers=headers,
            json={"action": action, "opinion": opinion, "step": step, "data": data},
        )


@pytest.fixture
def api(client: httpx.AsyncClient, app: Litestar) -> Api:
    return Api(client, app=app)
