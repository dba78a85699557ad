"""Parallel approval (并联审批) and bundled services (一件事一次办), R-W13.

A project starts several items' cases from one form and one set of materials:
each item's case receives the form fields and materials its own declaration
names, is checked by its own rules, and is handled by its own department on
its own flow and clock, independently. The lead department may add a part
later (its case is created from the shared data, entered once) or remove one
(that case is terminated with the reason; the others are untouched). The
project concludes when its last open part ends — an atomic counter, so two
parts ending at the same moment still conclude it exactly once.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal, cast

import msgspec

from govhall import db
from govhall.cases.schemas import ApplicationCreate, MaterialRef
from govhall.cases.services import (
    PreparedApplication,
    insert_case,
    next_serial_number,
    prepare_application,
)
from govhall.cases.tables import Case, Project
from govhall.catalog.services import CatalogService
from govhall.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from govhall.i18n import N_, Localized
from govhall.identity.services import covers, grants_of, org_unit_path
from govhall.identity.tokens import Principal
from govhall.plugins import PluginRegistry
from govhall.tenancy.schemas import TenantInfo
from govhall.tenancy.tables import OrgUnit
from govhall.workflow.engine import ActionRequest, perform_action
from govhall.workflow.labels import STATUS_LABELS, label

#: Roles of the lead department that may add or remove parts.
LEAD_ROLES = ("handler", "approver")


class ProjectCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: str
    items: list[str]
    """The items to apply for; the first leads unless ``lead_item`` says otherwise."""
    form: dict[str, Any]
    """One form: each item's case gets the fields its own form declares."""
    materials: list[MaterialRef] = msgspec.field(default_factory=list)
    kind: Literal["parallel", "bundle"] = "parallel"
    lead_item: str | None = None
    handling_units: dict[str, str] = msgspec.field(default_factory=dict)
    """Item code → unit code, where several units offer an item."""
    joint: bool = False
    """联合办理: the parts share the joint limit of 45 (+15) working days (§42)."""


class PartAdd(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    item_code: str
    handling_unit: str | None = None


class PartRemove(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    reason: str


class PartOut(msgspec.Struct, kw_only=True):
    item_code: str
    item_name: str
    serial_number: str
    status: str
    status_label: str
    department: str
    ended: bool
    query_code: str | None = None
    """Shown once, when the part is created."""


class ProjectOut(msgspec.Struct, kw_only=True):
    number: str
    name: str
    kind: str
    joint: bool
    status: str
    lead_department: str
    open_parts: int
    parts: list[PartOut]
    created_at: datetime
    concluded_at: datetime | None


async def _prepare_part(
    *,
    tenant: TenantInfo,
    applicant: Principal,
    item_code: str,
    form: dict[str, Any],
    materials: list[MaterialRef],
    unit: str | None,
    catalog: CatalogService,
    registry: PluginRegistry,
) -> PreparedApplication:
    item = await catalog.tenant_item(tenant, item_code)
    spec = item.installed.spec
    fields = set(spec.form.schema.get("properties", {}))
    declared = {m.code for m in spec.materials}
    request = ApplicationCreate(
        item_code=item_code,
        form={k: v for k, v in form.items() if k in fields},
        materials=[m for m in materials if m.material_code in declared],
        handling_unit=unit,
    )
    try:
        return await prepare_application(
            tenant=tenant, applicant=applicant, data=request, catalog=catalog, registry=registry
        )
    except InvalidInput as exc:  # name the item each problem belongs to
        for error in exc.errors:
            error.field = f"{item_code}.{error.field}"
        raise


async def create_project(
    *,
    tenant: TenantInfo,
    applicant: Principal,
    data: ProjectCreate,
    catalog: CatalogService,
    registry: PluginRegistry,
    secret_key: str,
    locale: str,
) -> ProjectOut:
    codes = list(dict.fromkeys(c.strip() for c in data.items if c.strip()))
    if len(codes) < 2:
        raise InvalidInput(N_("并联审批或一件事至少需要两个事项"), code="project_needs_items")
    if not data.name.strip():
        raise InvalidInput(N_("请填写项目名称"), code="project_name_required")
    lead = data.lead_item or codes[0]
    if lead not in codes:
        raise InvalidInput(N_("牵头事项须是所申请的事项之一"), code="lead_item_invalid")
    prepared: list[PreparedApplication] = []
    errors: list[FieldError] = []
    for code in codes:
        try:
            prepared.append(
                await _prepare_part(
                    tenant=tenant,
                    applicant=applicant,
                    item_code=code,
                    form=data.form,
                    materials=data.materials,
                    unit=data.handling_units.get(code),
                    catalog=catalog,
                    registry=registry,
                )
            )
        except InvalidInput as exc:
            errors.extend(exc.errors or [FieldError(code, exc.message, **exc.params)])
    if errors:
        raise InvalidInput(
            N_("申请内容有误，请按提示修改后重新提交"), code="invalid_application", errors=errors
        )
    lead_part = prepared[codes.index(lead)]
    now = datetime.now(UTC)
    parts: list[PartOut] = []
    async with db.transaction():
        project = Project(
            tenant=tenant.id,
            number="XM" + await next_serial_number(tenant, now),
            name=data.name.strip(),
            kind=data.kind,
            joint=data.joint,
            lead_department=lead_part.unit_id,
            lead_item=lead,
            applicant=applicant.id,
            applicant_name=lead_part.account.name,
            data=data.form,
            materials=msgspec.to_builtins(data.materials),
            open_parts=len(prepared),
            created_at=now,
        )
        await project.save()
        for part in prepared:
            case, query_code = await insert_case(
                part,
                tenant=tenant,
                catalog=catalog,
                registry=registry,
                secret_key=secret_key,
                now=now,
                project_id=project.id,
                joint=data.joint,
            )
            parts.append(_part_out(case, part.item.installed.spec, part.unit_code, locale))
            parts[-1].query_code = query_code
    out = await project_view(tenant, project.number, registry, locale)
    codes_shown = {p.serial_number: p.query_code for p in parts}
    for p in out.parts:
        p.query_code = codes_shown.get(p.serial_number)
    return out


def _part_out(case: Case, spec: Any, unit_code: str, locale: str) -> PartOut:
    return PartOut(
        item_code=case.item_code,
        item_name=Localized(spec.name, spec.name_en).pick(locale),
        serial_number=case.serial_number,
        status=case.status,
        status_label=label(STATUS_LABELS, case.status).pick(locale),
        department=unit_code,
        ended=case.concluded_at is not None,
    )


async def _project(tenant: TenantInfo, number: str) -> Project:
    project = (
        await Project.objects()
        .output(load_json=True)
        .where((Project.tenant == tenant.id) & (Project.number == number.strip()))
        .first()
    )
    if project is None:
        raise NotFound(N_("找不到项目 {number}"), code="project_not_found", number=number)
    return project


async def project_view(
    tenant: TenantInfo, number: str, registry: PluginRegistry, locale: str
) -> ProjectOut:
    project = await _project(tenant, number)
    rows = (
        await Case.select(
            Case.serial_number,
            Case.item_code,
            Case.status,
            Case.concluded_at,
            Case.department.code,
        )
        .where(Case.project == project.id)
        .order_by(Case.submitted_at)
    )
    lead = await org_unit_code(project.lead_department)
    parts = []
    for row in rows:
        installed = registry.items.get(row["item_code"])
        name = (
            Localized(installed.spec.name, installed.spec.name_en).pick(locale)
            if installed
            else row["item_code"]
        )
        parts.append(
            PartOut(
                item_code=row["item_code"],
                item_name=name,
                serial_number=row["serial_number"],
                status=row["status"],
                status_label=label(STATUS_LABELS, row["status"]).pick(locale),
                department=row["department.code"],
                ended=row["concluded_at"] is not None,
            )
        )
    return ProjectOut(
        number=project.number,
        name=project.name,
        kind=project.kind,
        joint=project.joint,
        status=project.status,
        lead_department=lead,
        open_parts=project.open_parts,
        parts=parts,
        created_at=project.created_at,
        concluded_at=project.concluded_at,
    )


async def org_unit_code(unit_id: uuid.UUID) -> str:
    row = await OrgUnit.select(OrgUnit.code).where(OrgUnit.id == unit_id).first()
    return str(row["code"]) if row else ""


async def may_view_project(tenant: TenantInfo, caller: Principal, number: str) -> None:
    project = await _project(tenant, number)
    if caller.kind == "account" and project.applicant == caller.id:
        return
    if caller.kind == "staff" and caller.tenant_id == tenant.id:
        return
    raise Forbidden(N_("只有申请人和本单位工作人员可以查看该项目"), code="project_forbidden")


async def _lead(tenant: TenantInfo, staff: Principal, project: Project) -> None:
    if staff.kind != "staff" or staff.tenant_id != tenant.id:
        raise Forbidden(N_("仅本单位工作人员可以办理"), code="staff_required")
    path = await org_unit_path(project.lead_department)
    grants = await grants_of(staff.id, tenant)
    if not any(covers(grants, role, path) for role in LEAD_ROLES):
        raise Forbidden(
            N_("只有牵头部门的承办或批准人员可以调整项目的协办事项"), code="lead_required"
        )
    if project.status != "open":
        raise Conflict(N_("项目已办结，不能再调整"), code="project_concluded")


async def add_part(
    *,
    tenant: TenantInfo,
    staff: Principal,
    number: str,
    data: PartAdd,
    catalog: CatalogService,
    registry: PluginRegistry,
    secret_key: str,
    locale: str,
) -> ProjectOut:
    """The lead adds a co-department's item: its case is made from the shared data."""
    project = await _project(tenant, number)
    await _lead(tenant, staff, project)
    present = await Case.count().where(
        (Case.project == project.id)
        & (Case.item_code == data.item_code)
        & Case.concluded_at.is_null()
    )
    if present:
        raise Conflict(N_("该事项已在项目中办理"), code="part_exists")
    if project.applicant is None:
        raise Conflict(N_("项目没有申请人账号，不能追加事项"), code="project_no_applicant")
    applicant = Principal(
        kind="account", id=project.applicant, username="", name=project.applicant_name
    )
    part = await _prepare_part(
        tenant=tenant,
        applicant=applicant,
        item_code=data.item_code,
        form=cast(dict[str, Any], project.data),
        materials=msgspec.convert(project.materials, list[MaterialRef]),
        unit=data.handling_unit,
        catalog=catalog,
        registry=registry,
    )
    now = datetime.now(UTC)
    async with db.transaction():
        await insert_case(
            part,
            tenant=tenant,
            catalog=catalog,
            registry=registry,
            secret_key=secret_key,
            now=now,
            project_id=project.id,
            joint=project.joint,
        )
        await Project.update({Project.open_parts: Project.open_parts + 1}).where(
            Project.id == project.id
        )
    return await project_view(tenant, number, registry, locale)


async def remove_part(
    *,
    tenant: TenantInfo,
    staff: Principal,
    number: str,
    item_code: str,
    data: PartRemove,
    registry: PluginRegistry,
    locale: str,
) -> ProjectOut:
    """The lead removes a co-department's item: that case is terminated with the reason."""
    project = await _project(tenant, number)
    await _lead(tenant, staff, project)
    if not data.reason.strip():
        raise InvalidInput(N_("移出协办事项须说明理由"), code="opinion_required")
    row = (
        await Case.select(Case.serial_number)
        .where(
            (Case.project == project.id)
            & (Case.item_code == item_code)
            & Case.concluded_at.is_null()
        )
        .first()
    )
    if row is None:
        raise NotFound(N_("项目中没有正在办理的该事项"), code="part_not_found")
    if item_code == project.lead_item:
        raise Conflict(N_("牵头事项不能移出项目"), code="lead_part")
    await perform_action(
        tenant,
        staff,
        row["serial_number"],
        ActionRequest(action="terminate", opinion=f"牵头部门移出项目：{data.reason.strip()}"),
        as_role="lead_department",
    )
    return await project_view(tenant, number, registry, locale)


async def extend_joint_parts(
    tenant: TenantInfo, actor: Principal, case_id: uuid.UUID, opinion: str
) -> list[str]:
    """§42: a joint limit is the project's; its one extension (approved by the head of
    the government at that level) reaches every other open part. Returns their
    serial numbers; a part already extended is left as it is."""
    row = await Case.select(Case.project).where(Case.id == case_id).first()
    if row is None or row["project"] is None:
        return []
    parts = await Case.select(Case.serial_number).where(
        (Case.project == row["project"])
        & (Case.id != case_id)
        & Case.status.not_in(["concluded", "rejected", "withdrawn", "terminated", "voided"])
    )
    extended = []
    for part in parts:
        try:
            await perform_action(
                tenant,
                actor,
                part["serial_number"],
                ActionRequest(action="extend", opinion=opinion),
                as_role="government_leader",
            )
        except Conflict:
            continue  # already extended, decided or not yet accepted: nothing to move
        extended.append(part["serial_number"])
    return extended
