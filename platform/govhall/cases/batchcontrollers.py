"""Batch cases (批量办件) under ``/t/{tenant}/api/v1/batches``: the spreadsheet
template, creating a batch from an XLSX file or from rows/typed lines, its rows,
removing rows, the one acceptance, and the receipts list."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, JSONBody

from govhall.cases.batches import (
    BatchAccept,
    BatchIn,
    BatchSummary,
    RowOut,
    RowsRemoval,
    accept_batch,
    batch_rows,
    batch_summary,
    create_batch,
    read_typed,
    read_xlsx,
    receipts_download,
    remove_rows,
    require_clerk,
    template_xlsx,
)
from govhall.errors import InvalidInput
from govhall.i18n import N_
from govhall.identity.access import require_staff_of
from govhall.identity.tokens import Principal
from govhall.services import Services
from govhall.tenancy.schemas import TenantInfo

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: The largest batch spreadsheet taken (20,000 rows of a few columns is ~1 MB).
MAX_XLSX_BYTES = 8 * 1024 * 1024


class BatchCreate(BatchIn, kw_only=True, forbid_unknown_fields=True):
    rows: list[dict[str, Any]] = msgspec.field(default_factory=list)
    """One object per person (numbered from 1), or ``typed`` lines instead."""
    typed: str = ""


class RowsPage(msgspec.Struct, kw_only=True):
    rows: list[RowOut]
    total: int
    page: int


async def xlsx_rows(services: Services, tenant: TenantInfo, item_code: str, upload: Any) -> Any:
    """Read an uploaded batch spreadsheet (refusing what is not one)."""
    if not isinstance(upload, UploadFile):
        raise InvalidInput(N_("请选择名单文件"), code="batch_file_required")
    try:
        content = await upload.read(MAX_XLSX_BYTES + 1)
    finally:
        await upload.close()
    if len(content) > MAX_XLSX_BYTES:
        raise InvalidInput(N_("名单文件过大，请分批导入"), code="batch_file_too_large")
    spec = (await services.catalog.tenant_item(tenant, item_code)).installed.spec
    return read_xlsx(spec, content)


class BatchController(Controller):
    path = "/batches"
    tags = ("cases",)

    @get("/template/{item_code:str}", summary="The batch spreadsheet template of an item (XLSX)")
    async def template(
        self,
        item_code: FromPath[str],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
        locale: NamedDependency[str],
    ) -> Response[bytes]:
        require_staff_of(principal, tenant)
        spec = (await services.catalog.tenant_item(tenant, item_code)).installed.spec
        return Response(
            template_xlsx(spec, locale),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="batch-{spec.code}.xlsx"'},
        )

    @post("/", status_code=201, summary="Create a batch from rows or typed lines (JSON)")
    async def create(
        self,
        data: JSONBody[BatchCreate],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> BatchSummary:
        await require_clerk(tenant, principal)
        spec = (await services.catalog.tenant_item(tenant, data.item_code)).installed.spec
        rows = (
            read_typed(spec, data.typed)
            if data.typed.strip()
            else [(i, r) for i, r in enumerate(data.rows, start=1)]
        )
        source = "typed" if data.typed.strip() else "rows"
        return await create_batch(services, tenant, principal, data, rows, source)

    @post("/xlsx", status_code=201, summary="Create a batch from the filled-in template")
    async def create_from_xlsx(
        self,
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> BatchSummary:
        await require_clerk(tenant, principal)
        try:
            batch = msgspec.json.decode(str(data.get("batch") or ""), type=BatchIn)
        except msgspec.DecodeError as exc:
            raise InvalidInput(
                N_("批次信息有误：{problem}"), code="invalid_batch", problem=str(exc)
            ) from exc
        rows = await xlsx_rows(services, tenant, batch.item_code, data.get("file"))
        return await create_batch(services, tenant, principal, batch, rows, "xlsx")

    @get("/{batch_id:uuid}", summary="A batch's counts")
    async def summary(
        self,
        batch_id: FromPath[uuid.UUID],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> BatchSummary:
        return await batch_summary(services, tenant, principal, batch_id)

    @get("/{batch_id:uuid}/rows", summary="A page of a batch's rows with errors and failed checks")
    async def rows(
        self,
        batch_id: FromPath[uuid.UUID],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        show: FromQuery[str] = "problems",
        page: FromQuery[int] = 1,
    ) -> RowsPage:
        found, total = await batch_rows(tenant, principal, batch_id, show=show, page=page)
        return RowsPage(rows=found, total=total, page=page)

    @post("/{batch_id:uuid}/removals", status_code=200, summary="Remove rows (or put them back)")
    async def remove(
        self,
        batch_id: FromPath[uuid.UUID],
        data: JSONBody[RowsRemoval],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> BatchSummary:
        return await remove_rows(services, tenant, principal, batch_id, data)

    @post("/{batch_id:uuid}/acceptance", status_code=200, summary="Accept the batch: a case each")
    async def accept(
        self,
        batch_id: FromPath[uuid.UUID],
        data: JSONBody[BatchAccept],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> BatchSummary:
        return await accept_batch(services, tenant, principal, batch_id, data)

    @get("/{batch_id:uuid}/receipts", summary="Every person's serial number and fee (XLSX)")
    async def receipts(
        self,
        batch_id: FromPath[uuid.UUID],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
        locale: NamedDependency[str],
    ) -> Response[bytes]:
        content = await receipts_download(services, tenant, principal, batch_id, locale)
        return Response(
            content,
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="batch-{batch_id}.xlsx"'},
        )
