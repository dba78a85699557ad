"""Combined-condition case queries for staff (R-W3, R-W11 basic): filter by item,
status, submission dates and a serial number / applicant fragment, within the
org units the staff member holds any role over; the "done" list (已办) of cases the
staff member acted on; exports of a query to CSV and XLSX (openpyxl's write-only
mode, so a large export streams rather than building the workbook in memory).
"""

from __future__ import annotations

import functools
import operator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from govhall import exports
from govhall.cases.tables import Case
from govhall.errors import FieldError, InvalidInput
from govhall.i18n import N_, Localized
from govhall.identity.access import require_staff_of
from govhall.identity.services import grants_of
from govhall.identity.tokens import Principal
from govhall.plugins import PluginRegistry
from govhall.tenancy.schemas import TenantInfo
from govhall.workflow.labels import STATUS_LABELS, label
from govhall.workflow.tables import Task

EXPORT_LIMIT = 100_000


class CaseQuery(msgspec.Struct, kw_only=True):
    item: str = ""
    status: str = ""
    q: str = ""
    """A fragment of the serial number or the applicant's name."""
    submitted_from: date | None = None
    submitted_to: date | None = None
    page: int = 1
    page_size: int = 20


class CaseRow(msgspec.Struct, kw_only=True):
    serial_number: str
    item_code: str
    item_name: str
    applicant_name: str
    status: str
    status_label: str
    submitted_at: datetime
    due_on: date | None
    concluded_at: datetime | None


class CasePage(msgspec.Struct, kw_only=True):
    rows: list[CaseRow]
    total: int
    page: int
    page_size: int


async def _scope(tenant: TenantInfo, staff: Principal) -> Any:
    """Cases of the units (and below) the staff member holds any role over."""
    require_staff_of(staff, tenant)
    paths = sorted({g.path for g in await grants_of(staff.id, tenant)})
    if not paths:
        return None
    clauses = [Case.department.path.like(f"{p}%") for p in paths]
    return functools.reduce(operator.or_, clauses)


def _filters(query: CaseQuery) -> list[Any]:
    if query.submitted_from and query.submitted_to and query.submitted_from > query.submitted_to:
        problem = N_("开始日期不能晚于结束日期")
        raise InvalidInput(
            problem, code="date_range_reversed", errors=[FieldError("submitted_from", problem)]
        )
    out: list[Any] = []
    if query.item:
        out.append(Case.item_code == query.item)
    if query.status:
        out.append(Case.status == query.status)
    if query.submitted_from:
        out.append(Case.submitted_at >= datetime.combine(query.submitted_from, datetime.min.time()))
    if query.submitted_to:
        out.append(Case.submitted_at <= datetime.combine(query.submitted_to, datetime.max.time()))
    fragment = query.q.strip().replace("%", "").replace("_", "")
    if fragment:
        out.append(
            Case.serial_number.like(f"%{fragment}%") | Case.applicant_name.like(f"%{fragment}%")
        )
    return out


def _rows(raw: list[dict[str, Any]], registry: PluginRegistry, locale: str) -> list[CaseRow]:
    out = []
    for r in raw:
        installed = registry.items.get(r["item_code"])
        name = (
            Localized(installed.spec.name, installed.spec.name_en).pick(locale)
            if installed
            else r["item_code"]
        )
        out.append(
            CaseRow(
                serial_number=r["serial_number"],
                item_code=r["item_code"],
                item_name=name,
                applicant_name=r["applicant_name"],
                status=r["status"],
                status_label=label(STATUS_LABELS, r["status"]).pick(locale),
                submitted_at=r["submitted_at"],
                due_on=r["promised_due_on"],
                concluded_at=r["concluded_at"],
            )
        )
    return out


_COLUMNS = (
    Case.serial_number,
    Case.item_code,
    Case.applicant_name,
    Case.status,
    Case.submitted_at,
    Case.promised_due_on,
    Case.concluded_at,
)


async def search_cases(
    tenant: TenantInfo,
    staff: Principal,
    query: CaseQuery,
    registry: PluginRegistry,
    locale: str,
    *,
    limit: int | None = None,
) -> CasePage:
    scope = await _scope(tenant, staff)
    page = max(query.page, 1)
    size = limit or min(max(query.page_size, 1), 100)
    if scope is None:
        return CasePage(rows=[], total=0, page=page, page_size=size)
    where = functools.reduce(operator.and_, [Case.tenant == tenant.id, scope, *_filters(query)])
    total = await Case.count().where(where)
    raw = (
        await Case.select(*_COLUMNS)
        .where(where)
        .order_by(Case.submitted_at, ascending=False)
        .limit(size)
        .offset((page - 1) * size if limit is None else 0)
    )
    return CasePage(rows=_rows(raw, registry, locale), total=total, page=page, page_size=size)


async def done_by(
    tenant: TenantInfo, staff: Principal, registry: PluginRegistry, locale: str, page: int = 1
) -> CasePage:
    """已办: cases with a task this staff member completed, latest first (one query with
    a sub-select, so the list stays a page however many cases there are)."""
    require_staff_of(staff, tenant)
    handled = Task.select(Task.case).where(
        (Task.tenant == tenant.id) & (Task.completed_by == staff.id)
    )
    return await _case_page(
        (Case.tenant == tenant.id) & Case.id.is_in(handled), registry, locale, page
    )


async def entered_by(
    tenant: TenantInfo, staff: Principal, registry: PluginRegistry, locale: str, page: int = 1
) -> CasePage:
    """代办件: cases this staff member entered for walk-in applicants or in batches."""
    require_staff_of(staff, tenant)
    where = (Case.tenant == tenant.id) & (Case.entered_by == staff.id)
    return await _case_page(where, registry, locale, page)


async def _case_page(where: Any, registry: PluginRegistry, locale: str, page: int) -> CasePage:
    page = max(page, 1)
    total = await Case.count().where(where)
    raw = (
        await Case.select(*_COLUMNS)
        .where(where)
        .order_by(Case.submitted_at, ascending=False)
        .limit(20)
        .offset((page - 1) * 20)
    )
    return CasePage(rows=_rows(raw, registry, locale), total=total, page=page, page_size=20)


HEADERS = {
    "zh-CN": (
        "办件编号",
        "事项编码",
        "事项名称",
        "申请人",
        "状态",
        "提交时间",
        "承诺办结日期",
        "办结时间",
    ),
    "en": (
        "Serial number",
        "Item code",
        "Item",
        "Applicant",
        "Status",
        "Submitted",
        "Due",
        "Concluded",
    ),
}


def _cells(row: CaseRow, zone: ZoneInfo) -> list[Any]:
    """One exported row; moments in the tenant's time zone, as people read them."""
    return [
        row.serial_number,
        row.item_code,
        row.item_name,
        row.applicant_name,
        row.status_label,
        row.submitted_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
        row.due_on.isoformat() if row.due_on else "—",
        row.concluded_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if row.concluded_at else "—",
    ]


def to_csv(rows: list[CaseRow], locale: str, zone: ZoneInfo) -> bytes:
    return exports.to_csv(HEADERS.get(locale, HEADERS["zh-CN"]), (_cells(r, zone) for r in rows))


def to_xlsx(rows: list[CaseRow], locale: str, zone: ZoneInfo) -> bytes:
    return exports.to_xlsx(
        "办件" if locale != "en" else "Cases",
        HEADERS.get(locale, HEADERS["zh-CN"]),
        (_cells(r, zone) for r in rows),
    )
