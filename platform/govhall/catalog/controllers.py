"""The tenant's item catalogue (``/t/{tenant}/api/v1/items``) and the platform's
libraries (``/api/v1/library``)."""

from __future__ import annotations

import mimetypes
from typing import Any, Literal

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from govhall.catalog.schemas import ItemGuide, ItemSummary, ItemVersionOut, LibraryItem, Regulation
from govhall.identity.services import applicant_facts
from govhall.identity.tokens import Principal
from govhall.services import Services
from govhall.tenancy.schemas import TenantInfo


def _file(name: str, content: bytes) -> Response[bytes]:
    media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )


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
        return services.catalog.guide(await services.catalog.tenant_item(tenant, code), tenant)

    @get("/{code:str}/versions", summary="Published versions of an item's declaration")
    async def versions(
        self,
        code: FromPath[str],
        tenant: NamedDependency[TenantInfo],
        services: NamedDependency[Services],
    ) -> list[ItemVersionOut]:
        await services.catalog.tenant_item(tenant, code)
        return await services.catalog.versions(code)

    @get("/{code:str}/samples/{material:str}", summary="A material's sample file (样表)")
    async def material_sample(
        self,
        code: FromPath[str],
        material: FromPath[str],
        tenant: NamedDependency[TenantInfo],
        services: NamedDependency[Services],
    ) -> Response[bytes]:
        item = await services.catalog.tenant_item(tenant, code)
        return _file(*services.catalog.sample(item, material))

    @get("/{code:str}/result-sample", summary="A sample of the item's result (结果样本)")
    async def result_sample(
        self,
        code: FromPath[str],
        tenant: NamedDependency[TenantInfo],
        services: NamedDependency[Services],
    ) -> Response[bytes]:
        item = await services.catalog.tenant_item(tenant, code)
        return _file(*services.catalog.sample(item, None))

    @get("/{code:str}/prefill", summary="Form values prefilled for the signed-in applicant")
    async def prefill(
        self,
        code: FromPath[str],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> dict[str, Any]:
        item = await services.catalog.tenant_item(tenant, code)
        applicant = await applicant_facts(principal)
        return await services.registry.prefill(item.installed, applicant, tenant.slug)


class LibraryController(Controller):
    path = "/api/v1/library"
    tags = ("library",)

    @get("/items", summary="The item library: 政务服务事项库 / 便民服务事项库")
    async def items(
        self,
        services: NamedDependency[Services],
        library: FromQuery[Literal["government", "convenience"] | None] = None,
    ) -> list[LibraryItem]:
        return services.catalog.library_items(library)

    @get("/regulations", summary="The regulation library (法律法规库) with citing items")
    async def regulations(self, services: NamedDependency[Services]) -> list[Regulation]:
        return services.catalog.regulations()
