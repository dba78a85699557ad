"""The tenant's audit log for its administrators: ``/t/{tenant}/api/v1/audit``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from govhall.audit.services import chain_of
from govhall.audit.tables import AuditEntry
from govhall.errors import Forbidden
from govhall.i18n import N_
from govhall.identity.access import require_staff_of
from govhall.identity.services import admin_scope
from govhall.identity.tokens import Principal
from govhall.tenancy.schemas import TenantInfo


class AuditEntryOut(msgspec.Struct, kw_only=True):
    seq: int
    at: datetime
    actor_kind: str
    actor_id: str
    actor_name: str
    action: str
    target: str
    ip: str
    detail: dict[str, Any]
    hash: str


class AuditPage(msgspec.Struct, kw_only=True):
    items: list[AuditEntryOut]
    total: int
    page: int
    page_size: int


class AuditController(Controller):
    path = "/audit"
    tags = ("audit",)

    @get("/", summary="The tenant's audit log, newest first (tenant admin)")
    async def entries(
        self,
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        action: Annotated[str | None, QueryParameter()] = None,
        actor: Annotated[str | None, QueryParameter(description="actor id")] = None,
        target: Annotated[str | None, QueryParameter()] = None,
        since: Annotated[datetime | None, QueryParameter()] = None,
        until: Annotated[datetime | None, QueryParameter()] = None,
        page: Annotated[int, QueryParameter(ge=1)] = 1,
        page_size: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
    ) -> AuditPage:
        staff = require_staff_of(principal, tenant)
        if not await admin_scope(staff.id, tenant.id):
            raise Forbidden(N_("只有管理员可以查看审计日志"), code="tenant_admin_required")
        return await query_log(
            chain_of(tenant.id), action, actor, target, since, until, page, page_size
        )


async def query_log(
    chain: str,
    action: str | None,
    actor: str | None,
    target: str | None,
    since: datetime | None,
    until: datetime | None,
    page: int,
    page_size: int,
) -> AuditPage:
    """One chain's entries, newest first, filtered (for tenant admins and operators)."""
    where: Any = AuditEntry.chain == chain
    if action:
        where &= AuditEntry.action == action
    if actor:
        where &= AuditEntry.actor_id == actor
    if target:
        where &= AuditEntry.target == target
    if since:
        where &= AuditEntry.at >= since
    if until:
        where &= AuditEntry.at <= until
    total = await AuditEntry.count().where(where)
    rows = (
        await AuditEntry.select()
        .output(load_json=True)
        .where(where)
        .order_by(AuditEntry.seq, ascending=False)
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return AuditPage(
        items=[
            AuditEntryOut(
                seq=r["seq"],
                at=r["at"],
                actor_kind=r["actor_kind"],
                actor_id=r["actor_id"],
                actor_name=r["actor_name"],
                action=r["action"],
                target=r["target"],
                ip=r["ip"],
                detail=r["detail"] or {},
                hash=r["hash"],
            )
            for r in rows
        ],
        total=total,
        page=page,
        page_size=page_size,
    )
