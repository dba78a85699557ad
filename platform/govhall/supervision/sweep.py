"""The supervision sweep (电子监察, R-S2, R-S5): every open case and every open step
classified against its legal clock on its tenant's working-day calendar.

Levels, in working days (each tenant may change the numbers):

- **warning** (预警): 2 or fewer working days left before the deadline;
- **yellow card** (黄牌): 1 working day overdue;
- **red card** (红牌): 2 working days overdue.

Clocks: the case's legal deadline (``due_on``), its acceptance deadline while it
waits to be accepted (``acceptance_due``), and each open step's limit
(``workflow_task.due_on``). A case whose clock is stopped (``hold``: correction,
expert review, special procedure …) gets no new signal while it is stopped —
resuming moves its deadlines by the days it was stopped — and keeps the ones it had.

Set-based, never a loop over cases: each tenant's thresholds become three dates
(computed in Python from its calendar, a few lookups per tenant), passed as one
``VALUES`` list; one ``INSERT … SELECT … ON CONFLICT`` per clock raises every level
due across all tenants over the indexed deadline columns, and one ``UPDATE``
clears what no longer holds (concluded, extended, step done). A batch of tenants
is one transaction, and the unique index on (case, subject, level) makes the
sweep idempotent and safe to run twice at once.

Written here: working-day supervision is this product's own rule set; no library
does it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from piccolo.table import Table

from govhall import db
from govhall.calendar.tables import CalendarDay
from govhall.calendar.working import WorkingCalendar
from govhall.engagement.tables import Complaint
from govhall.supervision.tables import Signal, SupervisionSettings, Ticket
from govhall.tenancy.tables import Tenant

#: Statuses after which no clock runs.
ENDED_STATUSES = ("concluded", "rejected", "withdrawn", "terminated", "voided")
#: Statuses in which a case waits to be accepted (the acceptance clock).
AWAITING_ACCEPTANCE = ("submitted", "pre_reviewed")
LEVELS = ("warning", "yellow", "red")
DEFAULT_THRESHOLDS = (2, 1, 2)
#: Tenants per transaction.
BATCH = 200


@dataclass(frozen=True, slots=True)
class Limits:
    """One tenant's thresholds for one sweep, as dates: a clock is at a level when
    its deadline is before that level's date."""

    tenant: uuid.UUID
    warning_before: date
    yellow_before: date
    red_before: date
    today: date
    """The tenant's own date (its time zone) at the sweep."""


@dataclass(frozen=True, slots=True)
class SweepResult:
    raised: int
    cleared: int
    tenants: int
    escalated: int = 0
    """督办/整改 tickets and complaints newly past their deadline."""


def latest_working_day(calendar: WorkingCalendar, today: date, n: int) -> date:
    """The ``n``-th latest working day on or before ``today``: a deadline before it
    is at least ``n`` working days overdue (the days counted are those after the
    deadline, up to and including today)."""
    day, seen = today, 0
    while True:
        if calendar.is_working_day(day):
            seen += 1
            if seen >= n:
                return day
        day -= timedelta(days=1)


def limits_for(
    tenant: uuid.UUID, calendar: WorkingCalendar, today: date, thresholds: Sequence[int]
) -> Limits:
    warning, yellow, red = thresholds
    return Limits(
        tenant=tenant,
        # Working days left (after today, up to the deadline) ≤ warning ⇔ the deadline
        # comes before the (warning + 1)-th working day after today.
        warning_before=calendar.add_working_days(today, warning + 1),
        yellow_before=latest_working_day(calendar, today, max(yellow, 1)),
        red_before=latest_working_day(calendar, today, max(red, 1)),
        today=today,
    )


def level_of(limits: Limits, deadline: date) -> list[str]:
    """The levels a clock with ``deadline`` is at (the reference the SQL must match)."""
    return [
        level
        for level, before in zip(
            LEVELS, (limits.warning_before, limits.yellow_before, limits.red_before), strict=True
        )
        if deadline < before
    ]


class _Raw(Table):
    """A handle for the sweep's statements."""


def _clock_sql(postgres: bool) -> dict[str, str]:
    """The candidate (tenant, case, task, unit, subject, level, deadline) rows per
    clock; ``limits`` and ``levels`` are CTEs of the statement."""
    ended = ", ".join(f"'{s}'" for s in ENDED_STATUSES)
    waiting = ", ".join(f"'{s}'" for s in AWAITING_ACCEPTANCE)
    cutoff = (
        "CASE lv.level WHEN 'warning' THEN l.warning_before "
        "WHEN 'yellow' THEN l.yellow_before ELSE l.red_before END"
    )
    task_subject = "'step:' || t.id::text" if postgres else "'step:' || t.id"
    # A bare NULL in a subquery is text to PostgreSQL; the column is a uuid.
    no_task = "CAST(NULL AS uuid)" if postgres else "NULL"
    # Composed of constants only (statuses, levels): no input reaches the text.
    return {
        "case": (
            f"SELECT c.tenant, c.id AS case_id, {no_task} AS task_id, c.department AS unit, "  # noqa: S608
            "'case' AS subject, lv.level, c.due_on AS deadline "
            "FROM cases_case c JOIN limits l ON l.tenant = c.tenant CROSS JOIN levels lv "
            f"WHERE c.due_on < l.warning_before AND c.due_on < {cutoff} "
            f"AND c.hold IS NULL AND c.status NOT IN ({ended})"
        ),
        "acceptance": (
            f"SELECT c.tenant, c.id AS case_id, {no_task} AS task_id, c.department AS unit, "  # noqa: S608
            "'acceptance' AS subject, lv.level, c.acceptance_due AS deadline "
            "FROM cases_case c JOIN limits l ON l.tenant = c.tenant CROSS JOIN levels lv "
            f"WHERE c.acceptance_due < l.warning_before AND c.acceptance_due < {cutoff} "
            f"AND c.hold IS NULL AND c.status IN ({waiting})"
        ),
        "step": (
            'SELECT t.tenant, t."case" AS case_id, t.id AS task_id, t.org_unit AS unit, '  # noqa: S608
            f"{task_subject} AS subject, lv.level, t.due_on AS deadline "
            'FROM workflow_task t JOIN cases_case c ON c.id = t."case" '
            "JOIN limits l ON l.tenant = t.tenant CROSS JOIN levels lv "
            f"WHERE t.due_on < l.warning_before AND t.due_on < {cutoff} "
            f"AND t.status = 'open' AND c.hold IS NULL AND c.status NOT IN ({ended})"
        ),
    }


def _limits_cte(batch: Sequence[Limits], postgres: bool) -> tuple[str, list[Any]]:
    row = "({}::uuid, {}::date, {}::date, {}::date)" if postgres else "({}, {}, {}, {})"
    params: list[Any] = []
    for limits in batch:
        params += [
            limits.tenant if postgres else str(limits.tenant),
            limits.warning_before,
            limits.yellow_before,
            limits.red_before,
        ]
    values = ", ".join(row for _ in batch)
    levels = ", ".join(f"('{level}')" for level in LEVELS)
    return (
        f"WITH limits (tenant, warning_before, yellow_before, red_before) AS (VALUES {values}), "
        f"levels (level) AS (VALUES {levels}) ",
        params,
    )


def _new_id(postgres: bool) -> str:
    if postgres:
        return "gen_random_uuid()"
    # SQLite keeps Piccolo's UUIDs as text: a random version-4-shaped id.
    return (
        "lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || "
        "substr(hex(randomblob(2)), 2) || '-a' || substr(hex(randomblob(2)), 2) || '-' || "
        "hex(randomblob(6)))"
    )


async def _sweep_batch(batch: Sequence[Limits], now: datetime) -> tuple[int, int]:
    postgres = db.is_postgres()
    _Raw._meta.db = db.get_engine()
    cte, params = _limits_cte(batch, postgres)
    stamp: Any = now if postgres else now.isoformat()
    raised = 0
    table = Signal._meta.tablename
    stamp_sql = "{}::timestamptz" if postgres else "{}"
    for clock, select in _clock_sql(postgres).items():
        # "WHERE true" lets SQLite tell the upsert's ON CONFLICT from a join's ON.
        rows = await _Raw.raw(
            f"{cte}INSERT INTO {table} "  # noqa: S608 - composed of constants
            '(id, tenant, "case", task, org_unit, subject, level, kind, deadline, reason, '
            "raised_at) "
            f"SELECT {_new_id(postgres)}, x.tenant, x.case_id, x.task_id, x.unit, x.subject, "
            f"x.level, 'deadline', x.deadline, '{clock}', {stamp_sql} FROM ({select}) x WHERE true "
            'ON CONFLICT ("case", subject, level) DO UPDATE SET cleared_at = NULL, '
            "raised_at = excluded.raised_at, deadline = excluded.deadline "
            f"WHERE {table}.cleared_at IS NOT NULL RETURNING id",
            *params,
            stamp,
        )
        raised += len(rows)
    ended = ", ".join(f"'{s}'" for s in ENDED_STATUSES)
    waiting = ", ".join(f"'{s}'" for s in AWAITING_ACCEPTANCE)
    cutoff = (
        "CASE s.level WHEN 'warning' THEN l.warning_before "
        "WHEN 'yellow' THEN l.yellow_before ELSE l.red_before END"
    )
    # What no longer holds: the case ended, or (its clock running) the deadline moved
    # past the level's date, the case was accepted, or the step is done.
    cleared = await _Raw.raw(
        f"{cte}UPDATE {table} SET cleared_at = {{}} WHERE id IN ("  # noqa: S608
        f"SELECT s.id FROM {table} s JOIN limits l ON l.tenant = s.tenant "
        'JOIN cases_case c ON c.id = s."case" LEFT JOIN workflow_task t ON t.id = s.task '
        "WHERE s.cleared_at IS NULL AND s.kind = 'deadline' AND ("
        f"c.status IN ({ended}) OR (c.hold IS NULL AND ("
        f"(s.subject = 'case' AND (c.due_on IS NULL OR c.due_on >= {cutoff})) "
        f"OR (s.subject = 'acceptance' AND (c.status NOT IN ({waiting}) "
        f"OR c.acceptance_due IS NULL OR c.acceptance_due >= {cutoff})) "
        "OR (s.task IS NOT NULL AND (t.status <> 'open' OR t.due_on IS NULL "
        f"OR t.due_on >= {cutoff})))))) RETURNING id",
        *params,
        stamp,
    )
    if raised:
        await _notify(cte, params, stamp, postgres)
    return raised, len(cleared)


async def _notify(cte: str, params: list[Any], stamp: Any, postgres: bool) -> None:
    """One inbox message per signal raised by this sweep (its ``raised_at`` is the
    sweep's moment) and recipient, in one statement: a warning to whoever holds the
    step's function over the step's unit (the step's assignee alone once claimed;
    clerks for the acceptance clock, handlers for the case's);
    a yellow or red card to the department's leaders — the approvers over the
    unit. The unique dedupe key makes a second sweep at the same moment send
    nothing twice."""
    table = Signal._meta.tablename
    stamp_sql = "{}::timestamptz" if postgres else "{}"
    params_sql = (
        "json_build_object('serial_number', c.serial_number, 'deadline', s.deadline::text, "
        "'clock', s.subject)::jsonb"
        if postgres
        else "json_object('serial_number', c.serial_number, 'deadline', s.deadline, "
        "'clock', s.subject)"
    )
    text = "::text" if postgres else ""
    # Composed of constants only; the limits CTE and the moment are parameters.
    await _Raw.raw(
        f"{cte}INSERT INTO notify_inbox_message (id, tenant, recipient_kind, recipient_id, "  # noqa: S608
        '"case", dedupe_key, template, params, created_at) '
        f"SELECT {_new_id(postgres)}, x.tenant, 'staff', x.staff, x.case_id, "
        f"'signal:' || x.signal{text} || ':' || x.staff{text}, 'signal_' || x.level, "
        "x.params, x.raised_at FROM (SELECT DISTINCT s.tenant, s.id AS signal, s.level, "
        f's."case" AS case_id, s.raised_at, {params_sql} AS params, '
        "COALESCE(t.assignee, g.staff) AS staff "
        f"FROM {table} s JOIN limits l ON l.tenant = s.tenant "
        'JOIN cases_case c ON c.id = s."case" '
        "JOIN tenancy_org_unit u ON u.id = s.org_unit "
        "LEFT JOIN workflow_task t ON t.id = s.task "
        "JOIN identity_role_grant g ON g.tenant = s.tenant "
        "AND g.role = CASE WHEN s.level <> 'warning' THEN 'approver' "
        "WHEN t.role IS NOT NULL THEN t.role "
        "WHEN s.subject = 'acceptance' THEN 'clerk' ELSE 'handler' END "
        "JOIN tenancy_org_unit gu ON gu.id = g.org_unit AND u.path LIKE gu.path || '%' "
        f"WHERE s.raised_at = {stamp_sql} AND s.cleared_at IS NULL) x WHERE true "
        "ON CONFLICT (dedupe_key) DO NOTHING",
        *params,
        stamp,
    )


async def escalate_overdue(today_of: dict[uuid.UUID, date], now: datetime) -> int:
    """Mark open tickets and complaints past their deadline as escalated, once each:
    one UPDATE per table and distinct tenant date (usually one date for all
    tenants). Returns how many."""
    by_day: dict[date, list[uuid.UUID]] = {}
    for tenant_id, today in today_of.items():
        by_day.setdefault(today, []).append(tenant_id)
    escalated = 0
    for today, tenants in by_day.items():
        rows = await (
            Ticket.update({Ticket.escalated_at: now})
            .where(
                Ticket.tenant.is_in(tenants)
                & (Ticket.status == "open")
                & Ticket.escalated_at.is_null()
                & (Ticket.due_on < today)
            )
            .returning(Ticket.id)
        )
        escalated += len(rows)
        complaints = await (
            Complaint.update({Complaint.escalated_at: now})
            .where(
                Complaint.tenant.is_in(tenants)
                & (Complaint.status == "open")
                & Complaint.escalated_at.is_null()
                & (Complaint.due_on < today)
            )
            .returning(Complaint.id)
        )
        escalated += len(complaints)
    return escalated


async def tenant_limits(now: datetime, tenants: Iterable[uuid.UUID] | None = None) -> list[Limits]:
    """Every (or the given) tenant's thresholds as dates for ``now``, from three
    queries whatever the number of tenants."""
    query = Tenant.select(Tenant.id, Tenant.time_zone)
    wanted = list(tenants) if tenants is not None else None
    if wanted is not None:
        query = query.where(Tenant.id.is_in(wanted or [uuid.UUID(int=0)]))
    rows = await query
    thresholds = {
        row["tenant"]: (row["warning_days"], row["yellow_days"], row["red_days"])
        for row in await SupervisionSettings.select(
            SupervisionSettings.tenant,
            SupervisionSettings.warning_days,
            SupervisionSettings.yellow_days,
            SupervisionSettings.red_days,
        )
    }
    overrides: dict[Any, dict[date, bool]] = {}
    for day in await CalendarDay.select(CalendarDay.tenant, CalendarDay.day, CalendarDay.working):
        overrides.setdefault(day["tenant"], {})[day["day"]] = day["working"]
    limits = []
    for row in rows:
        calendar = WorkingCalendar(overrides.get(row["id"]))
        today = now.astimezone(ZoneInfo(row["time_zone"])).date()
        limits.append(
            limits_for(row["id"], calendar, today, thresholds.get(row["id"], DEFAULT_THRESHOLDS))
        )
    return limits


async def sweep(
    now: datetime | None = None, tenants: Iterable[uuid.UUID] | None = None
) -> SweepResult:
    """Raise and clear signals for every (or the given) tenant at ``now``."""
    now = now or datetime.now(UTC)
    limits = await tenant_limits(now, tenants)
    raised = cleared = escalated = 0
    for start in range(0, len(limits), BATCH):
        batch = limits[start : start + BATCH]
        async with db.transaction():
            up, down = await _sweep_batch(batch, now)
            escalated += await escalate_overdue({x.tenant: x.today for x in batch}, now)
        raised += up
        cleared += down
    return SweepResult(raised=raised, cleared=cleared, tenants=len(limits), escalated=escalated)


async def sweep_signals() -> int:
    """The scheduled job (every 5 minutes): returns the signals raised."""
    return (await sweep()).raised
