"""Account registration and token issue: ``/api/v1/accounts``, ``/api/v1/auth/token``."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from govhall.identity.schemas import AccountCreate, AccountOut, TokenOut, TokenRequest
from govhall.identity.services import issue_token, register_account
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
