"""Account registration and token issue: ``/api/v1/accounts``, ``/api/v1/auth/token``."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from govhall.identity.schemas import (
    AccountCreate,
    AccountOut,
    LogoutRequest,
    RefreshRequest,
    TokenOut,
    TokenRequest,
)
from govhall.identity.services import issue_token, register_account
from govhall.identity.sessions import logout, refresh
from govhall.identity.tokens import Principal
from govhall.services import Services
from govhall.web.deps import client_ip


class AccountController(Controller):
    path = "/api/v1"
    tags = ("identity",)

    @post("/accounts", status_code=201, summary="Register a public account (个人/法人注册)")
    async def register(self, data: JSONBody[AccountCreate]) -> AccountOut:
        return await register_account(data)

    @post("/auth/token", status_code=200, summary="Log in and get a bearer token")
    async def token(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[TokenRequest],
        services: NamedDependency[Services],
    ) -> TokenOut:
        return await issue_token(data, services.tokens, client_ip(request))

    @post("/auth/refresh", status_code=200, summary="Exchange a refresh token for a new pair")
    async def refresh_token(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[RefreshRequest],
        services: NamedDependency[Services],
    ) -> TokenOut:
        return await refresh(data.refresh_token, services.tokens, client_ip(request))

    @post("/auth/logout", status_code=204, summary="Revoke this access token and its refresh chain")
    async def logout(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[LogoutRequest],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> None:
        await logout(principal, data.refresh_token, services.revoked, client_ip(request))
