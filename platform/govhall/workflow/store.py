"""The engine's hot path in SQL: load a case, save its new state, its tasks and event.

Written by hand because Piccolo builds each query in Python at about 0.25 ms of
CPU (measured in ``tests/bench/bench_workflow.py``: two thirds of an action's
time went into query building and JSON decoding through the ORM). These few
statements are fixed, so they are written once here, run through Piccolo's
``raw`` (its placeholders, its transaction, its SQLite type adapters) and work
unchanged on PostgreSQL and SQLite. JSON is passed as text and decoded straight
into typed msgspec structs. A new task is a whole-row insert
(:func:`govhall.statements.insert`), so that a new case's first task goes out
with the case's other rows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import msgspec

from govhall.cases.tables import Case
from govhall.sdk import FlowTemplate
from govhall.statements import insert, new_row
from govhall.workflow.machine import ActiveStep, CaseState, clock_columns, hold_column
from govhall.workflow.tables import Task

_flow_decoder = msgspec.json.Decoder(FlowTemplate)
_state_decoder = msgspec.json.Decoder(CaseState)
_json = msgspec.json.Encoder()


def _text(value: Any) -> str | bytes:
    """A JSON column as returned by the driver (text), or re-encoded if decoded."""
    if isinstance(value, str | bytes):
        return value
    return _json.encode(value)


def _uuid(value: Any) -> uuid.UUID | None:
    return None if value is None else value if type(value) is uuid.UUID else uuid.UUID(str(value))


@lru_cache(maxsize=512)
def flow_from_json(text: str | bytes) -> FlowTemplate:
    """Flows repeat across cases: decode each distinct one once."""
    return _flow_decoder.decode(text)


def decode_state(value: Any) -> CaseState:
    return _state_decoder.decode(_text(value))


def encode(value: Any) -> str:
    return _json.encode(value).decode()


@dataclass(slots=True)
class CaseRow:
    """What the engine needs of a case, read in one query."""

    id: uuid.UUID
    serial_number: str
    item_code: str
    item_version: uuid.UUID
    department: uuid.UUID
    department_path: str
    applicant: uuid.UUID | None
    form: dict[str, Any]
    flow: FlowTemplate
    state: CaseState
    revision: int
    project: uuid.UUID | None
    concluded_at: datetime | None
    flow_version: int


async def load_case_row(tenant_id: uuid.UUID, serial_number: str) -> CaseRow | None:
    rows = await Case.raw(
        "SELECT c.id, c.serial_number, c.item_code, c.item_version, c.department, "
        "u.path AS department_path, c.applicant, c.form, c.flow, c.state, c.revision, "
        "c.project, c.concluded_at, c.flow_version "
        "FROM cases_case c JOIN tenancy_org_unit u ON u.id = c.department "
        "WHERE c.tenant = {} AND c.serial_number = {}",
        tenant_id,
        serial_number,
    )
    if not rows:
        return None
    row = rows[0]
    form = row["form"]
    return CaseRow(
        id=_uuid(row["id"]),  # type: ignore[arg-type]
        serial_number=row["serial_number"],
        item_code=row["item_code"],
        item_version=_uuid(row["item_version"]),  # type: ignore[arg-type]
        department=_uuid(row["department"]),  # type: ignore[arg-type]
        department_path=row["department_path"],
        applicant=_uuid(row["applicant"]),
        form=msgspec.json.decode(form) if isinstance(form, str | bytes) else dict(form or {}),
        flow=flow_from_json(_text(row["flow"])),
        state=decode_state(row["state"]),
        revision=row["revision"],
        project=_uuid(row["project"]),
        concluded_at=row["concluded_at"],
        flow_version=row["flow_version"],
    )


async def save_case_state(
    case: CaseRow,
    state: CaseState,
    *,
    revision: int,
    top_step: str | None,
    concluded_at: datetime | None,
) -> bool:
    """Write the new state and its columns if nobody changed the case since it was read."""
    acceptance_due, due_on, promised_due_on, issue_due, hold_due = clock_columns(state)
    rows = await Case.raw(
        "UPDATE cases_case SET state = {}, status = {}, step = {}, decision = {}, hold = {}, "
        "received_on = {}, acceptance_due = {}, due_on = {}, promised_due_on = {}, "
        "issue_due = {}, hold_due = {}, "
        "revision = {}, concluded_at = {} WHERE id = {} AND revision = {} RETURNING id",
        encode(state),
        state.status,
        top_step,
        state.decision,
        hold_column(state),
        state.clock.received_on,
        acceptance_due,
        due_on,
        promised_due_on,
        issue_due,
        hold_due,
        revision,
        concluded_at,
        case.id,
        case.revision,
    )
    return bool(rows)


async def close_task(
    case_id: uuid.UUID,
    step: ActiveStep,
    *,
    status: str,
    by: uuid.UUID | None,
    at: datetime,
) -> None:
    await Case.raw(
        "UPDATE workflow_task SET status = {}, completed_by = {}, completed_at = {} "
        'WHERE "case" = {} AND step = {} AND branch = {} AND status = {}',
        status,
        by,
        at,
        case_id,
        step.step,
        step.branch,
        "open",
    )


async def update_task(
    case_id: uuid.UUID, step: ActiveStep, *, unit: uuid.UUID, due_on: date | None
) -> None:
    await Case.raw(
        "UPDATE workflow_task SET assignee = {}, org_unit = {}, due_on = {} "
        'WHERE "case" = {} AND step = {} AND branch = {} AND status = {}',
        uuid.UUID(step.assignee) if step.assignee else None,
        unit,
        due_on,
        case_id,
        step.step,
        step.branch,
        "open",
    )


async def open_task(
    tenant_id: uuid.UUID, case_id: uuid.UUID, step: ActiveStep, *, unit: uuid.UUID
) -> None:
    # A whole-row insert (govhall.statements): a new case's first task goes out with
    # the case's other rows inside statements.inserts_together.
    await insert(
        new_row(
            Task,
            id=uuid.uuid4(),
            tenant=tenant_id,
            case=case_id,
            step=step.step,
            branch=step.branch,
            position=step.position,
            role=step.role,
            org_unit=unit,
            status="open",
            assignee=uuid.UUID(step.assignee) if step.assignee else None,
            completed_by=None,
            due_on=step.due_on,
            created_at=step.entered_at,
            completed_at=None,
        )
    )


async def append_event(
    *,
    tenant_id: uuid.UUID,
    case_id: uuid.UUID,
    seq: int,
    action: str,
    actor_kind: str,
    actor_id: uuid.UUID | None,
    actor_name: str,
    role: str,
    from_status: str,
    to_status: str,
    step: str,
    opinion: str,
    data: dict[str, Any],
    at: datetime,
) -> None:
    await Case.raw(
        'INSERT INTO cases_case_event (id, tenant, "case", seq, action, actor_kind, '
        "actor_id, actor_name, role, from_status, to_status, step, opinion, data, created_at) "
        "VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {})",
        uuid.uuid4(),
        tenant_id,
        case_id,
        seq,
        action,
        actor_kind,
        actor_id,
        actor_name,
        role,
        from_status,
        to_status,
        step,
        opinion,
        encode(data),
        at,
    )


# --- PostgreSQL: one round trip to read, one to write -----------------------------------
#
# On PostgreSQL an action is two statements on one pooled connection: the case with
# the caller's grants, then one statement whose data-modifying CTEs update the case
# (guarded by its revision), close/update/open its tasks and append the event —
# atomic as a single statement, so no BEGIN/COMMIT round trips either. SQLite has
# no data-modifying CTEs; there the same writes run one by one in a transaction.

_PG_LOAD = (
    "SELECT c.id, c.serial_number, c.item_code, c.item_version, c.department, "
    "u.path AS department_path, c.applicant, c.form::text AS form, c.flow::text AS flow, "
    "c.state::text AS state, c.revision, c.project, c.concluded_at, c.flow_version, "
    "(SELECT coalesce(json_agg(json_build_array(g.role, gu.path, g.position, r.functions)),"
    " '[]'::json)::text "
    " FROM identity_role_grant g JOIN tenancy_org_unit gu ON gu.id = g.org_unit "
    " LEFT JOIN identity_role r ON r.tenant = g.tenant AND r.code = g.role "
    " WHERE g.staff = $3 AND g.tenant = $1) AS grants "
    "FROM cases_case c JOIN tenancy_org_unit u ON u.id = c.department "
    "WHERE c.tenant = $1 AND c.serial_number = $2"
)


def pg_pool() -> Any:
    """The asyncpg pool when running on PostgreSQL with a pool, else None."""
    from govhall import db

    if not db.is_postgres():
        return None
    return getattr(db.get_engine(), "pool", None)


async def pg_load(
    pool: Any, tenant_id: uuid.UUID, serial_number: str, staff_id: uuid.UUID
) -> tuple[CaseRow, list[tuple[str, str, str, Any]]] | None:
    async with pool.acquire() as connection:
        row = await connection.fetchrow(_PG_LOAD, tenant_id, serial_number, staff_id)
    if row is None:
        return None
    case = CaseRow(
        id=row["id"],
        serial_number=row["serial_number"],
        item_code=row["item_code"],
        item_version=row["item_version"],
        department=row["department"],
        department_path=row["department_path"],
        applicant=row["applicant"],
        form=msgspec.json.decode(row["form"]),
        flow=flow_from_json(row["flow"]),
        state=decode_state(row["state"]),
        revision=row["revision"],
        project=row["project"],
        concluded_at=row["concluded_at"],
        flow_version=row["flow_version"],
    )
    grants = [
        (str(role), str(path), str(position), functions)
        for role, path, position, functions in msgspec.json.decode(row["grants"])
    ]
    return case, grants


@dataclass(slots=True)
class TaskChange:
    kind: str
    """``close``, ``update`` or ``open``."""
    step: ActiveStep
    status: str = ""
    by: uuid.UUID | None = None
    unit: uuid.UUID | None = None


async def pg_commit(
    pool: Any,
    case: CaseRow,
    state: CaseState,
    *,
    tenant_id: uuid.UUID,
    revision: int,
    top_step: str | None,
    concluded_at: datetime | None,
    tasks: list[TaskChange],
    event: dict[str, Any],
    at: datetime,
) -> bool:
    """All of an action's writes in one statement; False when the revision moved on."""
    acceptance_due, due_on, promised_due_on, issue_due, hold_due = clock_columns(state)
    args: list[Any] = [
        encode(state),
        state.status,
        top_step,
        state.decision,
        hold_column(state),
        state.clock.received_on,
        acceptance_due,
        due_on,
        promised_due_on,
        revision,
        concluded_at,
        case.id,
        case.revision,
        issue_due,
        hold_due,
    ]

    def p(value: Any, cast: str) -> str:
        args.append(value)
        return f"${len(args)}::{cast}"

    parts = [
        "WITH upd AS (UPDATE cases_case SET state = $1::jsonb, status = $2, step = $3, "
        "decision = $4, hold = $5, received_on = $6, acceptance_due = $7, due_on = $8, "
        "promised_due_on = $9, revision = $10, concluded_at = $11, issue_due = $14::date, "
        "hold_due = $15::date WHERE id = $12 AND revision = $13 RETURNING id)"
    ]
    for i, change in enumerate(tasks):
        a = change.step
        if change.kind != "open":
            match_open = (
                f'"case" = $12 AND step = {p(a.step, "varchar")} AND branch = '
                f"{p(a.branch, 'varchar')} AND status = 'open' AND EXISTS (SELECT 1 FROM upd)"
            )
        if change.kind == "close":
            parts.append(
                f"t{i} AS (UPDATE workflow_task SET status = {p(change.status, 'varchar')}, "
                f"completed_by = {p(change.by, 'uuid')}, completed_at = {p(at, 'timestamptz')} "
                f"WHERE {match_open})"
            )
        elif change.kind == "update":
            assignee = uuid.UUID(a.assignee) if a.assignee else None
            parts.append(
                f"t{i} AS (UPDATE workflow_task SET assignee = {p(assignee, 'uuid')}, "
                f"org_unit = {p(change.unit, 'uuid')}, due_on = {p(a.due_on, 'date')} "
                f"WHERE {match_open})"
            )
        else:
            assignee = uuid.UUID(a.assignee) if a.assignee else None
            parts.append(
                f't{i} AS (INSERT INTO workflow_task (id, tenant, "case", step, branch, '
                "position, role, org_unit, status, assignee, completed_by, due_on, "
                "created_at, completed_at) SELECT "
                f"{p(uuid.uuid4(), 'uuid')}, {p(tenant_id, 'uuid')}, upd.id, "
                f"{p(a.step, 'varchar')}, {p(a.branch, 'varchar')}, {p(a.position, 'varchar')}, "
                f"{p(a.role, 'varchar')}, {p(change.unit, 'uuid')}, 'open', "
                f"{p(assignee, 'uuid')}, NULL, {p(a.due_on, 'date')}, "
                f"{p(a.entered_at, 'timestamptz')}, NULL FROM upd)"
            )
    parts.append(
        'ev AS (INSERT INTO cases_case_event (id, tenant, "case", seq, action, actor_kind, '
        "actor_id, actor_name, role, from_status, to_status, step, opinion, data, created_at) "
        f"SELECT {p(uuid.uuid4(), 'uuid')}, {p(tenant_id, 'uuid')}, upd.id, "
        f"{p(event['seq'], 'int')}, {p(event['action'], 'varchar')}, "
        f"{p(event['actor_kind'], 'varchar')}, {p(event['actor_id'], 'uuid')}, "
        f"{p(event['actor_name'], 'varchar')}, {p(event['role'], 'varchar')}, "
        f"{p(event['from_status'], 'varchar')}, {p(event['to_status'], 'varchar')}, "
        f"{p(event['step'], 'varchar')}, {p(event['opinion'], 'text')}, "
        f"{p(encode(event['data']), 'jsonb')}, {p(at, 'timestamptz')} FROM upd)"
    )
    sql = ", ".join(parts) + " SELECT count(*) FROM upd"
    async with pool.acquire() as connection:
        return bool(await connection.fetchval(sql, *args))
