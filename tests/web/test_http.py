"""Health, readiness, OpenAPI and framework errors in the caller's language."""

from __future__ import annotations

import dataclasses

import httpx
from litestar import Litestar

from govhall.plugins import PluginRegistry
from govhall.settings import Settings
from tests.conftest import create_test_app


async def test_healthz_and_readyz(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "queue": "ok", "storage": "ok"}


async def test_readyz_is_503_when_a_backend_is_down(
    settings: Settings, registry: PluginRegistry
) -> None:
    broken = dataclasses.replace(
        settings, redis_url="redis://127.0.0.1:1/0", storage_url="s3://k:s@127.0.0.1:1/bucket"
    )
    app: Litestar = create_test_app(broken, registry)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == "ok"
    assert checks["queue"].startswith("error") and checks["storage"].startswith("error")


async def test_openapi_schema_lists_the_v1_contract(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    paths = set(schema["paths"])
    for path in (
        "/api/v1/accounts",
        "/api/v1/auth/token",
        "/t/{tenant_slug}/api/v1/items",
        "/t/{tenant_slug}/api/v1/items/{code}",
        "/t/{tenant_slug}/api/v1/uploads",
        "/t/{tenant_slug}/api/v1/applications",
        "/t/{tenant_slug}/api/v1/progress",
        "/t/{tenant_slug}/api/v1/worklist",
        "/t/{tenant_slug}/api/v1/cases/{serial_number}/actions",
        "/healthz",
        "/readyz",
    ):
        assert path in paths, path


async def test_unknown_route_and_method(client: httpx.AsyncClient) -> None:
    missing = await client.get("/nope")
    assert missing.status_code == 404 and missing.json()["detail"] == "找不到请求的地址"
    wrong = await client.delete("/healthz", headers={"accept-language": "en-US,en;q=0.9"})
    assert wrong.status_code == 405 and wrong.json()["detail"] == "Method not allowed"
