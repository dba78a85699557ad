"""Request dependencies: services, language, caller and tenant."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar._kwargs.cleanup import DependencyCleanupGroup
from litestar._kwargs.dependencies import resolve_dependency
from litestar._kwargs.kwargs_model import KwargsModel
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.enums import ScopeType
from litestar.params import FromPath
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from govhall import db
from govhall.errors import Unauthorized
from govhall.i18n import N_, negotiate_locale
from govhall.identity.sessions import is_revoked
from govhall.identity.tokens import Principal
from govhall.services import Services
from govhall.tenancy.schemas import TenantInfo
from govhall.tenancy.services import resolve_tenant


def provide_services(state: State) -> Services:
    services: Services = state.services
    return services


def client_ip(request: Request) -> str:  # type: ignore[type-arg]
    """The caller's address as the server saw it (a reverse proxy must pass the
    client's address through, e.g. uvicorn's ``--forwarded-allow-ips``)."""
    return request.client.host if request.client else ""


def provide_locale(request: Request) -> str:  # type: ignore[type-arg]
    return negotiate_locale(request.headers.get("accept-language"))


async def provide_principal(request: Request, services: NamedDependency[Services]) -> Principal:  # type: ignore[type-arg]
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(N_("请先登录"), code="login_required")
    principal = services.tokens.verify(token.strip())
    if await is_revoked(principal, services.revoked):
        raise Unauthorized(N_("您已退出登录，请重新登录"), code="token_revoked")
    return principal


async def provide_tenant(
    tenant_slug: FromPath[str], services: NamedDependency[Services]
) -> TenantInfo:
    directory = services.tenants
    if directory is not None:
        tenant = await directory.resolve(tenant_slug)
    else:
        tenant = await resolve_tenant(tenant_slug)
    db.enter_tenant(tenant.id)
    return tenant


def connection_per_request(app: ASGIApp) -> ASGIApp:
    """An HTTP request's statements share one pooled connection on PostgreSQL
    (:func:`govhall.db.one_connection`), given back when the response starts."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        async with db.one_connection() as give_back:

            async def send_after_giving_back(message: Message) -> None:
                if message["type"] == "http.response.start":
                    await give_back()
                await send(message)

            await app(scope, receive, send_after_giving_back)

    return middleware


def tenant_scope_middleware(app: ASGIApp) -> ASGIApp:
    """Give every request its own tenant scope (empty until a tenant dependency enters
    one), so a tenant never leaks from one request into the next."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await app(scope, receive, send)
            return
        token = db.current_tenant.set(db.TenantScope())
        try:
            await app(scope, receive, send)
        finally:
            # A caller in the same task (an in-process client, a test) gets its own back.
            db.current_tenant.reset(token)

    return middleware


#: Litestar's own method, kept to check that the replacement still matches it.
LITESTAR_RESOLVE = KwargsModel.resolve_dependencies


async def _resolve_in_turn(
    self: KwargsModel, connection: ASGIConnection[Any, Any, Any, Any], kwargs: dict[str, Any]
) -> DependencyCleanupGroup:
    cleanup_group = DependencyCleanupGroup()
    for batch in self.dependency_batches:
        for dependency in batch:
            await resolve_dependency(dependency, connection, kwargs, cleanup_group)
    return cleanup_group


def resolve_dependencies_in_turn() -> None:
    """Resolve each request's dependencies one after another.

    Litestar resolves the dependencies of one level concurrently, in an anyio task
    group per request. govhall's are a dictionary lookup (services), a header parse
    (language), and at most one statement each (tenant, caller) — nothing worth
    overlapping, and two at once would hold two pooled connections — so the task
    group, its tasks and cancel scopes were pure cost: ~10 % of the public progress
    query's CPU (py-spy, issue 10). Litestar offers no setting for it; this replaces
    its ``KwargsModel.resolve_dependencies`` with the same resolution in sequence
    (``tests/web/test_dependencies.py`` checks the method it replaces still exists
    with the same parameters, so an upgrade that changes it fails there).
    """
    KwargsModel.resolve_dependencies = _resolve_in_turn  # type: ignore[method-assign]
