"""Roles as sets of functions, defined by a tenant's administrators (分级授权).

A *function* is one thing a staff member may do: 受理 (clerk), 承办 (handler),
审核 (reviewer), 批准 (approver), 办结 (issuer), 监察 (supervisor), 统计
(statistician), 管理 (tenant_admin). Flow steps and guards ask for functions.
A tenant *role* is a named set of functions (e.g. 窗口综合岗 = 受理 + 办结)
defined at an org unit by an administrator of that unit; it can be granted
only on that unit and the units below it, so a town's administrator can shape
the town's and its villages' roles but never the county's.
"""

from __future__ import annotations

from typing import Any

import msgspec

from govhall import db
from govhall.audit.services import Actor, record
from govhall.errors import Conflict, FieldError, InvalidInput, NotFound
from govhall.i18n import N_, Localized
from govhall.identity.access import require_staff_of
from govhall.identity.labels import ROLE_LABELS
from govhall.identity.services import (
    forget_grants,
    in_scope,
    refuse_outside_scope,
    require_admin_scope,
)
from govhall.identity.tables import Role, RoleGrant
from govhall.identity.tokens import Principal
from govhall.tenancy.schemas import TenantInfo
from govhall.tenancy.services import ROLE_CODE, unit_by_code

#: Every function a role can hold (the built-in roles are these, one function each).
FUNCTIONS: dict[str, Localized] = ROLE_LABELS


class RoleIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    code: str
    name: str
    functions: list[str]
    org_unit: str
    """Code of the unit the role belongs to; grantable there and below."""
    name_en: str = ""


class RoleUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: str | None = None
    name_en: str | None = None
    functions: list[str] | None = None


class RoleOut(msgspec.Struct, kw_only=True):
    code: str
    name: str
    functions: list[str]
    function_labels: list[str]
    builtin: bool
    org_unit: str | None = None


def _check(code: str | None, name: str | None, functions: list[str] | None) -> None:
    errors: list[FieldError] = []
    if code is not None and (not ROLE_CODE.match(code) or code in FUNCTIONS):
        errors.append(
            FieldError(
                "code",
                N_("角色代码须为 2 到 32 位小写字母、数字或下划线，以字母开头，不与内置职能同名"),
            )
        )
    if name is not None and not 1 <= len(name.strip()) <= 100:
        errors.append(FieldError("name", N_("请填写 1 到 100 个字的角色名称")))
    if functions is not None:
        unknown = [f for f in functions if f not in FUNCTIONS]
        if not functions or unknown:
            errors.append(
                FieldError(
                    "functions",
                    N_("请从以下职能中选择：{functions}"),
                    functions="、".join(FUNCTIONS),
                )
            )
    if errors:
        raise InvalidInput(N_("角色信息有误，请按提示修改"), code="invalid_role", errors=errors)


def _out(row: dict[str, Any], locale: str) -> RoleOut:
    functions = list(row["functions"])
    return RoleOut(
        code=row["code"],
        name=Localized(row["name"], row["name_en"]).pick(locale),
        functions=functions,
        function_labels=[FUNCTIONS[f].pick(locale) for f in functions if f in FUNCTIONS],
        builtin=False,
        org_unit=row["org_unit.code"],
    )


async def _rows(tenant_id: Any, code: str | None = None) -> list[dict[str, Any]]:
    where: Any = Role.tenant == tenant_id
    if code is not None:
        where &= Role.code == code
    return (
        await Role.select(
            Role.code,
            Role.name,
            Role.name_en,
            Role.functions,
            Role.org_unit.code,
            Role.org_unit.path,
        )
        .output(load_json=True)
        .where(where)
        .order_by(Role.code)
    )


async def role_labels(tenant_id: Any) -> dict[str, Localized]:
    """Names of every grantable role in the tenant: built-in functions and its roles."""
    labels = dict(FUNCTIONS)
    for row in await _rows(tenant_id):
        labels[row["code"]] = Localized(row["name"], row["name_en"])
    return labels


async def grantable_role(tenant_id: Any, code: str) -> str:
    """'' for a built-in function; a tenant role's unit path; 422 when unknown."""
    if code in FUNCTIONS:
        return ""
    rows = await _rows(tenant_id, code)
    if not rows:
        raise InvalidInput(N_("未知的角色“{role}”"), code="unknown_role", role=code)
    return str(rows[0]["org_unit.path"])


async def list_roles(tenant: TenantInfo, principal: Principal, locale: str) -> list[RoleOut]:
    """The built-in functions, then the tenant's roles (any of its staff may read them)."""
    require_staff_of(principal, tenant)
    builtin = [
        RoleOut(
            code=code,
            name=label.pick(locale),
            functions=[code],
            function_labels=[label.pick(locale)],
            builtin=True,
        )
        for code, label in FUNCTIONS.items()
    ]
    return builtin + [_out(row, locale) for row in await _rows(tenant.id)]


async def define_role(
    tenant: TenantInfo, admin: Principal, data: RoleIn, locale: str, ip: str
) -> RoleOut:
    scope = await require_admin_scope(tenant, admin)
    _check(data.code, data.name, data.functions)
    unit = await unit_by_code(tenant.id, data.org_unit)
    if not in_scope(scope, str(unit["path"])):
        raise await refuse_outside_scope(
            tenant.id, admin, ip, "role_definition_refused", data.code, org_unit=data.org_unit
        )
    async with db.transaction():
        if await Role.exists().where((Role.tenant == tenant.id) & (Role.code == data.code)):
            raise Conflict(N_("角色代码“{role}”已存在"), code="role_exists", role=data.code)
        await Role(
            tenant=tenant.id,
            code=data.code,
            name=data.name.strip(),
            name_en=data.name_en.strip(),
            functions=sorted(set(data.functions), key=list(FUNCTIONS).index),
            org_unit=unit["id"],
        ).save()
        await record(
            tenant.id,
            Actor(kind="staff", id=str(admin.id), name=admin.name, ip=ip),
            "role_defined",
            target=data.code,
            detail={"functions": data.functions, "org_unit": data.org_unit},
        )
    forget_grants()
    return _out((await _rows(tenant.id, data.code))[0], locale)


async def _own_role(tenant: TenantInfo, admin: Principal, code: str, ip: str) -> dict[str, Any]:
    scope = await require_admin_scope(tenant, admin)
    rows = await _rows(tenant.id, code)
    if not rows:
        raise NotFound(N_("找不到角色“{role}”"), code="role_not_found", role=code)
    if not in_scope(scope, str(rows[0]["org_unit.path"])):
        raise await refuse_outside_scope(tenant.id, admin, ip, "role_change_refused", code)
    return rows[0]


async def update_role(
    tenant: TenantInfo, admin: Principal, code: str, data: RoleUpdate, locale: str, ip: str
) -> RoleOut:
    """Rename a role or change its functions; every holder's grants follow at once."""
    await _own_role(tenant, admin, code, ip)
    _check(None, data.name, data.functions)
    values: dict[Any, Any] = {}
    if data.name is not None:
        values[Role.name] = data.name.strip()
    if data.name_en is not None:
        values[Role.name_en] = data.name_en.strip()
    if data.functions is not None:
        values[Role.functions] = sorted(set(data.functions), key=list(FUNCTIONS).index)
    if values:
        async with db.transaction():
            await Role.update(values).where((Role.tenant == tenant.id) & (Role.code == code))
            await record(
                tenant.id,
                Actor(kind="staff", id=str(admin.id), name=admin.name, ip=ip),
                "role_changed",
                target=code,
                detail=msgspec.to_builtins(data),
            )
        forget_grants()
    return _out((await _rows(tenant.id, code))[0], locale)


async def delete_role(tenant: TenantInfo, admin: Principal, code: str, ip: str) -> None:
    await _own_role(tenant, admin, code, ip)
    async with db.transaction():
        held = await RoleGrant.count().where(
            (RoleGrant.tenant == tenant.id) & (RoleGrant.role == code)
        )
        if held:
            raise Conflict(
                N_("仍有 {count} 项授权使用角色“{role}”，请先撤销"),
                code="role_in_use",
                count=held,
                role=code,
            )
        await Role.delete().where((Role.tenant == tenant.id) & (Role.code == code))
        await record(
            tenant.id,
            Actor(kind="staff", id=str(admin.id), name=admin.name, ip=ip),
            "role_deleted",
            target=code,
        )
    forget_grants()
