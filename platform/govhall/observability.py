"""Sentry set-up in one small tested place: integrations and what is not sent.

The SDK is imported only when Sentry is started: importing it and its integrations
costs ~0.3 s of every process start, and most installations run without it."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from govhall.errors import GovhallError
from govhall.settings import Settings

if TYPE_CHECKING:
    from sentry_sdk.transport import Transport


def before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any] | None:
    """Drop the caller's own mistakes (4xx domain errors): they are not bugs."""
    exc_info = hint.get("exc_info")
    if exc_info and isinstance(exc_info[1], GovhallError):
        return None
    request = event.get("request")
    if isinstance(request, dict) and request.get("query_string"):
        request["query_string"] = "[filtered]"  # progress queries carry the 查询码
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
    import sentry_sdk
    from sentry_sdk.integrations.litestar import LitestarIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration
    from sentry_sdk.integrations.rq import RqIntegration

    options: dict[str, Any] = {}
    if transport is not None:
        options["transport"] = transport
    sentry_sdk.init(
        dsn=settings.sentry_dsn,
        environment=settings.env,
        integrations=[
            LitestarIntegration(),
            RqIntegration(),
            # Errors become events through the framework and job integrations; logging adds
            # breadcrumbs only, so one crash is one event, not two.
            LoggingIntegration(level=logging.INFO, event_level=None),
        ],
        traces_sample_rate=settings.sentry_traces_sample_rate,
        # ID numbers, names, forms and query codes must not leave the government's hands.
        data_collection={
            "user_info": False,
            "http_bodies": [],
            "database_query_data": False,
            "stack_frame_variables": False,
        },
        before_send=before_send,  # type: ignore[arg-type]
        server_name=component,
        **options,
    )
    return True
