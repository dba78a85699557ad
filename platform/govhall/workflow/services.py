"""Work lists (by role and org-unit scope), case state views and history (R-F5, R-W14)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, cast
from zoneinfo import ZoneInfo

import msgspec

from govhall.audit.services import Actor, record
from govhall.cases.schemas import (
    ActiveStepOut,
    CaseStateOut,
    ClockOut,
    HoldOut,
    StepRecordOut,
    TrackedStepOut,
)
from govhall.cases.sealing import open_sealed
from govhall.cases.tables import Case, Project
from govhall.errors import Forbidden, InvalidInput, NotFound
from govhall.i18n import N_, Localized
from govhall.identity.realname import mask_id_number
from govhall.identity.services import covers, grants_of, org_unit_path, plain_id_number
from govhall.identity.tables import Account
from govhall.identity.tokens import Principal
from govhall.plugins import PluginRegistry
from govhall.statements import Statement, statement
from govhall.tenancy.schemas import TenantInfo
from govhall.tenancy.tables import OrgUnit
from govhall.workflow import machine
from govhall.workflow.engine import case_context, case_events, load_case
from govhall.workflow.labels import ACTION_LABELS, STATUS_LABELS, label
from govhall.workflow.machine import (
    HOLD_STATUS,
    SPECIAL_PROCEDURES,
    CaseState,
    Context,
    deemed_renewal_from,
)
from govhall.workflow.schemas import (
    WORK_KINDS,
    WORK_SIGNALS,
    WORK_SORTS,
    WorkFilter,
    WorkItem,
    WorklistPage,
)
from govhall.workflow.tables import Task

MAX_PAGE_SIZE = 100


async def worklist(
    tenant: TenantInfo,
    staff: Principal,
    registry: PluginRegistry,
    locale: str,
    page: int = 1,
    page_size: int = 20,
    filters: WorkFilter | None = None,
) -> WorklistPage:
    if staff.kind != "staff" or staff.tenant_id != tenant.id:
        raise Forbidden(N_("仅本单位工作人员可以查看待办"), code="staff_required")
    filters = filters or WorkFilter()
    _check_filter(filters)
    page = max(page, 1)
    page_size = min(max(page_size, 1), MAX_PAGE_SIZE)
    grants = await grants_of(staff.id, tenant)
    if not grants:
        return WorklistPage(items=[], total=0, page=page, page_size=page_size)
    values: list[Any] = [tenant.id, staff.id]
    for g in grants:
        # A grant covers its unit's subtree: the unit's path is a prefix of the step's.
        values += [g.role, f"{g.path}%", g.position]
    narrowing = await _narrowing(tenant, filters)
    for _, narrowed_by in narrowing:
        values += narrowed_by
    count, page_rows = _worklist_statements(
        len(grants),
        tuple(kind for kind, _ in narrowing),
        filters.sort,
        (page - 1) * page_size,
        page_size,
    )
    total = await count.run(*values)
    rows = await page_rows.run(*values)
    items = []
    for row in rows:
        installed = registry.items.get(row["case.item_code"])
        item_name = (
            Localized(installed.spec.name, installed.spec.name_en).pick(locale)
            if installed
            else row["case.item_code"]
        )
        step = _step_names(row["case.flow"]).get(row["step"])
        items.append(
            WorkItem(
                task_id=row["id"],
                serial_number=row["case.serial_number"],
                item_code=row["case.item_code"],
                item_name=item_name,
                applicant_name=row["case.applicant_name"],
                step=row["step"],
                step_label=step.pick(locale) if step else row["step"],
                role=row["role"],
                status=row["case.status"],
                status_label=label(STATUS_LABELS, row["case.status"]).pick(locale),
                submitted_at=row["case.submitted_at"],
                waiting_since=row["created_at"],
                due_on=row["due_on"],
                branch=row["branch"],
            )
        )
    return WorklistPage(items=items, total=total, page=page, page_size=page_size)


def _step_names(flow: str | dict[str, Any]) -> dict[str, Localized]:
    """Step key → name in the flow a case was submitted on (branch steps included).

    The work list names each row's step from the case's own copy of its flow (a flow
    edited later must not rename old cases' steps). Most rows of a page share a
    handful of flows, so the names are kept per stored JSON text: decoding every
    row's flow was ~18 % of the work list's CPU (issue 10).
    """
    if isinstance(flow, str):
        return _step_names_of_text(flow)
    steps = flow.get("steps", [])
    every = [*steps, *(i for s in steps for b in s.get("branches", []) for i in b["steps"])]
    return {s["key"]: Localized(s["name"], s.get("name_en", "")) for s in every}


@lru_cache(maxsize=256)
def _step_names_of_text(flow: str) -> dict[str, Localized]:
    return _step_names(json.loads(flow))


#: Working days before a deadline from which a step counts as near due (临期).
NEAR_DUE_DAYS = 2


def _check_filter(filters: WorkFilter) -> None:
    for value, allowed, name in (
        (filters.signal, WORK_SIGNALS, "signal"),
        (filters.kind, WORK_KINDS, "kind"),
        (filters.sort, WORK_SORTS, "sort"),
    ):
        if value not in allowed:
            raise InvalidInput(
                N_("筛选条件“{name}”的取值“{value}”无效，可选：{allowed}"),
                code="invalid_filter",
                name=name,
                value=value,
                allowed="、".join(a or "（空）" for a in allowed),
            )


async def _narrowing(tenant: TenantInfo, filters: WorkFilter) -> list[tuple[str, list[Any]]]:
    """The filters as (kind, values) pairs, in the order :func:`_work_where` reads them."""
    narrowing: list[tuple[str, list[Any]]] = []
    if filters.item_code:
        narrowing.append(("item", [filters.item_code.strip()]))
    if filters.unit:
        unit = (
            await OrgUnit.select(OrgUnit.path)
            .where((OrgUnit.tenant == tenant.id) & (OrgUnit.code == filters.unit.strip()))
            .first()
        )
        if unit is None:
            raise NotFound(N_("找不到机构“{unit}”"), code="org_unit_not_found", unit=filters.unit)
        narrowing.append(("unit", [f"{unit['path']}%"]))
    if filters.signal:
        from govhall.calendar.services import tenant_calendar

        today = datetime.now(ZoneInfo(tenant.time_zone)).date()
        if filters.signal == "overdue":
            narrowing.append(("before", [today]))
        else:
            calendar = await tenant_calendar(tenant.id)
            # The last day still "near" by the same count the lists show (临期).
            near = today
            for ahead in range(1, 31):
                day = today + timedelta(days=ahead)
                if calendar.working_days_between(today, day) > NEAR_DUE_DAYS:
                    break
                near = day
            narrowing.append(("between", [today, near]))
    if filters.kind == "pre_review":
        narrowing.append(("pre_review", []))
    return narrowing


#: How many values each kind of narrowing adds to the work list's statement.
VALUES_PER_NARROWING = {"item": 1, "unit": 1, "before": 1, "between": 2, "pre_review": 0}


def _work_where(grant_count: int, kinds: tuple[str, ...], values: tuple[Any, ...]) -> Any:
    """The steps a staff member may take: tenant, staff id, then (role, unit path
    pattern, position) per grant, then each narrowing's values."""
    taken = iter(values)
    tenant, staff = next(taken), next(taken)
    scope: Any = None
    for _ in range(grant_count):
        role, path, position = next(taken), next(taken), next(taken)
        clause = (Task.role == role) & Task.org_unit.path.like(path)
        clause &= (Task.position == "") | (Task.position == position)
        scope = clause if scope is None else scope | clause
    mine_or_free = Task.assignee.is_null() | (Task.assignee == staff)
    where: Any = (Task.tenant == tenant) & (Task.status == "open") & scope & mine_or_free
    for kind in kinds:
        if kind == "item":
            where &= Task.case.item_code == next(taken)
        elif kind == "unit":
            where &= Task.org_unit.path.like(next(taken))
        elif kind == "before":
            where &= Task.due_on < next(taken)
        elif kind == "between":
            where &= (Task.due_on >= next(taken)) & (Task.due_on <= next(taken))
        elif kind == "pre_review":
            where &= (Task.case.status == "submitted") & Task.case.entered_by.is_null()
    return where


@lru_cache(maxsize=256)
def _worklist_statements(
    grant_count: int, kinds: tuple[str, ...], sort: str, offset: int, limit: int
) -> tuple[Statement[int], Statement[list[dict[str, Any]]]]:
    """The work list's count and page for one shape of request (how many grants,
    which filters, which sort, which page): built by the query builder once, then
    only run with each request's values (govhall.statements)."""
    arity = 2 + 3 * grant_count + sum(VALUES_PER_NARROWING[kind] for kind in kinds)
    columns, ascending = _ordering(sort)
    count = statement(
        lambda *values: Task.count().where(_work_where(grant_count, kinds, values)), arity
    )
    rows = statement(
        lambda *values: (
            Task.select(
                Task.id,
                Task.step,
                Task.role,
                Task.created_at,
                Task.due_on,
                Task.branch,
                Task.case.serial_number,
                Task.case.item_code,
                Task.case.applicant_name,
                Task.case.status,
                Task.case.submitted_at,
                Task.case.flow,
            )
            .where(_work_where(grant_count, kinds, values))
            .order_by(*columns, ascending=ascending)
            .offset(offset)
            .limit(limit)
        ),
        arity,
    )
    return count, rows


def _ordering(sort: str) -> tuple[tuple[Any, ...], bool]:
    """(columns, ascending) for a sort key."""
    if sort == "newest":
        return (Task.created_at,), False
    if sort == "due":
        return (Task.due_on, Task.created_at), True
    return (Task.created_at,), True


def tracked(ctx: Context, state: CaseState, locale: str) -> list[TrackedStepOut]:
    return [
        TrackedStepOut(
            key=t.key,
            name=t.name_en if locale == "en" else t.name,
            branch=t.branch,
            status=t.status,
            due_on=t.due_on,
            done_at=t.done_at,
        )
        for t in machine.tracking(ctx, state)
    ]


def state_view(
    case: Case, ctx: Context, state: CaseState, at: datetime, locale: str, project: str | None
) -> CaseStateOut:
    def step_name(key: str) -> str:
        placed = ctx.places.get(key)
        if placed is None:
            return key
        return Localized(placed.step.name, placed.step.name_en).pick(locale)

    clock = state.clock
    hold = state.hold
    return CaseStateOut(
        serial_number=case.serial_number,
        item_code=case.item_code,
        at=at,
        seq=state.seq,
        status=state.status,
        status_label=label(STATUS_LABELS, state.status).pick(locale),
        decision=state.decision,
        ended=state.ended,
        hold=HoldOut(
            kind=hold.kind,
            procedure=hold.procedure,
            since=hold.since,
            reason=hold.reason,
            items=list(hold.items),
            label=("：" if locale == "zh-CN" else ": ").join(
                part
                for part in (
                    label(STATUS_LABELS, HOLD_STATUS[hold.kind]).pick(locale),
                    SPECIAL_PROCEDURES[hold.procedure].pick(locale)
                    if hold.procedure in SPECIAL_PROCEDURES
                    else "",
                )
                if part
            ),
            stops_clock=hold.stops_clock,
            ground=hold.ground,
            days_needed=hold.days_needed,
            due_on=hold.due_on,
            requested_on=hold.requested_on,
        )
        if hold
        else None,
        flow_version=case.flow_version,
        clock=ClockOut(
            received_on=clock.received_on,
            acceptance_due=clock.acceptance_due,
            accepted_on=clock.accepted_on,
            deemed_accepted=clock.deemed_accepted,
            start_on=clock.start_on,
            limit_days=clock.limit_days,
            promised_days=clock.promised_days,
            paused_days=clock.paused_days,
            extension_days=clock.extension_days,
            due_on=clock.due_on,
            promised_due_on=clock.promised_due_on,
            stopped_on=clock.stopped_on,
            decided_on=clock.decided_on,
            issue_due=clock.issue_due,
            renewal_expires_on=clock.renewal_expires_on,
            deemed_renewal_from=deemed_renewal_from(state, ctx.day(at)),
        ),
        active=[
            ActiveStepOut(
                step=a.step,
                name=step_name(a.step),
                branch=a.branch,
                role=a.role,
                unit=a.unit,
                assignee=a.assignee_name,
                entered_at=a.entered_at,
                due_on=a.due_on,
            )
            for a in state.active
        ],
        trail=[
            StepRecordOut(
                seq=r.seq,
                step=r.step,
                name=step_name(r.step),
                branch=r.branch,
                action=r.action,
                action_label=label(ACTION_LABELS, r.action).pick(locale),
                actor_name=r.actor_name,
                role=r.role,
                at=r.at,
                opinion=r.opinion,
            )
            for r in state.trail
        ],
        steps=tracked(ctx, state, locale),
        project=project,
    )


async def _project_number(case: Case) -> str | None:
    if case.project is None:
        return None
    row = await Project.select(Project.number).where(Project.id == case.project).first()
    return str(row["number"]) if row else None


async def case_state(
    tenant: TenantInfo, staff: Principal, serial_number: str, locale: str
) -> CaseStateOut:
    """The case as it stands now (the stored snapshot)."""
    case = await load_case(tenant, serial_number)
    await _may_view(tenant, staff)
    ctx = await case_context(case, tenant)
    state = CaseState.from_builtins(cast(dict[str, Any], case.state))
    return state_view(case, ctx, state, datetime.now(UTC), locale, await _project_number(case))


async def case_history(
    tenant: TenantInfo, staff: Principal, serial_number: str, at: datetime, locale: str
) -> CaseStateOut:
    """The case as it was at ``at``, rebuilt from the events up to then (事后查证)."""
    if at.tzinfo is None:
        raise InvalidInput(
            N_("时间须带时区，例如 2026-03-02T10:00:00+08:00"), code="timezone_required"
        )
    case = await load_case(tenant, serial_number)
    await _may_view(tenant, staff)
    events = await case_events(case.id, until=at)
    if not events:
        raise InvalidInput(
            N_("办件在 {at} 时尚未提交"), code="before_submission", at=at.isoformat()
        )
    ctx = await case_context(case, tenant)
    state = machine.replay(ctx, events)
    return state_view(case, ctx, state, at, locale, await _project_number(case))


async def _may_view(tenant: TenantInfo, staff: Principal) -> None:
    if staff.kind != "staff" or staff.tenant_id != tenant.id:
        raise Forbidden(N_("仅本单位工作人员可以查看办件详情"), code="staff_required")
    if not await grants_of(staff.id, tenant):
        raise Forbidden(N_("您没有任何办理角色"), code="role_required")


#: Roles that handle cases and so may need an applicant's full ID number.
ID_VIEW_ROLES = ("clerk", "handler", "reviewer", "approver", "issuer")


class ApplicantOut(msgspec.Struct, kw_only=True):
    name: str
    kind: str
    id_number: str | None
    """Masked unless the full value was asked for (and that view was audited)."""
    full: bool
    credit_code: str | None
    phone: str | None
    form_id_numbers: dict[str, str] = {}
    """Resident ID numbers typed into the form, by field: masked, or whole with ``full``."""


async def case_applicant(
    tenant: TenantInfo, staff: Principal, serial_number: str, full: bool, ip: str
) -> ApplicantOut:
    """The applicant's real-name data for staff; the full ID number only for a role
    that handles the case's unit, and every full view is recorded in the audit log."""
    case = await load_case(tenant, serial_number)
    await _may_view(tenant, staff)
    account = (
        await Account.objects().where(Account.id == case.applicant).first()
        if case.applicant
        else None
    )
    if account is None:
        raise NotFound(N_("该办件没有申请人账号"), code="applicant_not_found")
    plain = plain_id_number(account)
    sealed_row = (
        await Case.select(Case.form_sealed).output(load_json=True).where(Case.id == case.id).first()
    )
    sealed: dict[str, str] = (sealed_row or {}).get("form_sealed") or {}
    in_form = open_sealed(sealed)
    if full and (plain or in_form):
        grants = await grants_of(staff.id, tenant)
        path = await org_unit_path(case.department)
        if not any(covers(grants, role, path) for role in ID_VIEW_ROLES):
            raise Forbidden(
                N_("只有办理该办件的工作人员可以查看完整证件号码"), code="id_view_forbidden"
            )
        await record(
            tenant.id,
            Actor(kind="staff", id=str(staff.id), name=staff.name, ip=ip),
            "id_number_viewed",
            target=case.serial_number,
            detail={"account": str(account.id), "form_fields": sorted(in_form)},
        )
    return ApplicantOut(
        name=account.name,
        kind=account.kind,
        id_number=(plain if full else mask_id_number(plain)) if plain else None,
        full=bool(full and plain),
        credit_code=account.credit_code,
        phone=account.phone,
        form_id_numbers={k: v if full else mask_id_number(v) for k, v in in_form.items()},
    )
