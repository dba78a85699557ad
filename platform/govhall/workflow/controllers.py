"""The staff work list: ``/t/{tenant}/api/v1/worklist``."""

from __future__ import annotations

from litestar import Controller, get
from litestar.params import Parameter

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
        tenant: TenantInfo,
        principal: Principal,
        services: Services,
        locale: str,
        page: int = Parameter(default=1, ge=1),
        page_size: int = Parameter(default=20, ge=1, le=MAX_PAGE_SIZE),
    ) -> WorklistPage:
        return await worklist(tenant, principal, services.registry, locale, page, page_size)
