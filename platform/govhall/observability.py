"""Sentry set-up in one small tested place: integrations and what is not sent."""

from __future__ import annotations

from typing import Any

import sentry_sdk
from sentry_sdk.integrations.litestar import LitestarIntegration
from sentry_sdk.integrations.rq import RqIntegration
from sentry_sdk.transport import Transport

from govhall.errors import GovhallError
from govhall.settings import Settings


def before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any] | None:
    """Drop the caller's own mistakes (4xx domain errors): they are not bugs."""
    exc_info = hint.get("exc_info")
    if exc_info and isinstance(exc_info[1], GovhallError):
        return None
    return event


def init_sentry(
    settings: Settings,
    *,
    transport: type[Transport] | Transport | None = None,
    component: str = "app",
) -> bool:
    """Start Sentry when ``SENTRY_DSN`` is set; True when it was started."""
    if not settings.sentry_dsn:
        return False
    options: dict[str, Any] = {}
    if transport is not None:
        options["transport"] = transport
    sentry_sdk.init(
        dsn=settings.sentry_dsn,
        environment=settings.env,
        integrations=[LitestarIntegration(), RqIntegration()],
        traces_sample_rate=settings.sentry_traces_sample_rate,
        send_default_pii=False,  # ID numbers and names must not leave the government's hands
        before_send=before_send,  # type: ignore[arg-type]
        server_name=component,
        **options,
    )
    return True
