"""Staff and role grants for administrators: ``/t/{tenant}/api/v1/staff``."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from govhall.identity.staffadmin import (
    GrantIn,
    StaffIn,
    StaffOut,
    change_grant,
    create_staff,
    list_staff,
)
from govhall.identity.tokens import Principal
from govhall.tenancy.schemas import TenantInfo
from govhall.web.deps import client_ip


class StaffController(Controller):
    path = "/staff"
    tags = ("identity",)

    @get("/", summary="Staff within the administrator's scope, with their grants")
    async def index(
        self,
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        locale: NamedDependency[str],
    ) -> list[StaffOut]:
        return await list_staff(tenant, principal, locale)

    @post("/", status_code=201, summary="Create a staff member (with grants in scope)")
    async def create(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[StaffIn],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        locale: NamedDependency[str],
    ) -> StaffOut:
        return await create_staff(tenant, principal, data, locale, client_ip(request))

    @post("/{username:str}/grants", status_code=200, summary="Grant a role on a unit in scope")
    async def grant(
        self,
        request: Request[Any, Any, Any],
        username: FromPath[str],
        data: JSONBody[GrantIn],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        locale: NamedDependency[str],
    ) -> StaffOut:
        return await change_grant(
            tenant, principal, username, data, revoke=False, locale=locale, ip=client_ip(request)
        )

    @post("/{username:str}/grants/revoke", status_code=200, summary="Revoke a role on a unit")
    async def revoke(
        self,
        request: Request[Any, Any, Any],
        username: FromPath[str],
        data: JSONBody[GrantIn],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        locale: NamedDependency[str],
    ) -> StaffOut:
        return await change_grant(
            tenant, principal, username, data, revoke=True, locale=locale, ip=client_ip(request)
        )
