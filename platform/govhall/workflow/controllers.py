"""The staff work list: ``/t/{tenant}/api/v1/worklist``."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from govhall.identity.tokens import Principal
from govhall.services import Services
from govhall.tenancy.schemas import TenantInfo
from govhall.workflow.schemas import WorklistPage
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
    ) -> WorklistPage:
        return await worklist(tenant, principal, services.registry, locale, page, page_size)
