"""Performance scores (绩效考核, R-S7): per department or per post (岗位), for any
period, from the tenant's weights, with the formula beside every score.

    score = base − warning × 预警 − yellow × 黄牌 − red × 红牌
                 + early × 提前办结 + promise × 承诺提速事项
                 + satisfaction × (平均星级 − 3)

Signals count when raised in the period, against the unit responsible (the step's
unit, or the case's department) and, per post, the step's position. Early
completions are cases concluded in the period at least ``early_days`` working days
before their legal deadline (working days from a ``VALUES`` table of the tenant's
calendar, joined in SQL). Promise items are the items a department concluded cases
of in the period whose promised limit is at most ``promise_ratio`` of the
statutory one (the tenant's promise, else the item's). Satisfaction is the average
of the period's ratings that count (appeals upheld are left out); no ratings, no
term. Posts are scored on their
steps' signals only: completions, promises and ratings belong to departments.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from piccolo.table import Table

from govhall import db, exports
from govhall.calendar.services import tenant_calendar
from govhall.errors import FieldError, InvalidInput
from govhall.i18n import N_
from govhall.identity.tokens import Principal
from govhall.plugins import PluginRegistry
from govhall.reports.facts import local_date, working_day_table
from govhall.supervision.services import require_tenant_wide, save_settings, supervision_scope
from govhall.supervision.tables import SupervisionSettings
from govhall.tenancy.schemas import TenantInfo
from govhall.tenancy.tables import ItemSetting, OrgUnit

BY = ("department", "position")


class Weights(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    base: float = 100.0
    warning: float = 1.0
    yellow: float = 3.0
    red: float = 5.0
    early: float = 0.5
    early_days: int = 3
    """Working days before the legal deadline that count as early."""
    promise: float = 2.0
    promise_ratio: float = 0.5
    """Promised limit at most this share of the statutory one."""
    satisfaction: float = 5.0


class ScoreRow(msgspec.Struct, kw_only=True):
    unit: str
    unit_name: str
    position: str
    warnings: int
    yellows: int
    reds: int
    early: int
    promise_items: int
    satisfaction: float | None
    ratings: int
    score: float
    formula: str
    compare_score: float | None = None
    change: float | None = None


class ScoreSheet(msgspec.Struct, kw_only=True):
    by: str
    date_from: date
    date_to: date
    compare_from: date | None
    compare_to: date | None
    weights: Weights
    rows: list[ScoreRow]


class _Raw(Table):
    """A handle for the scores' statements."""


def _check_weights(weights: Weights) -> None:
    errors = []
    for name in ("warning", "yellow", "red", "early", "promise", "satisfaction"):
        if not 0 <= getattr(weights, name) <= 100:
            errors.append(FieldError(name, N_("权重须在 0 至 100 之间")))
    if not 0 < weights.base <= 1000:
        errors.append(FieldError("base", N_("基础分须大于 0 且不超过 1000")))
    if not 0 <= weights.early_days <= 60:
        errors.append(FieldError("early_days", N_("提前天数须在 0 至 60 个工作日之间")))
    if not 0 < weights.promise_ratio <= 1:
        errors.append(FieldError("promise_ratio", N_("承诺时限比例须大于 0 且不超过 1")))
    if errors:
        raise InvalidInput(N_("考核权重有误"), code="invalid_weights", errors=errors)


async def weights_of(tenant_id: uuid.UUID) -> Weights:
    row = (
        await SupervisionSettings.select(SupervisionSettings.score_weights)
        .where(SupervisionSettings.tenant == tenant_id)
        .output(load_json=True)
        .first()
    )
    stored = (row or {}).get("score_weights") or {}
    return msgspec.convert(stored, Weights) if stored else Weights()


async def set_weights(
    tenant: TenantInfo, principal: Principal, weights: Weights, ip: str
) -> Weights:
    """Whole-government supervisors or administrators set the weights."""
    await require_tenant_wide(
        tenant, principal, N_("只有本级政府的监察人员或管理员可以修改考核权重")
    )
    _check_weights(weights)
    values = {"score_weights": msgspec.to_builtins(weights)}
    await save_settings(tenant, principal, values, "score_weights_changed", ip)
    return weights


def _period(tenant: TenantInfo, date_from: date | None, date_to: date | None) -> tuple[date, date]:
    today = datetime.now(ZoneInfo(tenant.time_zone)).date()
    start = date_from or today.replace(day=1)
    end = date_to or today
    if end < start:
        problem = N_("结束日期不能早于开始日期")
        raise InvalidInput(problem, code="invalid_period", errors=[FieldError("date_to", problem)])
    if (end - start).days > 366 * 5:
        problem = N_("统计期间不能超过五年")
        raise InvalidInput(problem, code="invalid_period", errors=[FieldError("date_to", problem)])
    return start, end


async def _raw(sql: str, *values: Any) -> list[dict[str, Any]]:
    _Raw._meta.db = db.get_engine()
    return list(await _Raw.raw(sql, *values))


async def _figures(
    tenant: TenantInfo,
    by: str,
    start: date,
    end: date,
    weights: Weights,
    registry: PluginRegistry | None,
) -> dict[tuple[Any, str], dict[str, Any]]:
    """(unit id, position) → the period's counts."""
    postgres = db.is_postgres()
    zone = ZoneInfo(tenant.time_zone)
    lower = datetime.combine(start, time(), zone).astimezone(UTC)
    upper = datetime.combine(end + timedelta(days=1), time(), zone).astimezone(UTC)
    stamp = "{}::timestamptz" if postgres else "{}"
    at_stamp = db.instant(stamp)

    def within(column: str) -> str:
        # The period's bounds are the statement's two parameters.
        return f"{db.instant(column)} >= {at_stamp} AND {db.instant(column)} < {at_stamp}"

    tid = str(uuid.UUID(str(tenant.id)))
    offset = int((datetime.now(zone).utcoffset() or timedelta()).total_seconds() // 60)
    figures: dict[tuple[Any, str], dict[str, Any]] = {}

    def slot(unit: Any, position: str) -> dict[str, Any]:
        key = (str(unit), position)
        return figures.setdefault(
            key,
            {
                "warning": 0,
                "yellow": 0,
                "red": 0,
                "early": 0,
                "promise": 0,
                "ratings": 0,
                "rating_sum": 0,
            },
        )

    position = "COALESCE(t.position, '')" if by == "position" else "''"
    rows = await _raw(
        f"SELECT s.org_unit AS unit, {position} AS position, s.level AS level, "  # noqa: S608
        "COUNT(*) AS n FROM supervision_signal s LEFT JOIN workflow_task t ON t.id = s.task "
        f"WHERE s.tenant = '{tid}' AND s.org_unit IS NOT NULL "
        f"AND {within('s.raised_at')} "
        + ("AND s.task IS NOT NULL " if by == "position" else "")
        # PostgreSQL refuses a constant in GROUP BY: group by position only per post.
        + f"GROUP BY s.org_unit, s.level{', ' + position if by == 'position' else ''}",
        lower,
        upper,
    )
    for row in rows:
        slot(row["unit"], row["position"])[row["level"]] += int(row["n"])
    if by == "position":
        return figures
    calendar = await tenant_calendar(tenant.id)
    concluded_on = local_date("c.concluded_at", postgres, tenant.time_zone, offset)
    as_date = (lambda e: f"CAST({e} AS date)") if postgres else (lambda e: e)
    # Deadlines run up to a year and more past the period: the table covers them.
    table = working_day_table(start, end + timedelta(days=800), calendar, postgres)
    early = await _raw(
        f"WITH {table} SELECT c.department AS unit, COUNT(*) AS n "  # noqa: S608
        "FROM cases_case c "
        f"JOIN wd wc ON wc.day = {as_date(concluded_on)} JOIN wd wd2 ON wd2.day = c.due_on "
        f"WHERE c.tenant = '{tid}' AND c.status = 'concluded' "
        f"AND {within('c.concluded_at')} "
        f"AND wd2.n - wc.n >= {int(weights.early_days)} GROUP BY c.department",
        lower,
        upper,
    )
    for row in early:
        slot(row["unit"], "")["early"] += int(row["n"])
    promised = {
        r["item_code"]: r["promised_days"]
        for r in await ItemSetting.select(ItemSetting.item_code, ItemSetting.promised_days).where(
            (ItemSetting.tenant == tenant.id) & ItemSetting.promised_days.is_not_null()
        )
    }
    items = registry.items if registry else {}
    concluded_items = await _raw(
        f"SELECT DISTINCT c.department AS unit, c.item_code AS item_code FROM cases_case c "  # noqa: S608
        f"WHERE c.tenant = '{tid}' AND c.status = 'concluded' "
        f"AND {within('c.concluded_at')}",
        lower,
        upper,
    )
    for row in concluded_items:
        installed = items.get(row["item_code"])
        if installed is None:
            continue
        # The tenant's own promise, else the item's.
        days = promised.get(row["item_code"], installed.spec.promised_days)
        statutory = installed.spec.statutory_days
        if statutory and days <= statutory * weights.promise_ratio:
            slot(row["unit"], "")["promise"] += 1
    excluded_false = "false" if postgres else "0"
    ratings = await _raw(
        "SELECT r.department AS unit, COUNT(*) AS n, SUM(r.level) AS total "  # noqa: S608
        f"FROM engagement_rating r WHERE r.tenant = '{tid}' AND r.excluded = {excluded_false} "
        f"AND {within('r.created_at')} GROUP BY r.department",
        lower,
        upper,
    )
    for row in ratings:
        entry = slot(row["unit"], "")
        entry["ratings"] += int(row["n"])
        entry["rating_sum"] += int(row["total"] or 0)
    return figures


def _score(weights: Weights, f: dict[str, Any]) -> tuple[float, str, float | None]:
    satisfaction = f["rating_sum"] / f["ratings"] if f["ratings"] else None
    score = (
        weights.base
        - weights.warning * f["warning"]
        - weights.yellow * f["yellow"]
        - weights.red * f["red"]
        + weights.early * f["early"]
        + weights.promise * f["promise"]
    )
    formula = (
        f"{weights.base:g} − {weights.warning:g}×{f['warning']} − {weights.yellow:g}×{f['yellow']}"
        f" − {weights.red:g}×{f['red']} + {weights.early:g}×{f['early']}"
        f" + {weights.promise:g}×{f['promise']}"
    )
    if satisfaction is not None:
        score += weights.satisfaction * (satisfaction - 3)
        formula += f" + {weights.satisfaction:g}×({satisfaction:.2f}−3)"
    score = round(score, 2)
    return score, f"{formula} = {score:g}", satisfaction


async def score_sheet(
    tenant: TenantInfo,
    principal: Principal,
    locale: str,
    registry: PluginRegistry | None,
    *,
    by: str = "department",
    date_from: date | None = None,
    date_to: date | None = None,
    compare_from: date | None = None,
    compare_to: date | None = None,
) -> ScoreSheet:
    """Scores of the units in the caller's scope, best first; with a comparison
    period, each row also carries that period's score and the change."""
    scope = await supervision_scope(tenant, principal)
    if by not in BY:
        problem = N_("只能按部门（department）或岗位（position）考核")
        raise InvalidInput(problem, code="invalid_filter", errors=[FieldError("by", problem)])
    start, end = _period(tenant, date_from, date_to)
    compare = None
    if compare_from or compare_to:
        if not (compare_from and compare_to):
            problem = N_("对比期间须同时填写开始和结束日期")
            raise InvalidInput(
                problem, code="invalid_period", errors=[FieldError("compare_to", problem)]
            )
        compare = _period(tenant, compare_from, compare_to)
    weights = await weights_of(tenant.id)
    figures = await _figures(tenant, by, start, end, weights, registry)
    before = await _figures(tenant, by, *compare, weights, registry) if compare else {}
    units = {
        str(u["id"]): u
        for u in await OrgUnit.select(
            OrgUnit.id, OrgUnit.code, OrgUnit.name, OrgUnit.name_en, OrgUnit.path
        ).where(OrgUnit.tenant == tenant.id)
    }
    rows = []
    for key in sorted(set(figures) | set(before)):
        unit = units.get(key[0])
        if unit is None or not any(unit["path"].startswith(g.path) for g in scope):
            continue
        empty = {
            "warning": 0,
            "yellow": 0,
            "red": 0,
            "early": 0,
            "promise": 0,
            "ratings": 0,
            "rating_sum": 0,
        }
        now_figures = figures.get(key, empty)
        score, formula, satisfaction = _score(weights, now_figures)
        row = ScoreRow(
            unit=unit["code"],
            unit_name=unit["name_en"] if locale == "en" and unit["name_en"] else unit["name"],
            position=key[1],
            warnings=now_figures["warning"],
            yellows=now_figures["yellow"],
            reds=now_figures["red"],
            early=now_figures["early"],
            promise_items=now_figures["promise"],
            satisfaction=round(satisfaction, 2) if satisfaction is not None else None,
            ratings=now_figures["ratings"],
            score=score,
            formula=formula,
        )
        if compare:
            row.compare_score = _score(weights, before.get(key, empty))[0]
            row.change = round(row.score - row.compare_score, 2)
        rows.append(row)
    rows.sort(key=lambda r: (-r.score, r.unit, r.position))
    return ScoreSheet(
        by=by,
        date_from=start,
        date_to=end,
        compare_from=compare[0] if compare else None,
        compare_to=compare[1] if compare else None,
        weights=weights,
        rows=rows,
    )


HEADERS = {
    "zh-CN": [
        "部门",
        "岗位",
        "预警",
        "黄牌",
        "红牌",
        "提前办结",
        "承诺提速事项",
        "满意度",
        "评价数",
        "得分",
        "计算公式",
        "对比期得分",
        "变化",
    ],
    "en": [
        "department",
        "post",
        "warnings",
        "yellow cards",
        "red cards",
        "early",
        "faster promises",
        "satisfaction",
        "ratings",
        "score",
        "formula",
        "comparison score",
        "change",
    ],
}


def export_scores(sheet: ScoreSheet, fmt: str, locale: str) -> bytes:
    headers = HEADERS.get(locale, HEADERS["zh-CN"])
    rows = [
        [
            r.unit_name,
            r.position,
            r.warnings,
            r.yellows,
            r.reds,
            r.early,
            r.promise_items,
            r.satisfaction,
            r.ratings,
            r.score,
            r.formula,
            r.compare_score,
            r.change,
        ]
        for r in sheet.rows
    ]
    if fmt == "csv":
        return exports.to_csv(headers, rows)
    if fmt == "xlsx":
        return exports.to_xlsx("绩效考核" if locale != "en" else "Scores", headers, rows)
    problem = N_("只能导出 CSV 或 XLSX")
    raise InvalidInput(problem, code="invalid_format", errors=[FieldError("format", problem)])
