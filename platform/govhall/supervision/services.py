"""Supervision services: who supervises, the signals they see, and each tenant's
thresholds (the sweep itself: :mod:`govhall.supervision.sweep`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

import msgspec
from piccolo.query.functions.aggregate import Count

from govhall import db
from govhall.audit.services import Actor, record
from govhall.errors import FieldError, Forbidden, InvalidInput, NotFound
from govhall.i18n import N_, Localized
from govhall.identity.access import require_staff_of
from govhall.identity.services import Grant, grants_of
from govhall.identity.tokens import Principal
from govhall.supervision.sweep import DEFAULT_THRESHOLDS, LEVELS, SweepResult, sweep
from govhall.supervision.tables import Signal, SupervisionSettings
from govhall.tenancy.schemas import TenantInfo
from govhall.tenancy.tables import OrgUnit
from govhall.workflow.tables import Task

#: Working days to rectify after a poor rating, unless the tenant sets its own.
DEFAULT_RECTIFICATION_DAYS = 5
#: Working days to answer a complaint, unless the tenant sets its own.
DEFAULT_COMPLAINT_DAYS = 10
#: Functions that see signals: supervisors (监察) and administrators, over their units.
SUPERVISING = frozenset({"supervisor", "tenant_admin"})
LEVEL_LABELS = {
    "warning": Localized("预警", "warning"),
    "yellow": Localized("黄牌", "yellow card"),
    "red": Localized("红牌", "red card"),
}
SUBJECT_LABELS = {
    "case": Localized("法定办结时限", "legal time limit"),
    "acceptance": Localized("受理时限", "acceptance time limit"),
    "issue": Localized("决定送达时限（行政许可法第四十四条）", "issue and delivery limit (§44)"),
    "hold": Localized("特别程序时限", "special procedure time limit"),
    "step": Localized("环节时限", "step time limit"),
    "rule": Localized("违规办理", "rule breach"),
}


_COLUMNS = (
    Signal.id,
    Signal.case.serial_number,
    Signal.case.item_code,
    Signal.subject,
    Signal.task.step,
    Signal.level,
    Signal.deadline,
    Signal.org_unit.code,
    Signal.org_unit.name,
    Signal.org_unit.name_en,
    Signal.raised_at,
    Signal.cleared_at,
    Signal.kind,
    Signal.reason,
)


class SignalOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    serial_number: str
    item_code: str
    subject: str
    subject_label: str
    step: str
    level: str
    level_label: str
    deadline: date | None
    org_unit: str
    org_unit_name: str
    raised_at: datetime
    cleared_at: datetime | None
    kind: str = "deadline"
    """deadline (the sweep) | rule (an action against the item's rules)"""
    reason: str = ""


class SignalPage(msgspec.Struct, kw_only=True):
    items: list[SignalOut]
    total: int
    counts: dict[str, int]
    """Open signals per level, within the caller's scope."""


class ThresholdsIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    warning_days: int
    yellow_days: int
    red_days: int
    rectification_days: int = DEFAULT_RECTIFICATION_DAYS
    complaint_days: int = DEFAULT_COMPLAINT_DAYS
    """Working days to answer a complaint or a letter to the leader mailbox (R-A10)."""
    """Working days a department has to rectify after a rating of 1 or 2 (R-A11)."""


class ThresholdsOut(ThresholdsIn, kw_only=True):
    default: bool


class SweepOut(msgspec.Struct, kw_only=True):
    raised: int
    cleared: int


async def supervision_scope(
    tenant: TenantInfo, principal: Principal, grants: list[Grant] | None = None
) -> list[Grant]:
    """The units a supervisor (or administrator) watches; 403 for anyone else
    (``grants``: the caller's, when the page has them already)."""
    staff = require_staff_of(principal, tenant)
    if grants is None:
        grants = await grants_of(staff.id, tenant)
    scope = [g for g in grants if g.role in SUPERVISING]
    if not scope:
        raise Forbidden(N_("只有监察人员或管理员可以查看监察信息"), code="supervisor_required")
    return scope


async def is_supervising(
    tenant: TenantInfo, principal: Principal, grants: list[Grant] | None = None
) -> bool:
    """Whether the staff member supervises any unit (what the pages offer them)."""
    try:
        await supervision_scope(tenant, principal, grants)
    except Forbidden:
        return False
    return True


def _paths(scope: list[Grant]) -> Any:
    condition: Any = None
    for grant in scope:
        part = Signal.org_unit.path.like(f"{grant.path}%")
        condition = part if condition is None else condition | part
    return condition


async def list_signals(
    tenant: TenantInfo,
    principal: Principal,
    locale: str,
    *,
    level: str = "",
    unit: str = "",
    include_cleared: bool = False,
    page: int = 1,
    page_size: int = 50,
) -> SignalPage:
    scope = await supervision_scope(tenant, principal)
    if level and level not in LEVELS:
        raise InvalidInput(
            N_("筛选条件“{name}”的取值“{value}”无效，可选：{allowed}"),
            code="invalid_filter",
            name="level",
            value=level,
            allowed="、".join(LEVELS),
        )
    if page < 1 or not 1 <= page_size <= 200:
        raise InvalidInput(N_("分页参数无效"), code="invalid_page")
    where: Any = (Signal.tenant == tenant.id) & _paths(scope)
    if unit:
        row = (
            await OrgUnit.select(OrgUnit.path)
            .where((OrgUnit.tenant == tenant.id) & (OrgUnit.code == unit))
            .first()
        )
        if row is None:
            raise NotFound(N_("找不到机构“{unit}”"), code="org_unit_not_found", unit=unit)
        where &= Signal.org_unit.path.like(f"{row['path']}%")
    open_where = where & Signal.cleared_at.is_null()
    counts = {name: 0 for name in LEVELS}
    grouped = Signal.select(Signal.level, Count()).where(open_where).group_by(Signal.level)
    for row in await grouped:
        counts[row["level"]] = int(row["count"])
    if not include_cleared:
        where = open_where
    if level:
        where &= Signal.level == level
    total = await Signal.count().where(where)
    rows = (
        await Signal.select(*_COLUMNS)
        .where(where)
        # The longest overdue first.
        .order_by(Signal.deadline, Signal.raised_at)
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return SignalPage(items=[_out(r, locale) for r in rows], total=total, counts=counts)


def _out(row: dict[str, Any], locale: str) -> SignalOut:
    subject = str(row["subject"]).split(":", 1)[0]
    name = row["org_unit.name_en"] if locale == "en" and row["org_unit.name_en"] else ""
    return SignalOut(
        id=row["id"],
        serial_number=row["case.serial_number"],
        item_code=row["case.item_code"],
        subject=subject,
        subject_label=SUBJECT_LABELS[subject].pick(locale),
        step=row["task.step"] or "",
        level=row["level"],
        level_label=LEVEL_LABELS[row["level"]].pick(locale),
        deadline=row["deadline"],
        org_unit=row["org_unit.code"] or "",
        org_unit_name=name or row["org_unit.name"] or "",
        raised_at=row["raised_at"],
        cleared_at=row["cleared_at"],
        kind=row["kind"],
        reason=row["reason"] if row["kind"] == "rule" else "",
    )


async def cards_of_tasks(task_ids: Iterable[Any]) -> dict[Any, str]:
    """The highest open card (yellow or red) per open step — its own, or its case's
    (the acceptance step's deadline is the case's acceptance clock, carded once) —
    for a page of the work list in one query; warnings are the list's own 临期 mark."""
    ids = list(task_ids)
    if not ids:
        return {}
    postgres = db.is_postgres()
    marks = ", ".join("{}::uuid" if postgres else "{}" for _ in ids)
    # Placeholders only: the ids are parameters.
    rows = await Task.raw(
        "SELECT t.id AS task, s.level FROM workflow_task t "  # noqa: S608
        'JOIN supervision_signal s ON s."case" = t."case" '
        "AND (s.task = t.id OR s.task IS NULL) "
        f"WHERE t.id IN ({marks}) AND s.cleared_at IS NULL AND s.level <> 'warning'",
        *(ids if postgres else [str(i) for i in ids]),
    )
    highest: dict[Any, str] = {}
    for row in rows:
        task = row["task"] if postgres else uuid.UUID(str(row["task"]))
        current = highest.get(task)
        if current is None or LEVELS.index(row["level"]) > LEVELS.index(current):
            highest[task] = row["level"]
    return highest


async def signals_of_case(case_id: Any, locale: str) -> list[SignalOut]:
    """Every signal a case had, open or cleared (the case screen's history)."""
    rows = await Signal.select(*_COLUMNS).where(Signal.case == case_id).order_by(Signal.raised_at)
    return [_out(r, locale) for r in rows]


async def thresholds_of(tenant: TenantInfo) -> ThresholdsOut:
    row = (
        await SupervisionSettings.select(
            SupervisionSettings.warning_days,
            SupervisionSettings.yellow_days,
            SupervisionSettings.red_days,
            SupervisionSettings.rectification_days,
            SupervisionSettings.complaint_days,
        )
        .where(SupervisionSettings.tenant == tenant.id)
        .first()
    )
    if row is None:
        warning, yellow, red = DEFAULT_THRESHOLDS
        return ThresholdsOut(
            warning_days=warning,
            yellow_days=yellow,
            red_days=red,
            rectification_days=DEFAULT_RECTIFICATION_DAYS,
            complaint_days=DEFAULT_COMPLAINT_DAYS,
            default=True,
        )
    return ThresholdsOut(**row, default=False)


async def require_tenant_wide(tenant: TenantInfo, principal: Principal, message: str) -> None:
    """Supervisors or administrators of the whole government (the root unit's grant)."""
    scope = await supervision_scope(tenant, principal)
    if not any(g.path.count("/") == 2 for g in scope):
        raise Forbidden(message, code="tenant_wide_required")


async def save_settings(
    tenant: TenantInfo, principal: Principal, values: dict[str, Any], action: str, ip: str
) -> None:
    """Write ``values`` (columns of the tenant's supervision settings) and audit it."""
    async with db.transaction():
        row = (
            await SupervisionSettings.objects()
            .where(SupervisionSettings.tenant == tenant.id)
            .first()
        )
        if row is None:
            await SupervisionSettings(tenant=tenant.id, **values).save()
        else:
            await SupervisionSettings.update(
                {getattr(SupervisionSettings, k): v for k, v in values.items()}
                | {SupervisionSettings.updated_at: datetime.now(UTC)}
            ).where(SupervisionSettings.id == row.id)
        await record(
            tenant.id, Actor.of(principal, ip), action, target="supervision", detail=values
        )


async def set_thresholds(
    tenant: TenantInfo, principal: Principal, data: ThresholdsIn, ip: str
) -> ThresholdsOut:
    """A whole-government supervisor or administrator sets the tenant's thresholds."""
    await require_tenant_wide(
        tenant, principal, N_("只有本级政府的监察人员或管理员可以修改预警规则")
    )
    errors = []
    if not 0 <= data.warning_days <= 10:
        errors.append(FieldError("warning_days", N_("预警天数须在 0 至 10 个工作日之间")))
    if not 1 <= data.yellow_days <= 20:
        errors.append(FieldError("yellow_days", N_("黄牌天数须在 1 至 20 个工作日之间")))
    if not data.yellow_days < data.red_days <= 30:
        errors.append(FieldError("red_days", N_("红牌天数须大于黄牌天数，且不超过 30 个工作日")))
    if not 1 <= data.rectification_days <= 30:
        errors.append(FieldError("rectification_days", N_("差评整改时限须在 1 至 30 个工作日之间")))
    if not 1 <= data.complaint_days <= 60:
        errors.append(FieldError("complaint_days", N_("投诉办理时限须在 1 至 60 个工作日之间")))
    if errors:
        raise InvalidInput(N_("预警规则有误"), code="invalid_thresholds", errors=errors)
    values = msgspec.to_builtins(data)
    await save_settings(tenant, principal, values, "thresholds_changed", ip)
    return ThresholdsOut(**values, default=False)


async def sweep_now(tenant: TenantInfo, principal: Principal) -> SweepResult:
    """Run the sweep for this tenant at once (supervisors; the schedule runs it every
    few minutes anyway)."""
    await supervision_scope(tenant, principal)
    return await sweep(tenants=[tenant.id])
