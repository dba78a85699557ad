"""The supervision sweep (电子监察, R-S2, R-S5): every open case and every open step
classified against its legal clock on its tenant's working-day calendar.

Levels, in working days (each tenant may change the numbers):

- **warning** (预警): 2 or fewer working days left before the deadline;
- **yellow card** (黄牌): 1 working day overdue;
- **red card** (红牌): 2 working days overdue.

Clocks: the case's legal deadline (``due_on``, until the decision), its acceptance
deadline while it waits to be accepted (``acceptance_due``), the §44 limit for
issuing and delivering the decision's document (``issue_due``), a hold's own limit
(``hold_due``: a §45 procedure's announced time, a §47 hearing's request window
and date), and each open step's limit (``workflow_task.due_on``). A case whose
clock is stopped (``hold``: correction, a special procedure, a suspension on a
legal ground …) gets no new signal while it is stopped — resuming moves its
deadlines by the days it was stopped — and keeps the ones it had; only the hold's
own limit runs meanwhile. One deadline raises one card: the acceptance step's
task carries the acceptance deadline for the work list, and is not signalled
again as a step. Before the clocks are read, the 5 days of §32 that ran out become
deemed acceptances (:func:`govhall.workflow.clockjobs.deem_acceptances`).

Set-based, never a loop over cases, and writing only what changed: each tenant's
thresholds become three dates (computed in Python from its calendar, a few lookups
per tenant), passed as one ``VALUES`` list. ``supervision_clock`` remembers the
highest level signalled on every clock above none. Per clock kind, one statement
reads the running clocks (from narrow partial indexes over open cases and open
steps), full-joins them to their remembered levels in one hash join and keeps the
few that differ — the only ones joined to their case, for the two things that
override the dates (an ended case is at no level; a stopped clock keeps its
level). For those alone the sweep raises the levels above the old one, clears
those above the new one and records the new level. A full sweep therefore costs
one scan of the running clocks when nothing changed, not a probe of every signal.
A batch of tenants is one transaction holding an advisory lock (PostgreSQL), so a
second sweep at once waits and then finds nothing to do; the unique indexes on
(case, subject, level) and (case, subject) keep a re-run idempotent.

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
from govhall.calendar.services import national_calendar
from govhall.calendar.tables import CalendarDay
from govhall.calendar.working import WorkingCalendar
from govhall.engagement.tables import Complaint
from govhall.supervision.tables import Signal, SupervisionSettings, Ticket
from govhall.tenancy.tables import Tenant
from govhall.workflow.clockjobs import deem_acceptances

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


_ENDED = ", ".join(f"'{s}'" for s in ENDED_STATUSES)
_WAITING = ", ".join(f"'{s}'" for s in AWAITING_ACCEPTANCE)
#: A level's rank in SQL: warning 1, yellow 2, red 3 (``supervision_clock.level``).
_RANK = "CASE {0} WHEN 'warning' THEN 1 WHEN 'yellow' THEN 2 ELSE 3 END"
#: The temporary table of one batch's changed clocks.
_CHANGES = "supervision_sweep_change"


def _running_clocks(postgres: bool) -> dict[str, tuple[str, str]]:
    """Per clock: the running clocks of the batch's tenants (tenant, case, task,
    unit, subject, deadline, the three cut-off dates) and how one joins its
    ``supervision_clock`` row."""
    task_subject = "'step:' || t.id::text" if postgres else "'step:' || t.id"
    # A bare NULL in a subquery is text to PostgreSQL; the column is a uuid.
    no_task = "CAST(NULL AS uuid)" if postgres else "NULL"
    cut = "l.warning_before, l.yellow_before, l.red_before"
    # Composed of constants only (statuses): no input reaches the text.
    return {
        "case": (
            f"SELECT c.tenant, c.id AS case_id, {no_task} AS task_id, c.department AS unit, "  # noqa: S608
            f"'case' AS subject, c.due_on AS deadline, {cut} "
            "FROM cases_case c JOIN limits l ON l.tenant = c.tenant "
            f"WHERE c.status NOT IN ({_ENDED}) AND c.decision IS NULL",
            'o.case_id = k."case"',
        ),
        "acceptance": (
            f"SELECT c.tenant, c.id AS case_id, {no_task} AS task_id, c.department AS unit, "  # noqa: S608
            f"'acceptance' AS subject, c.acceptance_due AS deadline, {cut} "
            "FROM cases_case c JOIN limits l ON l.tenant = c.tenant "
            f"WHERE c.status IN ({_WAITING})",
            'o.case_id = k."case"',
        ),
        "issue": (
            f"SELECT c.tenant, c.id AS case_id, {no_task} AS task_id, c.department AS unit, "  # noqa: S608
            f"'issue' AS subject, c.issue_due AS deadline, {cut} "
            "FROM cases_case c JOIN limits l ON l.tenant = c.tenant "
            "WHERE c.issue_due IS NOT NULL",
            'o.case_id = k."case"',
        ),
        "hold": (
            f"SELECT c.tenant, c.id AS case_id, {no_task} AS task_id, c.department AS unit, "  # noqa: S608
            f"'hold' AS subject, c.hold_due AS deadline, {cut} "
            "FROM cases_case c JOIN limits l ON l.tenant = c.tenant "
            "WHERE c.hold_due IS NOT NULL",
            'o.case_id = k."case"',
        ),
        "step": (
            'SELECT t.tenant, t."case" AS case_id, t.id AS task_id, t.org_unit AS unit, '  # noqa: S608
            f"{task_subject} AS subject, t.due_on AS deadline, {cut} "
            "FROM workflow_task t JOIN limits l ON l.tenant = t.tenant WHERE t.status = 'open'",
            "o.task_id = k.task",
        ),
    }


def _changes_sql(clock: str, postgres: bool) -> str:
    """The clocks of one kind whose level differs from the one last signalled, with
    the new level: running clocks (full-)joined to their ``supervision_clock`` rows
    in one hash join, compared, and only the differing few joined to their case
    for the two things that override the dates — an ended case is at no level,
    and a stopped clock (``hold``) keeps the level it had."""
    running, key = _running_clocks(postgres)[clock]
    kept = (
        "k.task IS NOT NULL"
        if clock == "step"
        else f"k.subject = '{clock}'"  # a constant from the clock names
    )
    return (
        "SELECT y.tenant, y.case_id, y.task_id, y.unit, y.subject, y.deadline, "  # noqa: S608
        f"y.old_level, CASE WHEN c.status IN ({_ENDED}) THEN 0 "
        # The acceptance step's task repeats the acceptance deadline: one card for it.
        "WHEN y.task_id IS NOT NULL AND c.acceptance_due IS NOT NULL "
        "AND y.deadline = c.acceptance_due THEN 0 "
        "WHEN c.hold IS NOT NULL AND y.running = 1 AND y.subject <> 'hold' THEN y.old_level "
        "ELSE y.own END AS level "
        "FROM (SELECT COALESCE(o.tenant, k.tenant) AS tenant, "
        'COALESCE(o.case_id, k."case") AS case_id, COALESCE(o.task_id, k.task) AS task_id, '
        "o.unit, COALESCE(o.subject, k.subject) AS subject, o.deadline, "
        "COALESCE(k.level, 0) AS old_level, "
        "CASE WHEN o.case_id IS NULL THEN 0 ELSE 1 END AS running, "
        "CASE WHEN o.deadline IS NULL THEN 0 WHEN o.deadline < o.red_before THEN 3 "
        "WHEN o.deadline < o.yellow_before THEN 2 WHEN o.deadline < o.warning_before THEN 1 "
        f"ELSE 0 END AS own FROM ({running}) o FULL JOIN (SELECT * FROM supervision_clock k "
        f"WHERE {kept} AND k.tenant IN (SELECT tenant FROM limits)) k ON {key}) y "
        "JOIN cases_case c ON c.id = y.case_id WHERE y.own <> y.old_level"
    )


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
    return (
        f"WITH limits (tenant, warning_before, yellow_before, red_before) AS (VALUES {values}) ",
        params,
    )


async def _count(sql: str, *params: Any) -> int:
    """Run a data-changing statement ending in ``RETURNING 1``; how many rows it
    changed (counted in the database on PostgreSQL: a first sweep changes millions)."""
    if db.is_postgres():
        rows = await _Raw.raw(
            f"WITH changed AS ({sql}) SELECT count(*) AS n FROM changed",  # noqa: S608
            *params,
        )
        return int(rows[0]["n"])
    return len(await _Raw.raw(sql, *params))


async def _sweep_batch(batch: Sequence[Limits], now: datetime) -> tuple[int, int]:
    """One transaction's tenants: find the changed clocks, raise and clear their
    signals, record their new levels."""
    postgres = db.is_postgres()
    _Raw._meta.db = db.get_engine()
    if postgres:
        # Two sweeps at once: the second waits for the first and then finds
        # nothing changed, instead of the two racing on the same unique keys.
        await _Raw.raw("SELECT pg_advisory_xact_lock(hashtext('govhall.supervision.sweep'))")
        await _Raw.raw(
            f"CREATE TEMP TABLE {_CHANGES} (tenant uuid, case_id uuid, task_id uuid, "
            "unit uuid, subject varchar(64), deadline date, old_level smallint, "
            "level smallint) ON COMMIT DROP"
        )
    else:
        await _Raw.raw(
            f"CREATE TEMP TABLE IF NOT EXISTS {_CHANGES} (tenant, case_id, task_id, unit, "
            "subject, deadline, old_level, level)"
        )
        await _Raw.raw(f"DELETE FROM {_CHANGES}")  # noqa: S608 - a constant
    cte, params = _limits_cte(batch, postgres)
    columns = "tenant, case_id, task_id, unit, subject, deadline, old_level, level"
    for clock in ("case", "acceptance", "issue", "hold", "step"):
        await _Raw.raw(
            f"{cte}INSERT INTO {_CHANGES} ({columns}) "  # noqa: S608 - constants only
            f"SELECT {columns} FROM ({_changes_sql(clock, postgres)}) x "
            "WHERE x.level <> x.old_level",
            *params,
        )
    # Planner statistics for the few (or, on a first sweep, million) rows found.
    await _Raw.raw(f"ANALYZE {_CHANGES}")
    stamp: Any = now if postgres else now.isoformat()
    stamp_sql = "{}::timestamptz" if postgres else "{}"
    table = Signal._meta.tablename
    levels = " UNION ALL ".join(
        f"SELECT '{level}' AS level, {rank} AS rank" for rank, level in enumerate(LEVELS, 1)
    )
    # Every level above the old one up to the new (a clock may jump from none to
    # red); one that exists already is left alone unless it had been cleared.
    # "WHERE true" lets SQLite tell the upsert's ON CONFLICT from a join's ON.
    raised = await _count(
        f'INSERT INTO {table} (id, tenant, "case", task, org_unit, subject, level, '  # noqa: S608
        f"kind, deadline, reason, raised_at) SELECT {db.new_uuid_sql()}, x.tenant, x.case_id, "
        "x.task_id, x.unit, x.subject, lv.level, 'deadline', x.deadline, "
        f"CASE WHEN x.task_id IS NULL THEN x.subject ELSE 'step' END, {stamp_sql} "
        f"FROM {_CHANGES} x JOIN ({levels}) lv ON lv.rank <= x.level AND lv.rank > x.old_level "
        "WHERE true "
        'ON CONFLICT ("case", subject, level) DO UPDATE SET cleared_at = NULL, '
        "raised_at = excluded.raised_at, deadline = excluded.deadline "
        f"WHERE {table}.cleared_at IS NOT NULL RETURNING 1",
        stamp,
    )
    # Every level above the new one: extended, done, concluded, accepted.
    cleared = await _count(
        f"UPDATE {table} SET cleared_at = {stamp_sql} WHERE id IN (SELECT s.id "  # noqa: S608
        f'FROM {_CHANGES} x JOIN {table} s ON s."case" = x.case_id AND s.subject = x.subject '
        f"WHERE x.level < x.old_level AND s.cleared_at IS NULL AND s.kind = 'deadline' "
        f"AND x.level < {_RANK.format('s.level')}) RETURNING 1",
        stamp,
    )
    await _Raw.raw(
        f"DELETE FROM supervision_clock WHERE id IN (SELECT k.id FROM supervision_clock k "  # noqa: S608
        f'JOIN {_CHANGES} x ON x.case_id = k."case" AND x.subject = k.subject '
        "WHERE x.level = 0)"
    )
    await _Raw.raw(
        'INSERT INTO supervision_clock (id, tenant, "case", task, subject, level) '  # noqa: S608
        f"SELECT {db.new_uuid_sql()}, x.tenant, x.case_id, x.task_id, x.subject, x.level "
        f"FROM {_CHANGES} x WHERE x.level > 0 "
        'ON CONFLICT ("case", subject) DO UPDATE SET level = excluded.level'
    )
    if raised:
        await _notify(cte, params, stamp, postgres)
        await _queue_leader_alerts(cte, params, stamp, postgres)
    return raised, cleared


async def _notify(cte: str, params: list[Any], stamp: Any, postgres: bool) -> None:
    """One inbox message per signal raised by this sweep (its ``raised_at`` is the
    sweep's moment) and recipient, in one statement: a warning to whoever holds the
    step's function over the step's unit (the step's assignee alone once claimed;
    clerks for the acceptance clock, handlers for the case's);
    a yellow or red card to the department's leaders — the approvers over the
    unit and the responsible leaders configured for it or a unit above
    (:mod:`govhall.supervision.leaders`). The unique dedupe key makes a second
    sweep at the same moment send nothing twice."""
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
        f"SELECT {db.new_uuid_sql()}, x.tenant, 'staff', x.staff, x.case_id, "
        f"'signal:' || x.signal{text} || ':' || x.staff{text}, 'signal_' || x.level, "
        "x.params, x.raised_at FROM (SELECT DISTINCT s.tenant, s.id AS signal, s.level, "
        f's."case" AS case_id, s.raised_at, {params_sql} AS params, '
        "CASE WHEN s.level = 'warning' THEN COALESCE(t.assignee, g.staff) "
        "ELSE g.staff END AS staff "
        f"FROM {table} s JOIN limits l ON l.tenant = s.tenant "
        'JOIN cases_case c ON c.id = s."case" '
        "JOIN tenancy_org_unit u ON u.id = s.org_unit "
        "LEFT JOIN workflow_task t ON t.id = s.task "
        # Who may receive: function holders, and the responsible leaders configured
        # per department (a role no grant can have: '@leader').
        "JOIN (SELECT tenant, staff, role, org_unit FROM identity_role_grant UNION ALL "
        "SELECT tenant, staff, '@leader', org_unit FROM supervision_leader) g "
        "ON g.tenant = s.tenant AND (g.role = CASE WHEN s.level <> 'warning' THEN 'approver' "
        "WHEN t.role IS NOT NULL THEN t.role "
        "WHEN s.subject = 'acceptance' THEN 'clerk' ELSE 'handler' END "
        "OR (s.level <> 'warning' AND g.role = '@leader')) "
        "JOIN tenancy_org_unit gu ON gu.id = g.org_unit AND u.path LIKE gu.path || '%' "
        f"WHERE s.raised_at = {stamp_sql} AND s.cleared_at IS NULL) x WHERE true "
        "ON CONFLICT (dedupe_key) DO NOTHING",
        *params,
        stamp,
    )


async def _queue_leader_alerts(cte: str, params: list[Any], stamp: Any, postgres: bool) -> None:
    """One text per leader with a mobile over the units where this sweep (its
    moment ``stamp``) raised yellow or red cards, in one statement; the unique
    (leader, raised_at) makes a second sweep at the same moment queue nothing."""
    stamp_sql = "{}::timestamptz" if postgres else "{}"
    # Composed of constants only; the limits CTE and the moment are parameters.
    await _Raw.raw(
        f"{cte}INSERT INTO supervision_leader_alert (id, tenant, leader, mobile, yellow, red, "  # noqa: S608
        "serial_number, raised_at, status, attempts, last_error, provider) "
        f"SELECT {db.new_uuid_sql()}, x.tenant, x.leader, x.mobile, x.yellow, x.red, "
        f"x.serial_number, {stamp_sql}, 'queued', 0, '', '' FROM ("
        "SELECT l.tenant, l.id AS leader, l.mobile, "
        "SUM(CASE WHEN s.level = 'yellow' THEN 1 ELSE 0 END) AS yellow, "
        "SUM(CASE WHEN s.level = 'red' THEN 1 ELSE 0 END) AS red, "
        "MIN(c.serial_number) AS serial_number "
        "FROM supervision_leader l JOIN limits lim ON lim.tenant = l.tenant "
        "JOIN tenancy_org_unit lu ON lu.id = l.org_unit "
        "JOIN supervision_signal s ON s.tenant = l.tenant "
        "JOIN tenancy_org_unit u ON u.id = s.org_unit AND u.path LIKE lu.path || '%' "
        'JOIN cases_case c ON c.id = s."case" '
        f"WHERE l.mobile <> '' AND s.raised_at = {stamp_sql} AND s.cleared_at IS NULL "
        "AND s.level IN ('yellow', 'red') GROUP BY l.tenant, l.id, l.mobile) x WHERE true "
        "ON CONFLICT (leader, raised_at) DO NOTHING",
        *params,
        stamp,
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
    national = await national_calendar()
    limits = []
    for row in rows:
        calendar = WorkingCalendar(overrides.get(row["id"]), national)
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
    wanted = list(tenants) if tenants is not None else None
    await deem_acceptances(now, wanted)
    limits = await tenant_limits(now, wanted)
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
