"""The org tree for staff, edited by administrators: ``/t/{tenant}/api/v1/org-units``."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from govhall.cases.numbering import (
    SerialFormatIn,
    SerialFormatOut,
    describe_format,
    set_serial_format,
)
from govhall.identity.access import require_staff_of
from govhall.identity.tokens import Principal
from govhall.services import Services
from govhall.tenancy.enablement import (
    EnablementIn,
    EnablementOut,
    ItemSettingIn,
    set_enablement,
    set_item_setting,
)
from govhall.tenancy.orgtree import (
    MoveIn,
    UnitIn,
    UnitOut,
    UnitUpdate,
    create_unit,
    delete_unit,
    move_unit,
    org_tree,
    update_unit,
)
from govhall.tenancy.schemas import TenantInfo
from govhall.web.deps import client_ip


class OrgUnitController(Controller):
    path = "/org-units"
    tags = ("tenancy",)

    @get("/", summary="The tenant's org tree, parents first")
    async def index(
        self,
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        locale: NamedDependency[str],
    ) -> list[UnitOut]:
        return await org_tree(tenant, principal, locale)

    @post("/", status_code=201, summary="Add a unit under one the administrator manages")
    async def create(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[UnitIn],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
    ) -> UnitOut:
        return await create_unit(tenant, principal, data, client_ip(request))

    @patch("/{code:str}", status_code=204, summary="Rename a unit or change its kind")
    async def update(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        data: JSONBody[UnitUpdate],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
    ) -> None:
        await update_unit(tenant, principal, code, data, client_ip(request))

    @post("/{code:str}/move", status_code=204, summary="Move a unit and its subtree")
    async def move(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        data: JSONBody[MoveIn],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
    ) -> None:
        await move_unit(tenant, principal, code, data, client_ip(request))

    @put(
        "/{code:str}/enablement",
        status_code=200,
        summary="The plugins and items a department / town / village offers (R-P7)",
    )
    async def enablement(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        data: JSONBody[EnablementIn],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> EnablementOut:
        return await set_enablement(
            tenant, principal, code, data, services.registry, client_ip(request)
        )

    @delete("/{code:str}", status_code=204, summary="Remove a unit nothing refers to")
    async def remove(
        self,
        request: Request[Any, Any, Any],
        code: FromPath[str],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
    ) -> None:
        await delete_unit(tenant, principal, code, client_ip(request))


class ItemSettingController(Controller):
    path = "/item-settings"
    tags = ("tenancy",)

    @put("/{item_code:str}", status_code=200, summary="An item's local settings (R-P7)")
    async def put_setting(
        self,
        request: Request[Any, Any, Any],
        item_code: FromPath[str],
        data: JSONBody[ItemSettingIn],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> ItemSettingIn:
        return await set_item_setting(
            tenant, principal, item_code, data, services.registry, client_ip(request)
        )


class SerialFormatController(Controller):
    path = "/serial-format"
    tags = ("tenancy",)

    @get("/", summary="The 办件编号 format and an example")
    async def show(
        self, tenant: NamedDependency[TenantInfo], principal: NamedDependency[Principal]
    ) -> SerialFormatOut:
        require_staff_of(principal, tenant)
        return describe_format(tenant)

    @put("/", summary="Change the 办件编号 format (tenant-wide administrators)")
    async def change(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[SerialFormatIn],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
    ) -> SerialFormatOut:
        return await set_serial_format(tenant, principal, data, client_ip(request))
