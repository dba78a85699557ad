"""The report builder (R-S8): cases grouped by chosen dimensions with chosen
measures, within the caller's units, filtered by period, item, unit and status.

Reports read the pre-aggregated case facts (:mod:`govhall.reports.facts`), one
grouped statement per report composed here from whitelisted fragments — by hand
rather than with Piccolo's query builder because the measures are ratios of sums
(``NULLIF``), the month is a dialect's date function, and the scope is a join on
the org tree's paths.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from piccolo.table import Table

from govhall import db
from govhall.errors import FieldError, Forbidden, InvalidInput, NotFound
from govhall.i18n import N_, Localized
from govhall.identity.access import require_staff_of
from govhall.identity.services import Grant, grants_of
from govhall.identity.tokens import Principal
from govhall.plugins import PluginRegistry
from govhall.reports.facts import refresh, refreshed_at
from govhall.tenancy.schemas import TenantInfo
from govhall.tenancy.tables import OrgUnit
from govhall.workflow.labels import STATUS_LABELS

#: Who reads reports: statisticians, supervisors and administrators, over their units.
REPORTING = frozenset({"statistician", "supervisor", "tenant_admin"})
#: The longest period one report covers.
MAX_DAYS = 366 * 5

DIMENSIONS: dict[str, Localized] = {
    "item": Localized("事项", "item"),
    "department": Localized("部门", "department"),
    "month": Localized("月份", "month"),
    "status": Localized("状态", "status"),
}
MEASURES: dict[str, Localized] = {
    "cases": Localized("申请件数", "applications"),
    "concluded": Localized("办结件数", "concluded"),
    "on_time_rate": Localized("按时办结率（%）", "on-time rate (%)"),
    "average_days": Localized("平均办理工作日", "average working days"),
    "satisfaction": Localized("满意度（平均星级）", "satisfaction (average stars)"),
    "ratings": Localized("评价数", "ratings"),
    "fees_collected": Localized("收费金额（元）", "fees collected (yuan)"),
}


class ReportSpec(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    dimensions: list[str] = msgspec.field(default_factory=list)
    measures: list[str] = msgspec.field(default_factory=lambda: ["cases"])
    date_from: date | None = None
    """Submitted on or after (the tenant's date); default: 1 January this year."""
    date_to: date | None = None
    """Submitted on or before; default: today."""
    item_code: str = ""
    unit: str = ""
    """An org unit's code: its cases and its subtree's."""
    status: str = ""


class Column(msgspec.Struct, kw_only=True):
    key: str
    label: str


class ReportRow(msgspec.Struct, kw_only=True):
    keys: list[str]
    labels: list[str]
    values: list[float | int | None]


class ReportResult(msgspec.Struct, kw_only=True):
    dimensions: list[Column]
    measures: list[Column]
    rows: list[ReportRow]
    totals: list[float | int | None]
    date_from: date
    date_to: date
    as_of: datetime | None = None
    """When the facts were last rebuilt (数据截至); None before the first rebuild."""


#: Each measure from the facts' sums; rates and averages are ratios of sums, so they
#: stay exact whatever the grouping.
MEASURE_SQL = {
    "cases": "COALESCE(SUM(f.cases), 0)",
    "concluded": "COALESCE(SUM(f.concluded), 0)",
    "on_time_rate": "100.0 * SUM(f.on_time) / NULLIF(SUM(f.concluded_due), 0)",
    "average_days": "1.0 * SUM(f.days_sum) / NULLIF(SUM(f.days_count), 0)",
    "satisfaction": "1.0 * SUM(f.rating_sum) / NULLIF(SUM(f.ratings), 0)",
    "ratings": "COALESCE(SUM(f.ratings), 0)",
    "fees_collected": "COALESCE(SUM(f.fees_fen), 0) / 100.0",
}


class _Raw(Table):
    """A handle for the builder's statements."""


@dataclass(frozen=True, slots=True)
class _Period:
    date_from: date
    date_to: date


async def reporting_scope(tenant: TenantInfo, principal: Principal) -> list[Grant]:
    staff = require_staff_of(principal, tenant)
    scope = [g for g in await grants_of(staff.id, tenant) if g.role in REPORTING]
    if not scope:
        raise Forbidden(N_("只有统计人员、监察人员或管理员可以查看报表"), code="reporting_required")
    return scope


def check_spec(spec: ReportSpec, tenant: TenantInfo) -> _Period:
    """Every problem of ``spec`` at once, each on its field."""
    errors: list[FieldError] = []
    unknown = [d for d in spec.dimensions if d not in DIMENSIONS]
    if unknown or len(set(spec.dimensions)) != len(spec.dimensions) or len(spec.dimensions) > 3:
        errors.append(
            FieldError(
                "dimensions",
                N_("维度只能从以下选择（最多三个，不重复）：{allowed}"),
                allowed="、".join(DIMENSIONS),
            )
        )
    unknown = [m for m in spec.measures if m not in MEASURES]
    if unknown or not spec.measures or len(set(spec.measures)) != len(spec.measures):
        errors.append(
            FieldError(
                "measures",
                N_("指标只能从以下选择（至少一个，不重复）：{allowed}"),
                allowed="、".join(MEASURES),
            )
        )
    if spec.status and spec.status not in STATUS_LABELS:
        errors.append(FieldError("status", N_("状态无效")))
    today = datetime.now(ZoneInfo(tenant.time_zone)).date()
    date_from = spec.date_from or date(today.year, 1, 1)
    date_to = spec.date_to or today
    if date_to < date_from:
        errors.append(FieldError("date_to", N_("结束日期不能早于开始日期")))
    elif (date_to - date_from).days > MAX_DAYS:
        errors.append(FieldError("date_to", N_("统计期间不能超过五年")))
    if errors:
        raise InvalidInput(N_("报表条件有误，请按提示修改"), code="invalid_report", errors=errors)
    return _Period(date_from=date_from, date_to=date_to)


async def run_report(
    tenant: TenantInfo,
    principal: Principal,
    spec: ReportSpec,
    locale: str,
    registry: PluginRegistry | None = None,
) -> ReportResult:
    """``spec`` over the tenant's case facts (rebuilt every few minutes), within the
    caller's units: one grouped statement and one for the totals."""
    scope = await reporting_scope(tenant, principal)
    period = check_spec(spec, tenant)
    postgres = db.is_postgres()
    values: list[Any] = []

    def bind(value: Any, cast: str = "") -> str:
        # Only the WHERE clause binds values, so their order is the text's order.
        values.append(value)
        return "{}" + (cast if postgres else "")

    # The tenant's id is a UUID from the database, written as text; what a caller
    # chose is bound.
    tenant_id = str(uuid.UUID(str(tenant.id)))
    where = [
        f"f.tenant = '{tenant_id}'",
        f"f.day >= {bind(period.date_from, '::date')}",
        f"f.day <= {bind(period.date_to, '::date')}",
    ]
    paths = [f"u.path LIKE {bind(g.path + '%')}" for g in scope]
    where.append(f"({' OR '.join(paths)})")
    if spec.item_code:
        where.append(f"f.item_code = {bind(spec.item_code)}")
    if spec.status:
        where.append(f"f.status = {bind(spec.status)}")
    if spec.unit:
        row = (
            await OrgUnit.select(OrgUnit.path)
            .where((OrgUnit.tenant == tenant.id) & (OrgUnit.code == spec.unit))
            .first()
        )
        if row is None:
            raise NotFound(N_("找不到机构“{unit}”"), code="org_unit_not_found", unit=spec.unit)
        where.append(f"u.path LIKE {bind(row['path'] + '%')}")
    group_sql = {
        "item": "f.item_code",
        "department": "f.department",
        "month": "to_char(f.day, 'YYYY-MM')" if postgres else "strftime('%Y-%m', f.day)",
        "status": "f.status",
    }
    dims = [group_sql[d] for d in spec.dimensions]
    # Named columns: PostgreSQL would call two SUMs both "sum".
    measures = [f"{MEASURE_SQL[m]} AS m{i}" for i, m in enumerate(spec.measures)]
    body = (
        "FROM reports_case_fact f JOIN tenancy_org_unit u ON u.id = f.department "
        f"WHERE {' AND '.join(where)}"
    )
    select = ", ".join([*(f"{d} AS d{i}" for i, d in enumerate(dims)), *measures])
    grouping = f" GROUP BY {', '.join(dims)} ORDER BY {', '.join(dims)}" if dims else ""
    as_of = await refreshed_at(tenant.id)
    if as_of is None:
        # A tenant's first report: build its facts now rather than show nothing.
        await refresh([tenant.id])
        as_of = await refreshed_at(tenant.id)
    _Raw._meta.db = db.get_engine()
    rows = list(await _Raw.raw(f"SELECT {select} {body}{grouping}", *values))
    totals = list(await _Raw.raw(f"SELECT {', '.join(measures)} {body}", *values))
    labels = await _labels(tenant, spec.dimensions, rows, locale, registry)
    out_rows = []
    for found in rows:
        cells = list(found.values())
        keys = [_key(v) for v in cells[: len(dims)]]
        out_rows.append(
            ReportRow(
                keys=keys,
                labels=[labels[d].get(k, k) for d, k in zip(spec.dimensions, keys, strict=True)],
                values=[_number(v) for v in cells[len(dims) :]],
            )
        )
    return ReportResult(
        dimensions=[Column(key=d, label=DIMENSIONS[d].pick(locale)) for d in spec.dimensions],
        measures=[Column(key=m, label=MEASURES[m].pick(locale)) for m in spec.measures],
        rows=out_rows,
        totals=[_number(v) for v in (list(totals[0].values()) if totals else [])],
        date_from=period.date_from,
        date_to=period.date_to,
        as_of=as_of,
    )


def _key(value: Any) -> str:
    return "" if value is None else str(value)


def _number(value: Any) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, int):
        return value
    number = float(value)
    return round(number, 2)


async def _labels(
    tenant: TenantInfo,
    dimensions: list[str],
    rows: list[dict[str, Any]],
    locale: str,
    registry: PluginRegistry | None,
) -> dict[str, dict[str, str]]:
    labels: dict[str, dict[str, str]] = {d: {} for d in dimensions}
    if "department" in dimensions:
        index = dimensions.index("department")
        ids = {_key(list(r.values())[index]) for r in rows}
        if ids:
            units = await OrgUnit.select(OrgUnit.id, OrgUnit.name, OrgUnit.name_en).where(
                (OrgUnit.tenant == tenant.id) & OrgUnit.id.is_in([uuid.UUID(i) for i in ids if i])
            )
            labels["department"] = {
                str(u["id"]): (u["name_en"] if locale == "en" and u["name_en"] else u["name"])
                for u in units
            }
    if "status" in dimensions:
        labels["status"] = {k: v.pick(locale) for k, v in STATUS_LABELS.items()}
    if "item" in dimensions and registry is not None:
        labels["item"] = {
            code: Localized(i.spec.name, i.spec.name_en).pick(locale)
            for code, i in registry.items.items()
        }
    return labels
