"""Unhandled errors reach Sentry through a capturing transport; domain errors do not."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import httpx
import sentry_sdk
from litestar import get
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport

from govhall.errors import InvalidInput
from govhall.plugins import PluginRegistry
from govhall.settings import Settings
from tests.conftest import create_test_app


class CapturingTransport(Transport):
    envelopes: ClassVar[list[Envelope]] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        CapturingTransport.envelopes.append(envelope)


def _events() -> list[dict[str, Any]]:
    return [
        item.payload.json
        for env in CapturingTransport.envelopes
        for item in env.items
        if item.type == "event" and item.payload.json
    ]


@get("/boom")
async def boom() -> None:
    raise RuntimeError("kaboom-for-sentry")


@get("/mistake")
async def mistake() -> None:
    raise InvalidInput("表单内容必须是一个对象")


async def test_unhandled_error_reaches_sentry(settings: Settings, registry: PluginRegistry) -> None:
    CapturingTransport.envelopes.clear()
    with_dsn = dataclasses.replace(settings, sentry_dsn="http://public@127.0.0.1:9/1")
    from govhall.observability import init_sentry

    app = create_test_app(with_dsn, registry)
    assert init_sentry(with_dsn, transport=CapturingTransport)
    app.register(boom)
    app.register(mistake)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as client:
            crashed = await client.get("/boom")
            refused = await client.get("/mistake")
        sentry_sdk.flush()
        assert crashed.status_code == 500
        assert crashed.json()["detail"] == "服务器内部错误，已记录，请稍后再试"
        assert refused.status_code == 422
        raised = [
            (value["type"], value["value"])
            for event in _events()
            for value in event["exception"]["values"]
        ]
        assert raised == [("RuntimeError", "kaboom-for-sentry")]
    finally:
        sentry_sdk.init(dsn=None)
