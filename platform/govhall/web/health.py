"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

from typing import Any

from litestar import MediaType, Response, get
from litestar.di import NamedDependency

from govhall import db
from govhall.services import Services


@get("/healthz", tags=["health"], summary="The process is alive", media_type=MediaType.JSON)
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@get(
    "/readyz",
    tags=["health"],
    summary="Database, job queue and blob store all answer",
    media_type=MediaType.JSON,
)
async def readyz(services: NamedDependency[Services]) -> Response[dict[str, Any]]:
    checks: dict[str, str] = {}
    for name, probe in (
        ("database", db.ping),
        ("queue", services.queue.ping),
        ("storage", services.blobs.ping),
    ):
        try:
            await probe()
            checks[name] = "ok"
        except Exception as exc:  # a probe reports any failure, it never raises
            checks[name] = f"error: {type(exc).__name__}: {exc}"[:300]
    ready = all(value == "ok" for value in checks.values())
    return Response(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status_code=200 if ready else 503,
    )
