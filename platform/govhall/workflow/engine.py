"""The workflow engine: who may do what, and persisting each action atomically.

For each action the engine works out which active step it is on and in which
role the caller acts (checking role grants over the step's org unit, claims and
case-level permissions), lets the pure state machine
(:mod:`govhall.workflow.machine`) compute the next state — or refuse — and then,
in one transaction: updates the case's state snapshot and its deadline columns
guarded by ``revision`` (two concurrent actions cannot both win: the second
gets 409 and changes nothing), brings the work-item rows (tasks) in line with
the active steps, appends the event, and counts a project part as ended.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

import msgspec

from govhall import db
from govhall.calendar.services import tenant_calendar
from govhall.cases.tables import Case, CaseEvent, Project
from govhall.errors import Conflict, Forbidden, InvalidInput, NotFound
from govhall.i18n import N_, Localized
from govhall.identity.services import Grant, covers, expand_grant, grants_of
from govhall.identity.tables import Staff
from govhall.identity.tokens import Principal
from govhall.sdk import STEP_ACTIONS, FlowTemplate
from govhall.tenancy.schemas import TenantInfo
from govhall.tenancy.tables import OrgUnit
from govhall.workflow import machine, store
from govhall.workflow.labels import ROLE_LABELS, label
from govhall.workflow.machine import ActiveStep, CaseState, Context, Event
from govhall.workflow.store import CaseRow

#: Actions whose actor must hold the role of an active step.
STEP_SCOPED = frozenset(
    {
        *STEP_ACTIONS,
        "confirm",
        "pre_review",
        "request_correction",
        "receive_correction",
        "return_to_applicant",
        "return",
        "suspend",
        "pause",
        "resume",
        "claim",
        "transfer",
    }
)
#: Case-level actions and the roles (over the case's unit) that may take them.
LEADER_ROLES: dict[str, tuple[str, ...]] = {
    "extend": ("approver",),
    "assign": ("approver",),
    # Others ask for it (supervision.terminations) and a supervisor decides.
    "terminate": ("supervisor",),
    "void": ("supervisor", "tenant_admin"),
    "correct": ("approver", "tenant_admin"),
}


async def case_context(case: Case, tenant: TenantInfo) -> Context:
    return await context_of(case.flow, case.form, tenant)


async def context_of(flow: Any, form: Any, tenant: TenantInfo) -> Context:
    """A case's context from its stored flow (decoded, or already a
    :class:`FlowTemplate` — :func:`store.flow_from_json` keeps those per flow text) and
    form (for a row read without the rest of the case)."""
    return Context(
        flow=flow if type(flow) is FlowTemplate else msgspec.convert(flow, FlowTemplate),
        calendar=await tenant_calendar(tenant.id),
        tz=ZoneInfo(tenant.time_zone),
        form=cast(dict[str, Any], form or {}),
    )


def event_of(row: dict[str, Any]) -> Event:
    data = dict(row.get("data") or {})
    return Event(
        seq=row["seq"],
        action=row["action"],
        at=row["created_at"],
        actor_kind=row["actor_kind"],
        actor_id=str(row["actor_id"] or ""),
        actor_name=row["actor_name"],
        role=row["role"],
        step=row["step"],
        branch=str(data.pop("branch", "")),
        opinion=row["opinion"],
        data=data,
    )


async def case_events(case_id: uuid.UUID, until: datetime | None = None) -> list[Event]:
    where: Any = CaseEvent.case == case_id
    if until is not None:
        where &= CaseEvent.created_at <= until
    rows = await CaseEvent.select().output(load_json=True).where(where).order_by(CaseEvent.seq)
    return [event_of(row) for row in rows]


def top_step(state: CaseState) -> str | None:
    """The flow step the case is at (a parallel step while its branches run)."""
    if not state.active:
        return None
    first = state.active[0]
    return first.parallel or first.step


def case_columns(state: CaseState) -> dict[Any, Any]:
    """The case's cached columns, all derived from ``state``."""
    acceptance_due, due_on, promised_due_on, issue_due, hold_due = machine.clock_columns(state)
    return {
        Case.state: state.to_builtins(),
        Case.status: state.status,
        Case.step: top_step(state),
        Case.decision: state.decision,
        Case.hold: machine.hold_column(state),
        Case.received_on: state.clock.received_on,
        Case.acceptance_due: acceptance_due,
        Case.due_on: due_on,
        Case.promised_due_on: promised_due_on,
        Case.issue_due: issue_due,
        Case.hold_due: hold_due,
    }


def _key(a: ActiveStep) -> tuple[str, str, datetime]:
    return (a.step, a.branch, a.entered_at)


async def unit_ids(tenant_id: uuid.UUID, codes: set[str]) -> dict[str, dict[str, Any]]:
    if not codes:
        return {}
    rows = await OrgUnit.select(OrgUnit.id, OrgUnit.code, OrgUnit.path).where(
        (OrgUnit.tenant == tenant_id) & OrgUnit.code.is_in(list(codes))
    )
    return {r["code"]: r for r in rows}


async def task_changes(
    *,
    tenant_id: uuid.UUID,
    department_id: uuid.UUID,
    before: tuple[ActiveStep, ...],
    after: tuple[ActiveStep, ...],
    actor_id: uuid.UUID | None,
    acted_on: tuple[str, str, datetime] | None,
) -> list[store.TaskChange]:
    """What to do to the case's task rows so they match its active steps: the step
    acted on is done, steps that disappeared otherwise are cancelled."""
    old = {_key(a): a for a in before}
    new = {_key(a): a for a in after}
    codes = {a.unit for a in after if a.unit}
    units = await unit_ids(tenant_id, codes) if codes else {}

    def unit_of(a: ActiveStep) -> uuid.UUID:
        return units[a.unit]["id"] if a.unit in units else department_id

    changes = []
    for key, a in old.items():
        if key not in new:
            done = key == acted_on
            changes.append(
                store.TaskChange(
                    kind="close",
                    step=a,
                    status="done" if done else "cancelled",
                    by=actor_id if done else None,
                )
            )
        elif new[key] != a:
            changes.append(store.TaskChange(kind="update", step=new[key], unit=unit_of(new[key])))
    changes.extend(
        store.TaskChange(kind="open", step=a, unit=unit_of(a))
        for key, a in new.items()
        if key not in old
    )
    return changes


async def apply_task_changes(
    tenant_id: uuid.UUID, case_id: uuid.UUID, changes: list[store.TaskChange], now: datetime
) -> None:
    for change in changes:
        if change.kind == "close":
            await store.close_task(case_id, change.step, status=change.status, by=change.by, at=now)
        elif change.kind == "update":
            assert change.unit is not None
            await store.update_task(
                case_id, change.step, unit=change.unit, due_on=change.step.due_on
            )
        else:
            assert change.unit is not None
            await store.open_task(tenant_id, case_id, change.step, unit=change.unit)


async def sync_tasks(
    *,
    tenant_id: uuid.UUID,
    case_id: uuid.UUID,
    department_id: uuid.UUID,
    before: tuple[ActiveStep, ...],
    after: tuple[ActiveStep, ...],
    actor_id: uuid.UUID | None,
    acted_on: tuple[str, str, datetime] | None,
    now: datetime,
) -> None:
    """Make the case's open tasks match its active steps (inside the caller's transaction)."""
    changes = await task_changes(
        tenant_id=tenant_id,
        department_id=department_id,
        before=before,
        after=after,
        actor_id=actor_id,
        acted_on=acted_on,
    )
    await apply_task_changes(tenant_id, case_id, changes, now)


@dataclass(frozen=True, slots=True)
class ActionOutcome:
    case_id: uuid.UUID
    serial_number: str
    item_code: str
    action: str
    from_status: str
    to_status: str
    step: str | None
    decision: str | None
    applicant_id: uuid.UUID | None
    event_seq: int
    item_version: uuid.UUID
    form: dict[str, Any]
    opinion: str
    state: CaseState


class ActionRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    action: str
    opinion: str = ""
    step: str = ""
    """The active step acted on, when several are in progress (parallel branches)."""
    data: dict[str, Any] = {}
    """Action inputs: ``items`` (correction list), ``procedure`` (pause), ``to`` (return),
    ``staff`` (username, for assign/transfer), ``unit`` (org unit code, transfer),
    ``target_seq`` (correct)."""


def _role_required(step: str, role: str) -> Forbidden:
    return Forbidden(
        N_("您没有“{step}”环节的办理权限（需要{role}角色）"),
        code="role_required",
        step=step,
        role=label(ROLE_LABELS, role),
    )


async def _unit_paths(tenant_id: uuid.UUID, case: CaseRow, state: CaseState) -> dict[str, str]:
    """Org unit code (and "" for the case's unit) → materialised path."""
    codes = {a.unit for a in state.active if a.unit}
    paths = {}
    if codes:
        paths = {code: str(r["path"]) for code, r in (await unit_ids(tenant_id, codes)).items()}
    paths[""] = case.department_path
    return paths


def _step_label(ctx: Context, key: str) -> Localized:
    placed = ctx.places.get(key)
    return Localized(placed.step.name, placed.step.name_en) if placed else Localized(key)


async def _authorise(
    ctx: Context,
    tenant: TenantInfo,
    actor: Principal,
    case: CaseRow,
    state: CaseState,
    grants: list[Grant],
    request: ActionRequest,
) -> tuple[str, str, str]:
    """(role acted in, step key, branch) — or raise 403/409/422 naming why."""
    action = request.action
    if action == "withdraw" or (action == "receive_correction" and actor.kind == "account"):
        if actor.kind != "account" or case.applicant != actor.id:
            raise Forbidden(N_("只有申请人本人可以执行此操作"), code="applicant_only")
        return "applicant", "", ""
    if actor.kind != "staff" or actor.tenant_id != tenant.id:
        raise Forbidden(N_("仅本单位工作人员可以办理"), code="staff_required")
    paths = await _unit_paths(tenant.id, case, state)
    if action in LEADER_ROLES:
        roles = LEADER_ROLES[action]
        if action == "extend" and state.clock.joint:
            # §42: a joint limit is extended with the approval of the head of the
            # people's government at that level, not a department's approver.
            roles = ("government_leader",)
        for role in roles:
            if covers(grants, role, paths[""]):
                return role, request.step, ""
        raise Forbidden(
            N_("“{action}”需要以下角色之一：{roles}"),
            code="role_required",
            action=action,
            roles=Localized(
                "、".join(label(ROLE_LABELS, r)["zh-CN"] for r in roles),
                ", ".join(label(ROLE_LABELS, r)["en"] for r in roles),
            ),
        )
    if action not in STEP_SCOPED:
        return "", request.step, ""  # unknown actions: the machine names the choices
    if state.ended:
        return "", "", ""  # the machine refuses with "case ended"
    candidates = [a for a in state.active if not request.step or a.step == request.step]
    if request.step and not candidates:
        raise Conflict(
            N_("“{step}”环节当前不在办理中"),
            code="step_not_active",
            step=_step_label(ctx, request.step),
        )
    if action in STEP_ACTIONS:
        declared = [
            a for a in candidates if any(x.name == action for x in ctx.places[a.step].step.actions)
        ]
        if not declared:  # not allowed here whoever asks: the machine says why (409)
            return "", candidates[0].step if candidates else "", ""
        candidates = declared
    mine = [
        a for a in candidates if covers(grants, a.role, paths.get(a.unit, paths[""]), a.position)
    ]
    if not mine:
        first = candidates[0]
        raise _role_required(_step_label(ctx, first.step), first.role)  # type: ignore[arg-type]
    if len(mine) > 1:
        raise InvalidInput(
            N_("办件有多个环节正在办理，请指明环节：{steps}"),
            code="step_required",
            steps="、".join(a.step for a in mine),
        )
    active = mine[0]
    leader = covers(grants, "approver", paths[""])
    held_by_other = active.assignee and active.assignee != str(actor.id)
    if held_by_other and action != "claim" and not (action == "transfer" and leader):
        raise Conflict(
            N_("该环节已由{name}签收，只有签收人可以办理"),
            code="claimed_by_other",
            name=active.assignee_name,
        )
    return active.role, active.step, active.branch


async def _action_data(
    tenant: TenantInfo, request: ActionRequest, role: str, state: CaseState, step: str
) -> dict[str, Any]:
    """Resolve names in the request into the ids the event records."""
    data = dict(request.data)
    if request.action in ("assign", "transfer") and data.get("staff"):
        staff = (
            await Staff.select(Staff.id, Staff.name)
            .where((Staff.tenant == tenant.id) & (Staff.username == str(data.pop("staff"))))
            .first()
        )
        if staff is None:
            raise NotFound(N_("找不到该工作人员"), code="staff_not_found")
        active = next((a for a in state.active if a.step == step), None)
        target_role = active.role if active else role
        unit_code = str(data.get("unit") or (active.unit if active else ""))
        grants = await grants_of(staff["id"], tenant)
        if not _holds(grants, target_role):
            raise Conflict(
                N_("{name}没有{role}角色，不能承办此环节"),
                code="assignee_lacks_role",
                name=staff["name"],
                role=label(ROLE_LABELS, target_role),
            )
        data.update(staff_id=str(staff["id"]), staff_name=staff["name"], unit=unit_code)
    if request.action == "transfer" and data.get("unit"):
        units = await unit_ids(tenant.id, {str(data["unit"])})
        if not units:
            raise NotFound(
                N_("找不到机构“{unit}”"), code="org_unit_not_found", unit=str(data["unit"])
            )
    return data


def _holds(grants: list[Grant], role: str) -> bool:
    return any(g.role == role for g in grants)


async def load_case(tenant: TenantInfo, serial_number: str) -> Case:
    case = (
        await Case.objects()
        .output(load_json=True)
        .where((Case.tenant == tenant.id) & (Case.serial_number == serial_number.strip()))
        .first()
    )
    if case is None:
        raise NotFound(
            N_("找不到办件 {serial_number}"), code="case_not_found", serial_number=serial_number
        )
    return case


@dataclass(slots=True)
class _Plan:
    """An action worked out in memory: what to write, and what to answer."""

    case: CaseRow
    before: CaseState
    after: CaseState
    event: Event
    top: str | None
    concluded_at: datetime | None
    tasks: list[store.TaskChange]
    record: dict[str, Any]


async def perform_action(
    tenant: TenantInfo,
    actor: Principal,
    serial_number: str,
    request: ActionRequest,
    *,
    as_role: str | None = None,
) -> ActionOutcome:
    """Validate and persist one action. ``as_role`` is for services that checked the
    caller's right themselves (a project's lead removing a part)."""
    if request.action not in machine.ALL_ACTIONS or request.action == "submit":
        raise InvalidInput(
            N_("未知的办理操作“{action}”，可用的操作有：{known}"),
            code="unknown_action",
            action=request.action,
            known="、".join(a for a in machine.ALL_ACTIONS if a != "submit"),
        )
    serial_number = serial_number.strip()
    pool = store.pg_pool()
    if pool is None:
        # SQLite: one transaction (BEGIN IMMEDIATE) for the reads, checks and writes.
        async with db.transaction():
            case = await store.load_case_row(tenant.id, serial_number)
            if case is None:
                raise _no_case(serial_number)
            grants = await grants_of(actor.id, tenant) if actor.kind == "staff" else []
            plan = await _plan(tenant, actor, case, grants, request, as_role)
            await _write(tenant, plan)
        return _outcome(plan)
    loaded = await store.pg_load(pool, tenant.id, serial_number, actor.id)
    if loaded is None:
        raise _no_case(serial_number)
    case, pairs = loaded
    grants = (
        [g for role, path, position, fns in pairs for g in expand_grant(role, path, position, fns)]
        if actor.kind == "staff"
        else []
    )
    plan = await _plan(tenant, actor, case, grants, request, as_role)
    if case.project is not None and plan.after.ended != plan.before.ended:
        async with db.transaction():  # the project's counter changes with the case
            await _write(tenant, plan)
    else:
        saved = await store.pg_commit(
            pool,
            case,
            plan.after,
            tenant_id=tenant.id,
            revision=plan.event.seq,
            top_step=plan.top,
            concluded_at=plan.concluded_at,
            tasks=plan.tasks,
            event=plan.record,
            at=plan.event.at,
        )
        if not saved:
            raise _stale()
    return _outcome(plan)


def _no_case(serial_number: str) -> NotFound:
    return NotFound(
        N_("找不到办件 {serial_number}"), code="case_not_found", serial_number=serial_number
    )


def _stale() -> Conflict:
    return Conflict(N_("该办件刚被其他人处理，请刷新后重试"), code="stale_case")


async def _plan(
    tenant: TenantInfo,
    actor: Principal,
    case: CaseRow,
    grants: list[Grant],
    request: ActionRequest,
    as_role: str | None,
) -> _Plan:
    ctx = Context(
        flow=case.flow,
        calendar=await tenant_calendar(tenant.id),
        tz=ZoneInfo(tenant.time_zone),
        form=case.form,
    )
    state = case.state
    if as_role is None:
        role, step, branch = await _authorise(ctx, tenant, actor, case, state, grants, request)
    else:
        role, step, branch = as_role, request.step, ""
    data = await _action_data(tenant, request, role, state, step)
    now = datetime.now(UTC)
    event = Event(
        seq=case.revision + 1,
        action=request.action,
        at=now,
        actor_kind=actor.kind,
        actor_id=str(actor.id),
        actor_name=actor.name,
        role=role,
        step=step,
        branch=branch,
        opinion=request.opinion.strip(),
        data=data,
    )
    if request.action == "correct":
        new_state = machine.correct(ctx, await case_events(case.id), event)
    else:
        new_state = machine.apply(ctx, state, event)
    acted_on = next((_key(a) for a in state.active if a.step == step and a.branch == branch), None)
    concluded_at = case.concluded_at
    if new_state.ended and not state.ended:
        concluded_at = now
    elif state.ended and not new_state.ended:
        concluded_at = None
    tasks = await task_changes(
        tenant_id=tenant.id,
        department_id=case.department,
        before=state.active,
        after=new_state.active,
        actor_id=actor.id if actor.kind == "staff" else None,
        acted_on=acted_on,
    )
    record = {
        "seq": event.seq,
        "action": event.action,
        "actor_kind": actor.kind,
        "actor_id": actor.id,
        "actor_name": actor.name,
        "role": role,
        "from_status": state.status,
        "to_status": new_state.status,
        "step": step,
        "opinion": event.opinion,
        "data": {**data, "branch": branch} if branch else data,
    }
    return _Plan(
        case=case,
        before=state,
        after=new_state,
        event=event,
        top=top_step(new_state),
        concluded_at=concluded_at,
        tasks=tasks,
        record=record,
    )


async def _write(tenant: TenantInfo, plan: _Plan) -> None:
    """The plan's writes one by one (inside the caller's transaction)."""
    case, now = plan.case, plan.event.at
    saved = await store.save_case_state(
        case, plan.after, revision=plan.event.seq, top_step=plan.top, concluded_at=plan.concluded_at
    )
    if not saved:
        raise _stale()
    await apply_task_changes(tenant.id, case.id, plan.tasks, now)
    await store.append_event(tenant_id=tenant.id, case_id=case.id, at=now, **plan.record)
    if case.project is not None and plan.after.ended != plan.before.ended:
        await count_project_part(case.project, ended=plan.after.ended, now=now)


def _outcome(plan: _Plan) -> ActionOutcome:
    case = plan.case
    return ActionOutcome(
        case_id=case.id,
        serial_number=case.serial_number,
        item_code=case.item_code,
        action=plan.event.action,
        from_status=plan.before.status,
        to_status=plan.after.status,
        step=plan.top,
        decision=plan.after.decision,
        applicant_id=case.applicant,
        event_seq=plan.event.seq,
        item_version=case.item_version,
        form=case.form,
        opinion=plan.event.opinion,
        state=plan.after,
    )


async def count_project_part(project_id: uuid.UUID, *, ended: bool, now: datetime) -> None:
    """One part of a project ended (or re-opened by a correction); at zero open parts
    the project concludes. An atomic counter, so parts ending at once both count."""
    delta = -1 if ended else 1
    table = Project._meta.tablename
    pid: object = project_id if db.is_postgres() else str(project_id)
    rows = await Project.raw(
        f"UPDATE {table} SET open_parts = open_parts + {{}} WHERE id = {{}} "  # noqa: S608
        "RETURNING open_parts",
        delta,
        pid,
    )
    remaining = int(rows[0]["open_parts"]) if rows else 1
    await Project.update(
        {
            Project.status: "concluded" if remaining <= 0 else "open",
            Project.concluded_at: now if remaining <= 0 else None,
        }
    ).where(Project.id == project_id)
