"""Account administration: tenant admins at ``/t/{tenant}/api/v1/accounts`` and the
platform operator at ``/api/v1/operator``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from govhall.audit.controllers import AuditPage, query_log
from govhall.audit.services import PLATFORM
from govhall.identity.hygiene import (
    AccountAction,
    AccountPolicy,
    ManagedAccount,
    act_on_account,
    list_accounts,
    set_policy,
)
from govhall.identity.oidc import ClientIn, ClientOut, list_clients, register_client
from govhall.identity.operators import (
    TenantSummary,
    list_tenants,
    require_operator,
    set_tenant_status,
)
from govhall.identity.tokens import Principal
from govhall.services import Services
from govhall.tenancy.operations import (
    PluginOut,
    TenantHealth,
    onboard,
    plugin_registry,
    tenant_health,
)
from govhall.tenancy.schemas import ApplyResult, TenantInfo
from govhall.web.deps import client_ip


class TenantAccountController(Controller):
    path = "/accounts"
    tags = ("identity",)

    @get("/", summary="Public accounts registered on this portal (tenant-wide admin)")
    async def index(
        self,
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        q: Annotated[str, QueryParameter()] = "",
    ) -> list[ManagedAccount]:
        return await list_accounts(tenant, principal, q)

    @put("/policy", status_code=200, summary="Days after which never-used accounts are deleted")
    async def policy(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[AccountPolicy],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
    ) -> AccountPolicy:
        return await set_policy(tenant, principal, data, client_ip(request))

    @post(
        "/{username:str}/{action:str}",
        status_code=200,
        summary="disable | enable | force-reset | delete a public account",
    )
    async def act(
        self,
        request: Request[Any, Any, Any],
        username: FromPath[str],
        action: FromPath[AccountAction],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
    ) -> ManagedAccount | None:
        return await act_on_account(tenant, principal, username, action, client_ip(request))


class OperatorController(Controller):
    path = "/api/v1/operator"
    tags = ("operator",)

    @get("/tenants", summary="Every tenant and its status")
    async def tenants(self, principal: NamedDependency[Principal]) -> list[TenantSummary]:
        return await list_tenants(principal)

    @post(
        "/tenants",
        status_code=201,
        summary="Onboard a tenant from an uploaded tenant.toml (?dry_run=true plans only)",
    )
    async def onboard(
        self,
        request: Request[Any, Any, Any],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
        dry_run: FromQuery[bool] = False,
    ) -> ApplyResult:
        require_operator(principal)
        body = await request.body()
        return await onboard(principal, services.registry, body, dry_run=dry_run)

    @get("/health", summary="Each tenant's health: cases today, open, overdue, failures, storage")
    async def health(self, principal: NamedDependency[Principal]) -> list[TenantHealth]:
        return await tenant_health(principal)

    @get("/plugins", summary="Installed plugins, versions, items and the tenants using them")
    async def plugins(
        self, principal: NamedDependency[Principal], services: NamedDependency[Services]
    ) -> list[PluginOut]:
        return await plugin_registry(principal, services.registry)

    @post("/tenants/{slug:str}/suspend", status_code=204, summary="Suspend a tenant")
    async def suspend(
        self,
        request: Request[Any, Any, Any],
        slug: FromPath[str],
        principal: NamedDependency[Principal],
    ) -> None:
        await set_tenant_status(principal, slug, "suspended", client_ip(request))

    @post("/tenants/{slug:str}/resume", status_code=204, summary="Resume a suspended tenant")
    async def resume(
        self,
        request: Request[Any, Any, Any],
        slug: FromPath[str],
        principal: NamedDependency[Principal],
    ) -> None:
        await set_tenant_status(principal, slug, "active", client_ip(request))

    @get("/accounts", summary="Public accounts (any tenant)")
    async def accounts(
        self,
        principal: NamedDependency[Principal],
        q: Annotated[str, QueryParameter()] = "",
    ) -> list[ManagedAccount]:
        require_operator(principal)
        return await list_accounts(None, principal, q)

    @post("/accounts/{username:str}/{action:str}", status_code=200, summary="Act on an account")
    async def act(
        self,
        request: Request[Any, Any, Any],
        username: FromPath[str],
        action: FromPath[AccountAction],
        principal: NamedDependency[Principal],
    ) -> ManagedAccount | None:
        return await act_on_account(None, principal, username, action, client_ip(request))

    @get("/oidc-clients", summary="Platform OpenID clients (the consoles)")
    async def clients(self, principal: NamedDependency[Principal]) -> list[ClientOut]:
        return await list_clients(None, principal)

    @post("/oidc-clients", status_code=201, summary="Register a console as an OpenID client")
    async def register(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[ClientIn],
        principal: NamedDependency[Principal],
    ) -> ClientOut:
        return await register_client(None, principal, data, client_ip(request))

    @get("/audit", summary="The platform audit chain (operators, accounts, sign-ins)")
    async def audit(
        self,
        principal: NamedDependency[Principal],
        action: Annotated[str | None, QueryParameter()] = None,
        target: Annotated[str | None, QueryParameter()] = None,
        since: Annotated[datetime | None, QueryParameter()] = None,
        until: Annotated[datetime | None, QueryParameter()] = None,
        page: Annotated[int, QueryParameter(ge=1)] = 1,
        page_size: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
    ) -> AuditPage:
        require_operator(principal)
        return await query_log(PLATFORM, action, None, target, since, until, page, page_size)
