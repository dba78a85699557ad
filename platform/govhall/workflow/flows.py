"""Flow definitions per tenant and department, versioned (R-F1).

The item's plugin supplies the default flow (version 0). A tenant admin — or a
department admin for that department's cases — saves a changed copy through
the API; every save is checked like a plugin's flow and becomes the next
version. New cases take the most specific latest version; open cases keep the
one they started on (it is copied into the case).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from functools import lru_cache
from typing import Any, cast

import msgspec

from govhall.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from govhall.i18n import N_, Localized
from govhall.identity.services import covers, grants_of
from govhall.identity.tokens import Principal
from govhall.plugins import InstalledItem, PluginRegistry
from govhall.sdk import FlowTemplate
from govhall.sdk.flowcheck import flow_problems
from govhall.statements import statement
from govhall.tenancy.kept import MISSING, KeptByVersion
from govhall.tenancy.schemas import TenantInfo
from govhall.tenancy.services import unit_by_code
from govhall.tenancy.tables import OrgUnit
from govhall.workflow.labels import ROLE_LABELS
from govhall.workflow.tables import FlowDefinition

#: Roles a flow step may name (the identity issue makes roles tenant-defined).
STEP_ROLES = tuple(
    r
    for r in ROLE_LABELS
    if r not in ("tenant_admin", "supervisor", "statistician", "government_leader")
)


class FlowVersion(msgspec.Struct, kw_only=True):
    item_code: str
    version: int
    """0 = the item's default flow from its plugin."""
    department: str | None
    """Org unit code the version is limited to; None = the whole tenant."""
    flow: FlowTemplate
    note: str = ""
    created_at: datetime | None = None


class FlowVersionSummary(msgspec.Struct, kw_only=True):
    version: int
    department: str | None
    note: str
    created_at: datetime | None


class FlowOverview(msgspec.Struct, kw_only=True):
    effective: FlowVersion
    versions: list[FlowVersionSummary]


class FlowSave(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    flow: dict[str, Any]
    department: str | None = None
    note: str = ""


async def effective_flow(
    tenant: TenantInfo,
    installed: InstalledItem,
    department_id: uuid.UUID | None,
    registry: PluginRegistry,
) -> tuple[FlowTemplate, int]:
    """The flow a new case of the item starts on: the department's latest version,
    else the tenant's, else the plugin's default (version 0)."""
    stored = await _stored_flow(tenant, installed.spec.code, department_id)
    return stored if stored is not None else (registry.flow_for(installed), 0)


_Stored = tuple[FlowTemplate, int] | None

#: (tenant id, item code, department) → the latest stored flow version or None,
#: kept under the tenant's catalog_version (saving a version raises it).
_stored: KeptByVersion[_Stored] = KeptByVersion(8192)


async def _stored_flow(
    tenant: TenantInfo, item_code: str, department_id: uuid.UUID | None
) -> _Stored:
    key = (tenant.id, item_code, department_id)
    kept = _stored.get(key, tenant.catalog_version)
    if kept is not MISSING:
        return cast(_Stored, kept)
    if department_id is None:
        rows = await _TENANT_FLOWS.run(tenant.id, item_code)
    else:
        rows = await _UNIT_FLOWS.run(tenant.id, item_code, department_id)
    found = None
    if rows:
        best = next((r for r in rows if r["department"] is not None), rows[0])
        found = (_template_of(best["definition"]), int(best["version"]))
    _stored.put(key, tenant.catalog_version, found)
    return found


def _flows_of(tenant: Any, item_code: Any, department: Any = None) -> Any:
    scope: Any = FlowDefinition.department.is_null()
    if department is not None:
        scope = scope | (FlowDefinition.department == department)
    return (
        FlowDefinition.select(
            FlowDefinition.version, FlowDefinition.definition, FlowDefinition.department
        )
        .where((FlowDefinition.tenant == tenant) & (FlowDefinition.item_code == item_code) & scope)
        .order_by(FlowDefinition.version, ascending=False)
    )


#: Read on every submission (govhall.statements): the tenant's versions, and those of
#: the tenant and one department.
_TENANT_FLOWS = statement(lambda tenant, item_code: _flows_of(tenant, item_code))
_UNIT_FLOWS = statement(_flows_of)


def _template_of(definition: str | dict[str, Any]) -> FlowTemplate:
    """A stored definition as a template; the JSON text's templates are kept, as a
    county's submissions all start on the same few versions (FlowTemplate is frozen)."""
    if isinstance(definition, str):
        return _template_of_text(definition)
    return msgspec.convert(definition, FlowTemplate)


@lru_cache(maxsize=256)
def _template_of_text(definition: str) -> FlowTemplate:
    return msgspec.json.decode(definition, type=FlowTemplate)


async def _may_edit(staff: Principal, tenant: TenantInfo, unit_path: str) -> None:
    grants = await grants_of(staff.id, tenant)
    if not covers(grants, "tenant_admin", unit_path):
        raise Forbidden(
            N_("只有管理员可以修改流程（本单位或本部门的管理员）"), code="flow_admin_required"
        )


async def _root_path(tenant: TenantInfo) -> str:
    rows = await OrgUnit.select(OrgUnit.path).where(
        (OrgUnit.tenant == tenant.id) & OrgUnit.parent.is_null()
    )
    return min((str(r["path"]) for r in rows), default="/", key=len)


async def save_flow(
    *,
    tenant: TenantInfo,
    staff: Principal,
    installed: InstalledItem,
    data: FlowSave,
) -> FlowVersion:
    """Check ``data.flow`` like a plugin's flow and store it as the next version."""
    department_id = None
    if data.department:
        unit = await unit_by_code(tenant.id, data.department)
        department_id = unit["id"]
        await _may_edit(staff, tenant, str(unit["path"]))
    else:
        await _may_edit(staff, tenant, await _root_path(tenant))
    try:
        flow = msgspec.convert(data.flow, FlowTemplate)
    except msgspec.ValidationError as exc:
        raise InvalidInput(
            N_("流程定义格式有误：{reason}"), code="invalid_flow", reason=str(exc)
        ) from exc
    spec = installed.spec
    problems = flow_problems(
        flow,
        fields=list(spec.form.schema.get("properties", {})),
        discretion=[d.code for d in spec.discretion],
        roles=STEP_ROLES,
    )
    if problems:
        raise InvalidInput(
            N_("流程定义有 {count} 处问题，未保存"),
            code="invalid_flow",
            count=len(problems),
            errors=[
                FieldError(p.path, "{text}", text=Localized(p.message, p.message_en))
                for p in problems
            ],
        )
    where: Any = (FlowDefinition.tenant == tenant.id) & (FlowDefinition.item_code == spec.code)
    where &= (
        FlowDefinition.department.is_null()
        if department_id is None
        else FlowDefinition.department == department_id
    )
    latest = (
        await FlowDefinition.select(FlowDefinition.version)
        .where(where)
        .order_by(FlowDefinition.version, ascending=False)
        .first()
    )
    version = (latest["version"] if latest else 0) + 1
    row = FlowDefinition(
        tenant=tenant.id,
        item_code=spec.code,
        department=department_id,
        version=version,
        definition=msgspec.to_builtins(flow),
        note=data.note.strip(),
        created_by=staff.id,
    )
    try:
        await row.save()
    except Exception as exc:  # the unique index: someone saved the same version first
        if "unique" in str(exc).lower():
            raise Conflict(
                N_("其他管理员刚刚保存了新版本，请刷新后重试"), code="flow_version_taken"
            ) from exc
        raise
    # This request's tenant row still has the old catalog_version.
    _stored.clear()
    return FlowVersion(
        item_code=spec.code,
        version=version,
        department=data.department,
        flow=flow,
        note=row.note,
        created_at=row.created_at,
    )


async def flow_overview(
    tenant: TenantInfo, installed: InstalledItem, department: str | None, registry: PluginRegistry
) -> FlowOverview:
    department_id = (await unit_by_code(tenant.id, department))["id"] if department else None
    flow, version = await effective_flow(tenant, installed, department_id, registry)
    rows = (
        await FlowDefinition.select(
            FlowDefinition.version,
            FlowDefinition.department.code,
            FlowDefinition.note,
            FlowDefinition.created_at,
        )
        .where(
            (FlowDefinition.tenant == tenant.id) & (FlowDefinition.item_code == installed.spec.code)
        )
        .order_by(FlowDefinition.created_at)
    )
    versions = [FlowVersionSummary(version=0, department=None, note="", created_at=None)]
    versions += [
        FlowVersionSummary(
            version=r["version"],
            department=r["department.code"],
            note=r["note"],
            created_at=r["created_at"],
        )
        for r in rows
    ]
    return FlowOverview(
        effective=FlowVersion(
            item_code=installed.spec.code,
            version=version,
            department=department if version and department else None,
            flow=flow,
        ),
        versions=versions,
    )


async def flow_version(
    tenant: TenantInfo,
    installed: InstalledItem,
    version: int,
    department: str | None,
    registry: PluginRegistry,
) -> FlowVersion:
    if version == 0:
        return FlowVersion(
            item_code=installed.spec.code,
            version=0,
            department=None,
            flow=registry.flow_for(installed),
        )
    where: Any = (
        (FlowDefinition.tenant == tenant.id)
        & (FlowDefinition.item_code == installed.spec.code)
        & (FlowDefinition.version == version)
    )
    if department:
        where &= FlowDefinition.department == (await unit_by_code(tenant.id, department))["id"]
    else:
        where &= FlowDefinition.department.is_null()
    row = await FlowDefinition.objects().output(load_json=True).where(where).first()
    if row is None:
        raise NotFound(
            N_("找不到流程版本 {version}"), code="flow_version_not_found", version=version
        )
    return FlowVersion(
        item_code=installed.spec.code,
        version=version,
        department=department,
        flow=msgspec.convert(row.definition, FlowTemplate),
        note=row.note,
        created_at=row.created_at,
    )
