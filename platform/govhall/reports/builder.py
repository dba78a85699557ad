"""The report builder (R-S8): cases grouped by chosen dimensions with chosen
measures, within the caller's units, filtered by period, item, unit and status —
one aggregate SQL statement per report, composed here from whitelisted fragments.

Hand-written rather than from an ORM's query builder because the measures need
things Piccolo's aggregates do not express: conditional sums, a left join on an
aggregated sub-select (fees), and *working* days per case, which come from a
``VALUES`` table of the tenant's calendar over the report's period (day → working
days so far), joined twice: no Python loop over cases.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from piccolo.table import Table

from govhall import db
from govhall.calendar.services import tenant_calendar
from govhall.errors import FieldError, Forbidden, InvalidInput, NotFound
from govhall.i18n import N_, Localized
from govhall.identity.services import Grant, grants_of
from govhall.identity.tokens import Principal
from govhall.plugins import PluginRegistry
from govhall.tenancy.schemas import TenantInfo
from govhall.tenancy.tables import OrgUnit
from govhall.web.deps import require_staff_of
from govhall.workflow.labels import STATUS_LABELS

#: Who reads reports: statisticians, supervisors and administrators, over their units.
REPORTING = frozenset({"statistician", "supervisor", "tenant_admin"})
#: IANA zone names as stored for tenants (checked again before use in SQL).
_ZONE = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*")
#: The longest period one report covers (the working-day table grows with it).
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


class _Raw(Table):
    """A handle for the builder's statements."""


@dataclass(frozen=True, slots=True)
class _Period:
    date_from: date
    date_to: date
    start: datetime
    end: datetime


async def reporting_scope(tenant: TenantInfo, principal: Principal) -> list[Grant]:
    staff = require_staff_of(principal, tenant)
    scope = [g for g in await grants_of(staff.id, tenant.id) if g.role in REPORTING]
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
    zone = ZoneInfo(tenant.time_zone)
    return _Period(
        date_from=date_from,
        date_to=date_to,
        start=datetime.combine(date_from, time(), zone).astimezone(UTC),
        end=datetime.combine(date_to + timedelta(days=1), time(), zone).astimezone(UTC),
    )


@dataclass(frozen=True, slots=True)
class _LocalTime:
    """A timestamp column as the tenant's local date or month: PostgreSQL converts
    with the zone's rules; SQLite (the embedded default) adds today's UTC offset."""

    postgres: bool
    zone: str
    offset_minutes: int

    def _zone_literal(self) -> str:
        if not _ZONE.fullmatch(self.zone):
            raise ValueError(f"unexpected time zone name {self.zone!r}")
        return f"'{self.zone}'"

    def date(self, column: str) -> str:
        if self.postgres:
            return f"(({column}) AT TIME ZONE {self._zone_literal()})::date"
        return f"date({column}, '{self.offset_minutes:+d} minutes')"

    def month(self, column: str) -> str:
        if self.postgres:
            return f"to_char(({column}) AT TIME ZONE {self._zone_literal()}, 'YYYY-MM')"
        return f"strftime('%Y-%m', {column}, '{self.offset_minutes:+d} minutes')"


def _working_day_table(period: _Period, calendar: Any, today: date, postgres: bool) -> str:
    """``wd(day, n)``: for each day of the period up to today, the working days from
    the period's start up to and including it. Dates and counts are generated
    here, never input, so they are written into the statement as literals."""
    rows = []
    n = 0
    day = period.date_from - timedelta(days=1)
    last = max(today, period.date_to)
    while day <= last:
        if calendar.is_working_day(day):
            n += 1
        rows.append(f"('{day.isoformat()}'{'::date' if postgres else ''}, {n})")
        day += timedelta(days=1)
    return f"wd (day, n) AS (VALUES {', '.join(rows)})"


async def run_report(
    tenant: TenantInfo,
    principal: Principal,
    spec: ReportSpec,
    locale: str,
    registry: PluginRegistry | None = None,
) -> ReportResult:
    scope = await reporting_scope(tenant, principal)
    period = check_spec(spec, tenant)
    postgres = db.is_postgres()
    zone = ZoneInfo(tenant.time_zone)
    now = datetime.now(zone)
    offset = int((now.utcoffset() or timedelta()).total_seconds() // 60)
    values: list[Any] = []

    def bind(value: Any, cast: str = "") -> str:
        # Only the WHERE clause binds values, so their order is the text's order.
        values.append(value)
        return "{}" + (cast if postgres else "")

    # Typed values (a UUID from the database, a zone name checked below) and
    # generated dates are written as literals; what a caller typed is bound.
    tenant_id = str(uuid.UUID(str(tenant.id)))
    where = [
        f"c.tenant = '{tenant_id}'",
        f"c.submitted_at >= {bind(period.start, '::timestamptz')}",
        f"c.submitted_at < {bind(period.end, '::timestamptz')}",
    ]
    paths = [f"u.path LIKE {bind(g.path + '%')}" for g in scope]
    where.append(f"({' OR '.join(paths)})")
    if spec.item_code:
        where.append(f"c.item_code = {bind(spec.item_code)}")
    if spec.status:
        where.append(f"c.status = {bind(spec.status)}")
    if spec.unit:
        row = (
            await OrgUnit.select(OrgUnit.path)
            .where((OrgUnit.tenant == tenant.id) & (OrgUnit.code == spec.unit))
            .first()
        )
        if row is None:
            raise NotFound(N_("找不到机构“{unit}”"), code="org_unit_not_found", unit=spec.unit)
        where.append(f"u.path LIKE {bind(row['path'] + '%')}")

    local = _LocalTime(postgres, tenant.time_zone, offset)
    concluded_on = local.date("c.concluded_at")
    started_on = f"COALESCE(c.received_on, {local.date('c.submitted_at')})"
    group_sql = {
        "item": "c.item_code",
        "department": "c.department",
        "month": local.month("c.submitted_at"),
        "status": "c.status",
    }
    measure_sql = {
        "cases": "COUNT(*)",
        "concluded": "SUM(CASE WHEN c.status = 'concluded' THEN 1 ELSE 0 END)",
        "on_time_rate": (
            f"100.0 * SUM(CASE WHEN c.status = 'concluded' AND {concluded_on} <= c.due_on "
            "THEN 1 ELSE 0 END) / NULLIF(SUM(CASE WHEN c.status = 'concluded' "
            "AND c.due_on IS NOT NULL THEN 1 ELSE 0 END), 0)"
        ),
        "average_days": "AVG(CASE WHEN c.status = 'concluded' THEN wc.n - ws.n END)",
        "satisfaction": "AVG(r.level)",
        "ratings": "COUNT(r.id)",
        "fees_collected": "COALESCE(SUM(p.collected), 0) / 100.0",
    }
    joins = ["JOIN tenancy_org_unit u ON u.id = c.department"]
    ctes = []
    if "average_days" in spec.measures:
        calendar = await tenant_calendar(tenant.id)
        ctes.append(_working_day_table(period, calendar, now.date(), postgres))
        joins.append(f"LEFT JOIN wd ws ON ws.day = {_iso(started_on, postgres)}")
        joins.append(f"LEFT JOIN wd wc ON wc.day = {_iso(concluded_on, postgres)}")
    if {"satisfaction", "ratings"} & set(spec.measures):
        joins.append(
            'LEFT JOIN engagement_rating r ON r."case" = c.id AND r.excluded = '
            + ("false" if postgres else "0")
        )
    if "fees_collected" in spec.measures:
        joins.append(
            # A UUID's text only: nothing typed by a caller is in the statement.
            'LEFT JOIN (SELECT "case" AS case_id, SUM(amount_fen - refund_fen) AS collected '  # noqa: S608
            "FROM fees_payment_order WHERE status IN ('paid', 'refunded') "
            f"AND tenant = '{tenant_id}' "
            'GROUP BY "case") p ON p.case_id = c.id'
        )
    dims = [group_sql[d] for d in spec.dimensions]
    # Named columns: PostgreSQL would call two COUNTs both "count".
    measures = [f"{measure_sql[m]} AS m{i}" for i, m in enumerate(spec.measures)]
    with_clause = f"WITH {', '.join(ctes)} " if ctes else ""
    body = f"FROM cases_case c {' '.join(joins)} WHERE {' AND '.join(where)}"
    select = ", ".join([*(f"{d} AS d{i}" for i, d in enumerate(dims)), *measures])
    grouping = f" GROUP BY {', '.join(dims)} ORDER BY {', '.join(dims)}" if dims else ""
    sql = f"{with_clause}SELECT {select} {body}{grouping}"
    totals_sql = f"{with_clause}SELECT {', '.join(measures)} {body}"
    _Raw._meta.db = db.get_engine()
    rows = list(await _Raw.raw(sql, *values))
    totals = list(await _Raw.raw(totals_sql, *values))
    labels = await _labels(tenant, spec.dimensions, rows, locale, registry)
    out_rows = []
    for row in rows:
        values = list(row.values())
        keys = [_key(v) for v in values[: len(dims)]]
        out_rows.append(
            ReportRow(
                keys=keys,
                labels=[labels[d].get(k, k) for d, k in zip(spec.dimensions, keys, strict=True)],
                values=[_number(v) for v in values[len(dims) :]],
            )
        )
    return ReportResult(
        dimensions=[Column(key=d, label=DIMENSIONS[d].pick(locale)) for d in spec.dimensions],
        measures=[Column(key=m, label=MEASURES[m].pick(locale)) for m in spec.measures],
        rows=out_rows,
        totals=[_number(v) for v in (list(totals[0].values()) if totals else [])],
        date_from=period.date_from,
        date_to=period.date_to,
    )


def _iso(expression: str, postgres: bool) -> str:
    # The working-day table's days are ISO text on SQLite, dates on PostgreSQL.
    return f"CAST({expression} AS date)" if postgres else expression


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
