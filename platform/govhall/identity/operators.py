"""Platform operators (运营人员): a role apart from every tenant, and audited.

Operators sign in with ``{"operator": true}`` at ``/api/v1/auth/token``; they see
and suspend or resume tenants, look after public accounts, and read the
platform audit chain. Tenant APIs refuse them (they are no tenant's staff):
an operator cannot read a tenant's cases.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from govhall import db
from govhall.audit.services import Actor, record
from govhall.errors import Conflict, Forbidden, NotFound
from govhall.i18n import N_
from govhall.identity.passwords import check_password_policy, hash_password
from govhall.identity.tables import Operator
from govhall.identity.tokens import Principal
from govhall.tenancy.tables import Tenant


class TenantSummary(msgspec.Struct, kw_only=True):
    slug: str
    name: str
    level: str
    status: str
    created_at: datetime


def require_operator(principal: Principal) -> Principal:
    if principal.kind != "operator":
        raise Forbidden(N_("只有平台运营人员可以办理"), code="operator_required")
    return principal


async def create_operator(username: str, name: str, password: str) -> None:
    check_password_policy(password, username)
    async with db.transaction():
        if await Operator.exists().where(Operator.username == username):
            raise Conflict(
                N_("用户名 {username} 已被注册"), code="username_taken", username=username
            )
        await Operator(username=username, name=name, password_hash=hash_password(password)).save()
        await record(
            None,
            Actor(kind="system", name="govhall operator create"),
            "operator_created",
            target=username,
        )


async def list_tenants(principal: Principal) -> list[TenantSummary]:
    require_operator(principal)
    rows = await Tenant.select(
        Tenant.slug, Tenant.name, Tenant.level, Tenant.status, Tenant.created_at
    ).order_by(Tenant.slug)
    return [TenantSummary(**row) for row in rows]


async def set_tenant_status(principal: Principal, slug: str, status: str, ip: str) -> None:
    """Suspend (the tenant's portal and APIs answer 503) or resume a tenant."""
    require_operator(principal)
    async with db.transaction():
        changed = (
            await Tenant.update({Tenant.status: status})
            .where(Tenant.slug == slug)
            .returning(Tenant.id)
        )
        if not changed:
            raise NotFound(N_("找不到租户“{slug}”"), code="tenant_not_found", slug=slug)
        await record(
            None,
            Actor(kind="operator", id=str(principal.id), name=principal.name, ip=ip),
            "tenant_suspended" if status == "suspended" else "tenant_resumed",
            target=slug,
        )
