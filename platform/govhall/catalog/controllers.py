"""The tenant's item catalogue: ``/t/{tenant}/api/v1/items``."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from govhall.catalog.schemas import ItemGuide, ItemSummary
from govhall.services import Services
from govhall.tenancy.schemas import TenantInfo


class ItemController(Controller):
    path = "/items"
    tags = ("catalog",)

    @get("/", summary="Items published by this tenant")
    async def list_items(
        self, tenant: NamedDependency[TenantInfo], services: NamedDependency[Services]
    ) -> list[ItemSummary]:
        items = await services.catalog.tenant_items(tenant)
        return [services.catalog.summary(item) for item in items]

    @get("/{code:str}", summary="An item's full service guide (办事指南)")
    async def guide(
        self,
        code: FromPath[str],
        tenant: NamedDependency[TenantInfo],
        services: NamedDependency[Services],
    ) -> ItemGuide:
        return services.catalog.guide(await services.catalog.tenant_item(tenant, code))
