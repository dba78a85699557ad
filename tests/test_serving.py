"""The ASGI server choice: granian's app believes forwarded headers only from the
proxies in FORWARDED_ALLOW_IPS, as uvicorn does; every served app freezes its
start-up heap."""

from __future__ import annotations

import gc
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from govhall import app as app_module
from govhall import serving


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """granian's app around a recording ASGI app instead of govhall's."""
    scopes: list[dict[str, Any]] = []

    async def recording(scope: dict[str, Any], receive: Any, send: Any) -> None:
        scopes.append(scope)

    monkeypatch.setattr("govhall.app.create_app_from_env", lambda: recording)
    return scopes


async def _call(client: str, forwarded: str) -> None:
    scope = {
        "type": "http",
        "scheme": "http",
        "client": (client, 50000),
        "headers": [(b"x-forwarded-for", forwarded.encode()), (b"x-forwarded-proto", b"https")],
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        return None

    await serving.granian_app()(scope, receive, send)


async def test_forwarded_address_only_from_a_trusted_proxy(
    seen: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.0.0.5, 10.0.0.6")
    await _call("10.0.0.6", "203.0.113.9")
    assert seen[-1]["client"][0] == "203.0.113.9"
    assert seen[-1]["scheme"] == "https"
    # Anyone else's X-Forwarded-For is their own claim: the address stays theirs.
    await _call("198.51.100.7", "203.0.113.9")
    assert seen[-1]["client"][0] == "198.51.100.7"
    assert seen[-1]["scheme"] == "http"


def test_trusted_proxies_default_to_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    assert serving.trusted_proxies() == ["127.0.0.1"]
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", " 10.1.1.1 ,,10.1.1.2")
    assert serving.trusted_proxies() == ["10.1.1.1", "10.1.1.2"]


async def test_a_served_app_freezes_its_start_up_heap() -> None:
    """Once a served app has started, what start-up built is out of the collector's
    view: a full collection no longer scans it (70 ms pauses at load before)."""
    assert gc.get_freeze_count() == 0
    app = serving.served(Litestar(route_handlers=[]))
    try:
        async with AsyncTestClient(app):
            assert gc.get_freeze_count() > 1000
    finally:
        gc.unfreeze()


def test_every_server_path_serves_a_frozen_app(monkeypatch: pytest.MonkeyPatch) -> None:
    """The factory uvicorn's and granian's worker processes call wraps the app too
    (the single in-process uvicorn calls ``served`` itself)."""
    monkeypatch.setattr(app_module, "create_app", lambda settings: Litestar(route_handlers=[]))
    built = app_module.create_app_from_env()
    assert serving.freeze_heap in built.on_startup
    # Apps built for tests are not frozen: a test process builds hundreds.
    assert serving.freeze_heap not in Litestar(route_handlers=[]).on_startup
