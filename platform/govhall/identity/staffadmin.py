"""Staff accounts and role grants, administered within the administrator's scope.

分级授权: an administrator holds ``tenant_admin`` on an org unit and may create
staff and grant or revoke roles only on that unit and the units below it — a
town's administrator manages the town and its villages, never the county
above. Every grant, revocation and refused attempt is in the audit log.
"""

from __future__ import annotations

import uuid
from typing import Any

import msgspec

from govhall import db
from govhall.audit.services import Actor, record
from govhall.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from govhall.i18n import N_, label
from govhall.identity.passwords import check_password_policy, hash_password
from govhall.identity.roles import grantable_role, role_labels
from govhall.identity.services import (
    Grant,
    forget_grants,
    in_scope,
    refuse_outside_scope,
    require_admin_scope,
)
from govhall.identity.tables import RoleGrant, Staff
from govhall.identity.tokens import Principal
from govhall.tenancy.schemas import TenantInfo
from govhall.tenancy.services import unit_by_code


class GrantIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    role: str
    """A function (clerk, handler …) or the code of a tenant-defined role."""
    org_unit: str
    """Org unit code."""
    position: str = ""
    """岗位 (e.g. 分管领导), matched to flow steps that name a position."""


class GrantOut(msgspec.Struct, kw_only=True):
    role: str
    role_label: str
    org_unit: str
    position: str = ""


class StaffIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    username: str
    name: str
    password: str
    grants: list[GrantIn] = msgspec.field(default_factory=list)


class StaffOut(msgspec.Struct, kw_only=True):
    username: str
    name: str
    status: str
    grants: list[GrantOut]


async def _check_grant(
    tenant: TenantInfo, admin: Principal, scope: list[Grant], grant: GrantIn, ip: str
) -> dict[str, Any]:
    role_unit = await grantable_role(tenant.id, grant.role)
    if len(grant.position) > 32:
        raise InvalidInput(N_("岗位名称不能超过 32 个字"), code="invalid_position")
    unit = await unit_by_code(tenant.id, grant.org_unit)
    if not in_scope(scope, str(unit["path"])):
        raise await refuse_outside_scope(
            tenant.id, admin, ip, "role_grant_refused", grant.org_unit, role=grant.role
        )
    if role_unit and not str(unit["path"]).startswith(role_unit):
        raise InvalidInput(
            N_("角色“{role}”只能授予其所属机构及下级机构的人员"),
            code="role_outside_its_unit",
            role=grant.role,
        )
    return unit


async def _staff(tenant: TenantInfo, username: str) -> Staff:
    staff = (
        await Staff.objects()
        .where((Staff.tenant == tenant.id) & (Staff.username == username))
        .first()
    )
    if staff is None:
        raise NotFound(N_("找不到该工作人员"), code="staff_not_found")
    return staff


async def _grant_rows(staff: Staff) -> list[dict[str, Any]]:
    return await RoleGrant.select(
        RoleGrant.role, RoleGrant.position, RoleGrant.org_unit.code, RoleGrant.org_unit.path
    ).where(RoleGrant.staff == staff.id)


async def staff_view(
    tenant: TenantInfo, staff: Staff, locale: str, rows: list[dict[str, Any]] | None = None
) -> StaffOut:
    rows = rows if rows is not None else await _grant_rows(staff)
    labels = await role_labels(tenant.id)
    return StaffOut(
        username=staff.username,
        name=staff.name,
        status=staff.status,
        grants=[
            GrantOut(
                role=r["role"],
                role_label=label(labels, r["role"]).pick(locale),
                org_unit=r["org_unit.code"],
                position=r["position"],
            )
            for r in rows
        ],
    )


async def list_staff(tenant: TenantInfo, admin: Principal, locale: str) -> list[StaffOut]:
    """Staff holding any role in the administrator's scope (and staff with no role yet)."""
    scope = await require_admin_scope(tenant, admin)
    out = []
    for staff in await Staff.objects().where(Staff.tenant == tenant.id).order_by(Staff.username):
        rows = await _grant_rows(staff)
        paths = [str(r["org_unit.path"]) for r in rows]
        if not paths or any(p.startswith(g.path) for p in paths for g in scope):
            out.append(await staff_view(tenant, staff, locale, rows))
    return out


async def create_staff(
    tenant: TenantInfo, admin: Principal, data: StaffIn, locale: str, ip: str
) -> StaffOut:
    scope = await require_admin_scope(tenant, admin)
    check_password_policy(data.password, data.username)
    if not data.name.strip():
        raise InvalidInput(
            N_("请填写工作人员姓名"),
            code="invalid_staff",
            errors=[FieldError("name", N_("请填写工作人员姓名"))],
        )
    units = [await _check_grant(tenant, admin, scope, g, ip) for g in data.grants]
    async with db.transaction():
        if await Staff.exists().where(
            (Staff.tenant == tenant.id) & (Staff.username == data.username)
        ):
            raise Conflict(
                N_("用户名 {username} 已被注册"), code="username_taken", username=data.username
            )
        staff = Staff(
            tenant=tenant.id,
            username=data.username,
            name=data.name.strip(),
            password_hash=hash_password(data.password),
        )
        await staff.save()
        actor = Actor(kind="staff", id=str(admin.id), name=admin.name, ip=ip)
        await record(tenant.id, actor, "staff_created", target=data.username)
        for grant, unit in zip(data.grants, units, strict=True):
            await RoleGrant(
                tenant=tenant.id,
                staff=staff.id,
                role=grant.role,
                org_unit=unit["id"],
                position=grant.position.strip(),
            ).save()
            await record(
                tenant.id,
                actor,
                "role_granted",
                target=data.username,
                detail={"role": grant.role, "org_unit": grant.org_unit, "position": grant.position},
            )
    return await staff_view(tenant, staff, locale)


async def change_grant(
    tenant: TenantInfo,
    admin: Principal,
    username: str,
    grant: GrantIn,
    *,
    revoke: bool,
    locale: str,
    ip: str,
) -> StaffOut:
    scope = await require_admin_scope(tenant, admin)
    staff = await _staff(tenant, username)
    unit = await _check_grant(tenant, admin, scope, grant, ip)
    if staff.id == admin.id and grant.role == "tenant_admin":
        raise Forbidden(N_("不能修改自己的管理员角色"), code="own_admin_role")
    where: Any = (
        (RoleGrant.staff == staff.id)
        & (RoleGrant.role == grant.role)
        & (RoleGrant.org_unit == unit["id"])
    )
    async with db.transaction():
        exists = await RoleGrant.exists().where(where)
        if revoke and not exists:
            raise NotFound(N_("该工作人员没有这一授权"), code="grant_not_found")
        if not revoke and exists:
            return await staff_view(tenant, staff, locale)  # granting twice changes nothing
        if revoke:
            await RoleGrant.delete().where(where)
        else:
            await RoleGrant(
                id=uuid.uuid4(),
                tenant=tenant.id,
                staff=staff.id,
                role=grant.role,
                org_unit=unit["id"],
                position=grant.position.strip(),
            ).save()
        await record(
            tenant.id,
            Actor(kind="staff", id=str(admin.id), name=admin.name, ip=ip),
            "role_revoked" if revoke else "role_granted",
            target=username,
            detail={"role": grant.role, "org_unit": grant.org_unit, "position": grant.position},
        )
    forget_grants()
    return await staff_view(tenant, staff, locale)
