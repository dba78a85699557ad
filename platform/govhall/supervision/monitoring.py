"""Process, logic and anomaly monitoring (R-S1, R-S3, R-S4) over the cases and
their event records, within the supervisor's units.

* **Process** — open cases by stage (receipt, acceptance, handling, review,
  approval, conclusion) and department.
* **Logic** — cases whose record is impossible: concluded without being accepted,
  approved or concluded with no decision step, an event recorded earlier than the
  one before it (by sequence), a decision after the case ended.
* **Anomalies** — cases returned, voided, withdrawn by the applicant, abandoned
  after a correction request (waiting longer than the tenant allows), or not
  accepted, for supervisors to review.

Each check is one SQL statement (window functions and ``EXISTS`` over the event
record), not a Python loop over cases.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from piccolo.table import Table

from govhall import db
from govhall.errors import FieldError, InvalidInput
from govhall.i18n import N_, Localized
from govhall.identity.services import Grant
from govhall.identity.tokens import Principal
from govhall.supervision.services import supervision_scope
from govhall.tenancy.schemas import TenantInfo
from govhall.workflow.labels import STATUS_LABELS

#: Days a case may wait for the applicant's corrections before it counts as abandoned.
ABANDONED_AFTER_DAYS = 30
STAGES: dict[str, Localized] = {
    "receipt": Localized("收件", "receipt"),
    "acceptance": Localized("受理", "acceptance"),
    "handling": Localized("承办", "handling"),
    "review": Localized("审核", "review"),
    "approval": Localized("审批", "approval"),
    "conclusion": Localized("办结", "conclusion"),
    "paused": Localized("暂停计时", "clock stopped"),
}
#: Case status → stage of the open ones.
STAGE_OF_STATUS = {
    "pre_submitted": "receipt",
    "submitted": "acceptance",
    "pre_reviewed": "acceptance",
    "accepted": "handling",
    "reviewing": "review",
    "approved": "conclusion",
    "denied": "conclusion",
    "awaiting_correction": "paused",
    "returned_to_applicant": "paused",
    "suspended": "paused",
    "special_procedure": "paused",
}
LOGIC_CHECKS: dict[str, Localized] = {
    "concluded_unaccepted": Localized("未经受理即办结", "concluded without being accepted"),
    "concluded_undecided": Localized("未经审批即办结", "concluded without a decision"),
    "time_order": Localized(
        "办理记录时间先后颠倒", "an event recorded before the one preceding it"
    ),
    "after_end": Localized("办结后仍有审批操作", "a decision recorded after the case ended"),
}
ANOMALIES: dict[str, Localized] = {
    "returned": Localized("退回件", "returned"),
    "voided": Localized("作废件", "voided"),
    "withdrawn": Localized("撤回件（申请人删除）", "withdrawn by the applicant"),
    "abandoned": Localized("补正后放弃件", "abandoned after a correction request"),
    "rejected": Localized("不予受理件", "not accepted"),
}


class StageCount(msgspec.Struct, kw_only=True):
    stage: str
    stage_label: str
    department: str
    department_name: str
    count: int


class CaseFlag(msgspec.Struct, kw_only=True):
    serial_number: str
    item_code: str
    department_name: str
    status: str
    status_label: str
    kind: str
    kind_label: str
    at: datetime | None


class FlagPage(msgspec.Struct, kw_only=True):
    items: list[CaseFlag]
    counts: dict[str, int]


class _Raw(Table):
    """A handle for the monitoring statements."""


async def _raw(sql: str, *values: Any) -> list[dict[str, Any]]:
    _Raw._meta.db = db.get_engine()
    return list(await _Raw.raw(sql, *values))


def _scope_sql(scope: list[Grant], values: list[Any]) -> str:
    parts = []
    for grant in scope:
        values.append(grant.path + "%")
        parts.append("u.path LIKE {}")
    return "(" + " OR ".join(parts) + ")"


def _name(row: dict[str, Any], locale: str) -> str:
    return str(row["name_en"] if locale == "en" and row["name_en"] else row["name"])


async def process_view(tenant: TenantInfo, principal: Principal, locale: str) -> list[StageCount]:
    """Open cases by stage and department (R-S1)."""
    scope = await supervision_scope(tenant, principal)
    values: list[Any] = []
    where = _scope_sql(scope, values)
    tid = str(uuid.UUID(str(tenant.id)))
    rows = await _raw(
        "SELECT c.status AS status, c.hold AS hold, u.code AS code, u.name AS name, "  # noqa: S608
        "u.name_en AS name_en, COUNT(*) AS n FROM cases_case c "
        "JOIN tenancy_org_unit u ON u.id = c.department "
        f"WHERE c.tenant = '{tid}' AND {where} "
        "GROUP BY c.status, c.hold, u.code, u.name, u.name_en",
        *values,
    )
    counts: dict[tuple[str, str], StageCount] = {}
    for row in rows:
        stage = "paused" if row["hold"] else STAGE_OF_STATUS.get(row["status"])
        if stage is None:  # ended
            continue
        key = (stage, row["code"])
        if key not in counts:
            counts[key] = StageCount(
                stage=stage,
                stage_label=STAGES[stage].pick(locale),
                department=row["code"],
                department_name=_name(row, locale),
                count=0,
            )
        counts[key].count += int(row["n"])
    order = list(STAGES)
    return sorted(counts.values(), key=lambda s: (order.index(s.stage), s.department))


def _logic_sql(check: str) -> str:
    """Cases failing ``check``: (case id, when) — composed of constants only."""
    # An on-the-spot item (即办件, promised 0 days) is accepted and decided by the
    # window's one conclusion: neither anomaly applies to it.
    on_the_spot = (
        "COALESCE(c.state->'clock'->>'on_the_spot', 'false') = 'true'"
        if db.is_postgres()
        else "COALESCE(json_extract(c.state, '$.clock.on_the_spot'), 0) IN (1, 'true')"
    )
    statements = {
        "concluded_unaccepted": (
            "SELECT c.id AS case_id, c.concluded_at AS at FROM cases_case c "  # noqa: S608
            "WHERE c.status = 'concluded' AND NOT EXISTS (SELECT 1 FROM cases_case_event e "
            "WHERE e.\"case\" = c.id AND e.action IN ('accept', 'confirm', 'deem_accept')) "
            f"AND NOT {on_the_spot}"
        ),
        "concluded_undecided": (
            "SELECT c.id AS case_id, c.concluded_at AS at FROM cases_case c "  # noqa: S608
            "WHERE c.status = 'concluded' AND NOT EXISTS (SELECT 1 FROM cases_case_event e "
            "WHERE e.\"case\" = c.id AND e.action IN ('approve', 'deny')) "
            f"AND NOT {on_the_spot}"
        ),
        "time_order": (
            'SELECT x.case_id AS case_id, x.created_at AS at FROM (SELECT e."case" AS case_id, '
            'e.created_at, LAG(e.created_at) OVER (PARTITION BY e."case" ORDER BY e.seq) '
            "AS before FROM cases_case_event e) x WHERE CREATED < BEFORE"
        ),
        "after_end": (
            'SELECT e."case" AS case_id, e.created_at AS at FROM cases_case_event e '
            'JOIN cases_case_event last ON last."case" = e."case" '
            "AND last.action = 'conclude' AND last.seq < e.seq "
            "WHERE e.action IN ('approve', 'deny')"
        ),
    }
    return (
        statements[check]
        .replace("CREATED", db.instant("x.created_at"))
        .replace("BEFORE", db.instant("x.before"))
    )


def _anomaly_sql(kind: str, postgres: bool) -> str:
    stamp = "{}::timestamptz" if postgres else "{}"
    # Constants only; the one parameter's placeholder is put in last.
    statements = {
        "returned": (
            'SELECT e."case" AS case_id, MAX(e.created_at) AS at FROM cases_case_event e '
            "WHERE e.action IN ('return', 'return_to_applicant') "
            'AND e.created_at >= STAMP GROUP BY e."case"'
        ),
        "voided": (
            'SELECT e."case" AS case_id, e.created_at AS at FROM cases_case_event e '
            "WHERE e.action = 'void' AND e.created_at >= STAMP"
        ),
        "withdrawn": (
            'SELECT e."case" AS case_id, e.created_at AS at FROM cases_case_event e '
            "WHERE e.action = 'withdraw' AND e.created_at >= STAMP"
        ),
        "abandoned": (
            "SELECT c.id AS case_id, MAX(e.created_at) AS at FROM cases_case c "
            "JOIN cases_case_event e ON e.\"case\" = c.id AND e.action = 'request_correction' "
            "WHERE c.status = 'awaiting_correction' GROUP BY c.id "
            "HAVING MAX(e.created_at) < STAMP"
        ),
        "rejected": (
            'SELECT e."case" AS case_id, e.created_at AS at FROM cases_case_event e '
            "WHERE e.action = 'reject' AND e.created_at >= STAMP"
        ),
    }
    return (
        statements[kind]
        .replace("e.created_at >= STAMP", f"{db.instant('e.created_at')} >= {db.instant(stamp)}")
        .replace(
            "MAX(e.created_at) < STAMP", f"MAX({db.instant('e.created_at')}) < {db.instant(stamp)}"
        )
    )


def _one_tenant(statement: str, tid: str) -> str:
    """``statement`` reading only one tenant's cases and events (the window and the
    aggregates then never touch other tenants' rows)."""
    return re.sub(
        r"\b(cases_case_event|cases_case) (e|last|c)\b",
        lambda m: f"(SELECT * FROM {m.group(1)} WHERE tenant = '{tid}') {m.group(2)}",  # noqa: S608 - a UUID's text
        statement,
    )


def _check_kind(kind: str, allowed: dict[str, Localized]) -> None:
    if kind and kind not in allowed:
        raise InvalidInput(
            N_("筛选条件“{name}”的取值“{value}”无效，可选：{allowed}"),
            code="invalid_filter",
            errors=[FieldError("kind", N_("类型无效"))],
            name="kind",
            value=kind,
            allowed="、".join(allowed),
        )


async def _flags(
    tenant: TenantInfo,
    scope: list[Grant],
    locale: str,
    kinds: dict[str, Localized],
    wanted: str,
    sql_of: Any,
    stamp: datetime | None,
) -> FlagPage:
    """Counts for every kind in ``kinds``; the cases (latest 200) of ``wanted``, or of
    all when it is empty."""
    tid = str(uuid.UUID(str(tenant.id)))
    counts = {}
    items: list[CaseFlag] = []
    for kind, label in kinds.items():
        values: list[Any] = [] if stamp is None else [stamp]
        where = _scope_sql(scope, values)
        rows = await _raw(
            f"SELECT c.serial_number AS serial_number, c.item_code AS item_code, "  # noqa: S608
            "c.status AS status, u.name AS name, u.name_en AS name_en, f.at AS at "
            f"FROM ({_one_tenant(sql_of(kind), tid)}) f JOIN cases_case c ON c.id = f.case_id "
            "JOIN tenancy_org_unit u ON u.id = c.department "
            f"WHERE c.tenant = '{tid}' AND {where} ORDER BY f.at DESC",
            *values,
        )
        counts[kind] = len(rows)
        if wanted and kind != wanted:
            continue
        for row in rows[:200]:
            at = row["at"]
            items.append(
                CaseFlag(
                    serial_number=row["serial_number"],
                    item_code=row["item_code"],
                    department_name=_name(row, locale),
                    status=row["status"],
                    status_label=STATUS_LABELS[row["status"]].pick(locale)
                    if row["status"] in STATUS_LABELS
                    else row["status"],
                    kind=kind,
                    kind_label=label.pick(locale),
                    at=datetime.fromisoformat(at) if isinstance(at, str) else at,
                )
            )
    return FlagPage(items=items, counts=counts)


async def logic_view(
    tenant: TenantInfo, principal: Principal, locale: str, check: str = ""
) -> FlagPage:
    """Cases whose record breaks the procedure's logic (R-S3)."""
    scope = await supervision_scope(tenant, principal)
    _check_kind(check, LOGIC_CHECKS)
    return await _flags(tenant, scope, locale, LOGIC_CHECKS, check, _logic_sql, None)


async def anomaly_view(
    tenant: TenantInfo,
    principal: Principal,
    locale: str,
    kind: str = "",
    since: date | None = None,
) -> FlagPage:
    """Returned, voided, withdrawn, abandoned and not-accepted cases (R-S4): since
    ``since`` (default 90 days ago); abandoned: waiting for corrections longer than
    :data:`ABANDONED_AFTER_DAYS`."""
    scope = await supervision_scope(tenant, principal)
    _check_kind(kind, ANOMALIES)
    zone = ZoneInfo(tenant.time_zone)
    start = since or datetime.now(zone).date() - timedelta(days=90)
    postgres = db.is_postgres()

    def sql_of(name: str) -> str:
        return _anomaly_sql(name, postgres)

    recent = {k: v for k, v in ANOMALIES.items() if k != "abandoned"}
    page = await _flags(
        tenant,
        scope,
        locale,
        recent,
        kind if kind in recent else ("abandoned" if kind else ""),
        sql_of,
        datetime.combine(start, time(), zone).astimezone(UTC),
    )
    # Abandoned compares the correction request with its own cut-off.
    waiting = await _flags(
        tenant,
        scope,
        locale,
        {"abandoned": ANOMALIES["abandoned"]},
        "" if kind in ("", "abandoned") else kind,
        sql_of,
        datetime.now(UTC) - timedelta(days=ABANDONED_AFTER_DAYS),
    )
    return FlagPage(
        items=page.items + waiting.items,
        counts={k: (page.counts | waiting.counts)[k] for k in ANOMALIES},
    )
