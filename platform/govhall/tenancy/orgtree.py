"""Editing a tenant's org tree through the API, within the administrator's scope.

Units carry a materialised path of codes ('/centre/dept/office/'), so moving a
unit rewrites the paths of its whole subtree in one statement; codes never
change once created (they are what flows, manifests and grants refer to).
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from govhall import db
from govhall.audit.services import Actor, record
from govhall.cases.tables import Case
from govhall.errors import Conflict, FieldError, InvalidInput
from govhall.i18n import N_, Localized
from govhall.identity.access import require_staff_of
from govhall.identity.services import in_scope, refuse_outside_scope, require_admin_scope
from govhall.identity.tables import Role, RoleGrant
from govhall.identity.tokens import Principal
from govhall.tenancy.schemas import TenantInfo, UnitKind
from govhall.tenancy.services import unit_by_code
from govhall.tenancy.tables import DepartmentPlugin, OrgUnit
from govhall.workflow.tables import Task

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


class UnitIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    code: str
    name: str
    kind: UnitKind
    parent: str
    name_en: str = ""


class UnitUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: str | None = None
    name_en: str | None = None
    kind: UnitKind | None = None


class MoveIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    parent: str


class UnitOut(msgspec.Struct, kw_only=True):
    code: str
    name: str
    kind: str
    parent: str | None
    depth: int


async def org_tree(tenant: TenantInfo, principal: Principal, locale: str) -> list[UnitOut]:
    """Every unit, parents before children (ordered by path)."""
    require_staff_of(principal, tenant)
    rows = (
        await OrgUnit.select(
            OrgUnit.code, OrgUnit.name, OrgUnit.name_en, OrgUnit.kind, OrgUnit.parent.code
        )
        .where(OrgUnit.tenant == tenant.id)
        .order_by(OrgUnit.path)
    )
    paths = {
        r["code"]: r["path"]
        for r in await OrgUnit.select(OrgUnit.code, OrgUnit.path).where(OrgUnit.tenant == tenant.id)
    }
    return [
        UnitOut(
            code=r["code"],
            name=Localized(r["name"], r["name_en"]).pick(locale),
            kind=r["kind"],
            parent=r["parent.code"],
            depth=paths[r["code"]].count("/") - 2,
        )
        for r in rows
    ]


def _check_name(name: str | None) -> list[FieldError]:
    if name is not None and not 1 <= len(name.strip()) <= 200:
        return [FieldError("name", N_("请填写 1 到 200 个字的机构名称"))]
    return []


async def create_unit(tenant: TenantInfo, admin: Principal, data: UnitIn, ip: str) -> UnitOut:
    scope = await require_admin_scope(tenant, admin)
    errors = _check_name(data.name)
    if not _CODE.match(data.code):
        errors.append(FieldError("code", N_("机构代码须为 1 到 64 位字母、数字、下划线或横线")))
    if errors:
        raise InvalidInput(N_("机构信息有误，请按提示修改"), code="invalid_org_unit", errors=errors)
    parent = await unit_by_code(tenant.id, data.parent)
    if not in_scope(scope, str(parent["path"])):
        raise await refuse_outside_scope(
            tenant.id, admin, ip, "org_unit_change_refused", data.code, parent=data.parent
        )
    async with db.transaction():
        if await OrgUnit.exists().where(
            (OrgUnit.tenant == tenant.id) & (OrgUnit.code == data.code)
        ):
            raise Conflict(N_("机构代码“{unit}”已被使用"), code="org_unit_exists", unit=data.code)
        await OrgUnit(
            tenant=tenant.id,
            parent=parent["id"],
            kind=data.kind,
            code=data.code,
            name=data.name.strip(),
            name_en=data.name_en.strip(),
            path=f"{parent['path']}{data.code}/",
        ).save()
        await record(
            tenant.id,
            Actor.of(admin, ip),
            "org_unit_created",
            target=data.code,
            detail={"parent": data.parent, "kind": data.kind, "name": data.name},
        )
    return UnitOut(
        code=data.code,
        name=data.name.strip(),
        kind=data.kind,
        parent=data.parent,
        depth=str(parent["path"]).count("/") - 1,
    )


async def _own_unit(tenant: TenantInfo, admin: Principal, code: str, ip: str) -> dict[str, Any]:
    scope = await require_admin_scope(tenant, admin)
    unit = await unit_by_code(tenant.id, code)
    if not in_scope(scope, str(unit["path"])):
        raise await refuse_outside_scope(tenant.id, admin, ip, "org_unit_change_refused", code)
    return unit


async def update_unit(
    tenant: TenantInfo, admin: Principal, code: str, data: UnitUpdate, ip: str
) -> None:
    await _own_unit(tenant, admin, code, ip)
    errors = _check_name(data.name)
    if errors:
        raise InvalidInput(N_("机构信息有误，请按提示修改"), code="invalid_org_unit", errors=errors)
    values: dict[Any, Any] = {}
    if data.name is not None:
        values[OrgUnit.name] = data.name.strip()
    if data.name_en is not None:
        values[OrgUnit.name_en] = data.name_en.strip()
    if data.kind is not None:
        values[OrgUnit.kind] = data.kind
    if values:
        async with db.transaction():
            await OrgUnit.update(values).where(
                (OrgUnit.tenant == tenant.id) & (OrgUnit.code == code)
            )
            await record(
                tenant.id,
                Actor.of(admin, ip),
                "org_unit_changed",
                target=code,
                detail=msgspec.to_builtins(data),
            )


async def move_unit(tenant: TenantInfo, admin: Principal, code: str, data: MoveIn, ip: str) -> None:
    """Put a unit (with its subtree) under another parent; both ends in scope."""
    scope = await require_admin_scope(tenant, admin)
    unit = await unit_by_code(tenant.id, code)
    target = await unit_by_code(tenant.id, data.parent)
    old_path = str(unit["path"])
    old_parent = old_path[: old_path.rstrip("/").rfind("/") + 1]
    if not (in_scope(scope, old_parent) and in_scope(scope, str(target["path"]))):
        raise await refuse_outside_scope(
            tenant.id, admin, ip, "org_unit_change_refused", code, parent=data.parent
        )
    if str(target["path"]).startswith(old_path):
        raise InvalidInput(
            N_("不能把机构移到它自己或它的下级机构之下"), code="org_unit_cycle", unit=code
        )
    new_path = f"{target['path']}{code}/"
    async with db.transaction():
        await OrgUnit.update({OrgUnit.parent: target["id"]}).where(OrgUnit.id == unit["id"])
        # Every path in the subtree starts with the old path: swap that prefix.
        await OrgUnit.raw(
            "UPDATE tenancy_org_unit SET path = {} || substr(path, {}) "
            "WHERE tenant = {} AND substr(path, 1, {}) = {}",
            new_path,
            len(old_path) + 1,
            tenant.id,
            len(old_path),
            old_path,
        )
        await record(
            tenant.id,
            Actor.of(admin, ip),
            "org_unit_moved",
            target=code,
            detail={"from": old_parent.rstrip("/").rsplit("/", 1)[-1], "to": data.parent},
        )


async def delete_unit(tenant: TenantInfo, admin: Principal, code: str, ip: str) -> None:
    """Remove a unit nothing refers to; otherwise 409 saying what still uses it."""
    unit = await _own_unit(tenant, admin, code, ip)
    if unit["path"].count("/") <= 2:
        raise Conflict(N_("不能删除根机构"), code="org_unit_root")
    uses = {
        "children": OrgUnit.count().where(OrgUnit.parent == unit["id"]),
        "grants": RoleGrant.count().where(RoleGrant.org_unit == unit["id"]),
        "roles": Role.count().where(Role.org_unit == unit["id"]),
        "cases": Case.count().where(Case.department == unit["id"]),
        "tasks": Task.count().where(Task.org_unit == unit["id"]),
        "plugins": DepartmentPlugin.count().where(DepartmentPlugin.department == unit["id"]),
    }
    async with db.transaction():
        in_use = [name for name, query in uses.items() if await query]
        if in_use:
            raise Conflict(
                N_("机构“{unit}”仍被使用（{uses}），不能删除"),
                code="org_unit_in_use",
                unit=code,
                uses="、".join(in_use),
            )
        await OrgUnit.delete().where(OrgUnit.id == unit["id"])
        await record(tenant.id, Actor.of(admin, ip), "org_unit_deleted", target=code)
