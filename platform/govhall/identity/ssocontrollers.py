"""OpenID provider endpoints (``/oidc``), client and upstream-provider registration
(``/t/{tenant}/api/v1``), and federated sign-in (``/t/{tenant}/sso/{key}``)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Redirect

from govhall.identity.federation import (
    ProviderIn,
    ProviderOut,
    add_provider,
    begin,
    finish,
    list_providers,
)
from govhall.identity.oidc import (
    ClientIn,
    ClientOut,
    Provider,
    authorize,
    discovery,
    jwks,
    list_clients,
    load_client,
    register_client,
    remove_client,
    token,
    userinfo,
)
from govhall.identity.tokens import Principal
from govhall.services import Services
from govhall.tenancy.schemas import TenantInfo
from govhall.web.deps import client_ip
from govhall.web.websession import login_redirect, safe_next, session_principal, sign_in


def _provider(request: Request[Any, Any, Any]) -> Provider:
    provider: Provider = request.app.state.oidc
    return provider


class OidcController(Controller):
    path = "/oidc"
    tags = ("sso",)

    @get("/.well-known/openid-configuration", summary="OpenID provider metadata")
    async def metadata(self, services: NamedDependency[Services]) -> dict[str, Any]:
        return discovery(services.settings)

    @get("/jwks", summary="The keys ID tokens are signed with")
    async def keys(self, services: NamedDependency[Services]) -> dict[str, Any]:
        return jwks(services.settings.secret_key)

    @get("/authorize", summary="Authorization endpoint (browser, signed-in web session)")
    async def authorize(self, request: Request[Any, Any, Any]) -> Response[Any]:
        found = session_principal(request)
        principal, auth_time = found if found else (None, 0)
        response = await authorize(_provider(request), request, principal, auth_time)
        if response is None:
            client = await load_client(request.query_params.get("client_id", ""))
            return login_redirect(request, client.tenant_slug or "" if client else "")
        return response

    @post("/token", status_code=200, summary="Token endpoint (client authenticated)")
    async def token(self, request: Request[Any, Any, Any]) -> Response[Any]:
        return await token(_provider(request), request)

    @get("/userinfo", summary="Claims about the bearer token's holder")
    async def userinfo(self, principal: NamedDependency[Principal]) -> dict[str, Any]:
        return userinfo(principal)


class SsoAdminController(Controller):
    tags = ("sso",)

    @get("/oidc-clients", summary="Systems that sign in through govhall (tenant admin)")
    async def clients(
        self, tenant: NamedDependency[TenantInfo], principal: NamedDependency[Principal]
    ) -> list[ClientOut]:
        return await list_clients(tenant, principal)

    @post("/oidc-clients", status_code=201, summary="Register a system as an OpenID client")
    async def register(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[ClientIn],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
    ) -> ClientOut:
        return await register_client(tenant, principal, data, client_ip(request))

    @delete("/oidc-clients/{client_id:str}", status_code=204, summary="Remove a client")
    async def remove(
        self,
        request: Request[Any, Any, Any],
        client_id: FromPath[str],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
    ) -> None:
        await remove_client(tenant, principal, client_id, client_ip(request))

    @get("/sso-providers", summary="Upstream identity providers (tenant admin)")
    async def providers(
        self, tenant: NamedDependency[TenantInfo], principal: NamedDependency[Principal]
    ) -> list[ProviderOut]:
        return await list_providers(tenant, principal)

    @post("/sso-providers", status_code=201, summary="Federate sign-in to an upstream provider")
    async def add_provider(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[ProviderIn],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
    ) -> ProviderOut:
        return await add_provider(tenant, principal, data, client_ip(request))


class FederationController(Controller):
    path = "/sso"
    tags = ("sso",)

    @get(
        "/{key:str}/login", summary="Sign in through the upstream provider", include_in_schema=False
    )
    async def login(
        self,
        request: Request[Any, Any, Any],
        key: FromPath[str],
        tenant: NamedDependency[TenantInfo],
        services: NamedDependency[Services],
        next: FromQuery[str] = "/",
    ) -> Redirect:
        url = await begin(tenant, key, services.settings, request.session, safe_next(next))
        request.set_session(dict(request.session))
        return Redirect(url, status_code=302)

    @get(
        "/{key:str}/callback", summary="Return from the upstream provider", include_in_schema=False
    )
    async def callback(
        self,
        request: Request[Any, Any, Any],
        key: FromPath[str],
        tenant: NamedDependency[TenantInfo],
        services: NamedDependency[Services],
    ) -> Redirect:
        pending = dict(request.session).get("sso")
        principal, target = await finish(
            tenant, key, services.settings, pending, dict(request.query_params), client_ip(request)
        )
        await sign_in(request, principal)
        return Redirect(safe_next(target), status_code=303)
