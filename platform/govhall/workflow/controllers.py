"""Work lists and flow definitions under ``/t/{tenant}/api/v1``."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from govhall.cases.search import CasePage, done_by, entered_by
from govhall.identity.access import require_staff_of
from govhall.identity.tokens import Principal
from govhall.services import Services
from govhall.tenancy.schemas import TenantInfo
from govhall.workflow.flows import (
    FlowOverview,
    FlowSave,
    FlowVersion,
    flow_overview,
    flow_version,
    save_flow,
)
from govhall.workflow.schemas import WorkFilter, WorklistPage
from govhall.workflow.services import MAX_PAGE_SIZE, worklist


class WorklistController(Controller):
    path = "/worklist"
    tags = ("workflow",)

    @get("/", summary="Open tasks the caller may act on (待办)")
    async def list_tasks(
        self,
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
        locale: NamedDependency[str],
        page: Annotated[int, QueryParameter(ge=1)] = 1,
        page_size: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_SIZE)] = 20,
        item_code: FromQuery[str] = "",
        unit: FromQuery[str] = "",
        signal: FromQuery[str] = "",
        kind: FromQuery[str] = "",
        sort: FromQuery[str] = "oldest",
    ) -> WorklistPage:
        """Filters: ``item_code``, ``unit`` (an org unit code, with its subtree),
        ``signal`` (overdue | near), ``kind`` (pre_review), ``sort`` (oldest | newest | due)."""
        filters = WorkFilter(item_code=item_code, unit=unit, signal=signal, kind=kind, sort=sort)
        return await worklist(
            tenant, principal, services.registry, locale, page, page_size, filters
        )

    @get("/entered", summary="Cases the caller entered for applicants (代办件)")
    async def entered(
        self,
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
        locale: NamedDependency[str],
        page: Annotated[int, QueryParameter(ge=1)] = 1,
    ) -> CasePage:
        return await entered_by(tenant, principal, services.registry, locale, page)

    @get("/done", summary="Cases the caller handled a step of (已办)")
    async def done(
        self,
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
        locale: NamedDependency[str],
        page: Annotated[int, QueryParameter(ge=1)] = 1,
    ) -> CasePage:
        return await done_by(tenant, principal, services.registry, locale, page)


class FlowController(Controller):
    """Each item's flow in this tenant: the one in use, its versions, and saving a copy."""

    path = "/flows"
    tags = ("workflow",)

    @get("/{item_code:str}", summary="The flow new cases of an item start on, and its versions")
    async def overview(
        self,
        item_code: FromPath[str],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
        department: FromQuery[str | None] = None,
    ) -> FlowOverview:
        require_staff_of(principal, tenant)
        item = await services.catalog.tenant_item(tenant, item_code)
        return await flow_overview(tenant, item.installed, department, services.registry)

    @get("/{item_code:str}/versions/{version:int}", summary="One version of an item's flow")
    async def version(
        self,
        item_code: FromPath[str],
        version: FromPath[int],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
        department: FromQuery[str | None] = None,
    ) -> FlowVersion:
        require_staff_of(principal, tenant)
        item = await services.catalog.tenant_item(tenant, item_code)
        return await flow_version(tenant, item.installed, version, department, services.registry)

    @post(
        "/{item_code:str}",
        status_code=201,
        summary="Save a changed flow as the next version (tenant or department admin)",
    )
    async def save(
        self,
        item_code: FromPath[str],
        data: JSONBody[FlowSave],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> FlowVersion:
        staff = require_staff_of(principal, tenant)
        item = await services.catalog.tenant_item(tenant, item_code)
        return await save_flow(tenant=tenant, staff=staff, installed=item.installed, data=data)
