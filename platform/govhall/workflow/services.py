"""Work lists: the open tasks a staff member may act on (by role and org-unit scope)."""

from __future__ import annotations

from typing import Any

from govhall.errors import Forbidden
from govhall.i18n import N_, Localized
from govhall.identity.services import grants_of
from govhall.identity.tokens import Principal
from govhall.plugins import PluginRegistry
from govhall.tenancy.schemas import TenantInfo
from govhall.workflow.labels import STATUS_LABELS, label
from govhall.workflow.schemas import WorkItem, WorklistPage
from govhall.workflow.tables import Task

MAX_PAGE_SIZE = 100


async def worklist(
    tenant: TenantInfo,
    staff: Principal,
    registry: PluginRegistry,
    locale: str,
    page: int = 1,
    page_size: int = 20,
) -> WorklistPage:
    if staff.kind != "staff" or staff.tenant_id != tenant.id:
        raise Forbidden(N_("仅本单位工作人员可以查看待办"), code="staff_required")
    page = max(page, 1)
    page_size = min(max(page_size, 1), MAX_PAGE_SIZE)
    grants = await grants_of(staff.id, tenant.id)
    if not grants:
        return WorklistPage(items=[], total=0, page=page, page_size=page_size)
    # A grant covers its unit's subtree: the unit's path is a prefix of the task unit's path.
    scope: Any = None
    for g in grants:
        clause = (Task.role == g.role) & Task.org_unit.path.like(f"{g.path}%")
        scope = clause if scope is None else scope | clause
    where: Any = (Task.tenant == tenant.id) & (Task.status == "open") & scope
    total = await Task.count().where(where)
    rows = (
        await Task.select(
            Task.id,
            Task.step,
            Task.role,
            Task.created_at,
            Task.case.serial_number,
            Task.case.item_code,
            Task.case.applicant_name,
            Task.case.status,
            Task.case.submitted_at,
            Task.case.flow,
        )
        .output(load_json=True)
        .where(where)
        .order_by(Task.created_at)
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    items = []
    for row in rows:
        installed = registry.items.get(row["case.item_code"])
        item_name = (
            Localized(installed.spec.name, installed.spec.name_en).pick(locale)
            if installed
            else row["case.item_code"]
        )
        flow = row["case.flow"]
        step = next((s for s in flow.get("steps", []) if s["key"] == row["step"]), None)
        items.append(
            WorkItem(
                task_id=row["id"],
                serial_number=row["case.serial_number"],
                item_code=row["case.item_code"],
                item_name=item_name,
                applicant_name=row["case.applicant_name"],
                step=row["step"],
                step_label=Localized(step["name"], step.get("name_en", "")).pick(locale)
                if step
                else row["step"],
                role=row["role"],
                status=row["case.status"],
                status_label=label(STATUS_LABELS, row["case.status"]).pick(locale),
                submitted_at=row["case.submitted_at"],
                waiting_since=row["created_at"],
            )
        )
    return WorklistPage(items=items, total=total, page=page, page_size=page_size)
