"""Staff and role grants for administrators: ``/t/{tenant}/api/v1/staff``."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from govhall.identity.roles import (
    RoleIn,
    RoleOut,
    RoleUpdate,
    define_role,
    delete_role,
    list_roles,
    update_role,
)
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


class RoleController(Controller):
    path = "/roles"
    tags = ("identity",)

    @get("/", summary="Built-in functions and the tenant's roles")
    async def index(
        self,
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        locale: NamedDependency[str],
    ) -> list[RoleOut]:
        return await list_roles(tenant, principal, locale)

    @post("/", status_code=201, summary="Define a role (a set of functions) at a unit in scope")
    async def create(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[RoleIn],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        locale: NamedDependency[str],
    ) -> RoleOut:
        return await define_role(tenant, principal, data, locale, client_ip(request))

    @patch("/{code:str}", status_code=200, summary="Rename a role or change its functions")
    async def update(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        data: JSONBody[RoleUpdate],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        locale: NamedDependency[str],
    ) -> RoleOut:
        return await update_role(tenant, principal, code, data, locale, client_ip(request))

    @delete("/{code:str}", status_code=204, summary="Delete a role no one holds")
    async def remove(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
    ) -> None:
        await delete_role(tenant, principal, code, client_ip(request))
