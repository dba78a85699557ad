"""The case state machine: ``apply(context, state, event) -> state``, a pure function.

A case's state (status, hold, active steps with their holders and due dates,
parallel branches, the legal clock, the trail of who did what) is a fold of its
events. The engine applies each new event to the stored snapshot; ``replay``
folds all events from the start; ``replay`` up to a moment shows the case as it
was then (事后查证). Nothing here touches the database, so the same code serves
the engine, history, and the property tests that prove replay equals storage.

Why hand-written rather than SpiffWorkflow/BPMN: the legal clock (working days,
§32 deemed acceptance, §42 extension, §45 pauses) and the case-level actions
(补正, 挂起, 特别程序, 纠错) are the substance here, and a BPMN engine knows none
of them; its serialised state is also several times slower to persist (see
``tests/bench/test_workflow.py``).

The clock (all dates in the tenant's time zone, counted as
:mod:`govhall.calendar.working` describes; 行政许可法 articles in brackets):

- receipt → the acceptance decision is due within 5 working days (§32); a
  correction request (补正, once, with the complete list) must come within them,
  and the 5 days start again when the corrected materials arrive. No other hold
  stretches the 5 days. Past them the application counts as accepted from the
  day of receipt: the ``deem_accept`` system event (written by the sweep, or an
  acceptance or refusal that comes too late) starts the limits from receipt;
  a refusal (不予受理) is then no longer possible;
- acceptance starts the legal limit (the item's statutory days, or 45 for joint
  handling) and the promised limit. Holds that the law recognises add their
  working days back: the applicant's own time (returned for supplementation),
  a §45 special procedure (听证, 招标, 拍卖, 检验, 检测, 检疫, 鉴定, 专家评审 —
  with the time needed, told in writing) and a suspension (中止) on a ground the
  flow declares; a suspension without such a ground is a note that stops nothing;
- one extension (§42), asked on or before the last day of the limit: 10 working
  days by the approver, 15 for joint handling by the head of the government
  at that level (``government_leader``);
- the decision (approve/deny) stops the §42 clock; issuing and delivering the
  document is due within 10 working days of it (§44, ``issue_due``);
- a hearing (§47): the applicant may ask within 5 working days of being told,
  and the hearing is held within 20 working days of the request (``hold_due``);
- an on-the-spot item (即办件, promised 0 days) is accepted and concluded in one
  visit: the window's conclusion is its acceptance.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from govhall.calendar.working import WorkingCalendar
from govhall.errors import Conflict, InvalidInput
from govhall.i18n import N_, Localized
from govhall.sdk import STEP_ACTIONS, FlowAction, FlowStep, FlowTemplate, evaluate
from govhall.workflow.labels import STATUS_LABELS, label

ACCEPTANCE_DAYS = 5
EXTENSION_DAYS = 10
JOINT_LIMIT_DAYS = 45
JOINT_EXTENSION_DAYS = 15
#: §44: issue and deliver the licence within 10 working days of the decision.
ISSUE_DAYS = 10
#: §47: the applicant asks for a hearing within 5 days; it is held within 20 of the ask.
HEARING_REQUEST_DAYS = 5
HEARING_HELD_DAYS = 20
#: The longest time a special procedure may announce (a year of working days).
LONGEST_PROCEDURE_DAYS = 250

#: 特别程序 (行政许可法 §45): their time does not count towards the limit.
SPECIAL_PROCEDURES: dict[str, Localized] = {
    "hearing": Localized("听证", "hearing"),
    "tendering": Localized("招标", "tendering"),
    "auction": Localized("拍卖", "auction"),
    "inspection": Localized("检验", "inspection"),
    "testing": Localized("检测", "testing"),
    "quarantine": Localized("检疫", "quarantine"),
    "appraisal": Localized("鉴定", "appraisal"),
    "expert_review": Localized("专家评审", "expert review"),
}

#: Case-level actions the engine offers at any suitable moment (not declared per step).
CASE_ACTIONS = (
    "confirm",
    "pre_review",
    "request_correction",
    "receive_correction",
    "return_to_applicant",
    "return",
    "suspend",
    "pause",
    "resume",
    "extend",
    "hearing_requested",
    "deem_accept",
    "claim",
    "assign",
    "transfer",
    "withdraw",
    "terminate",
    "void",
    "correct",
)
ALL_ACTIONS = ("submit", *STEP_ACTIONS, *CASE_ACTIONS)
#: Holds and the status a case shows while in them.
HOLD_STATUS = {
    "correction": "awaiting_correction",
    "returned": "returned_to_applicant",
    "suspended": "suspended",
    "special": "special_procedure",
}


class Event(msgspec.Struct, kw_only=True, frozen=True):
    """What the machine needs of a stored event."""

    seq: int
    action: str
    at: datetime
    actor_kind: str = "staff"
    actor_id: str = ""
    actor_name: str = ""
    role: str = ""
    step: str = ""
    branch: str = ""
    opinion: str = ""
    data: dict[str, Any] = {}


class ActiveStep(msgspec.Struct, kw_only=True, frozen=True):
    """A step in progress: a work item (待办)."""

    step: str
    branch: str = ""
    parallel: str = ""
    role: str
    position: str = ""
    unit: str = ""
    """Org unit code; empty = the case's handling unit."""
    assignee: str = ""
    assignee_name: str = ""
    entered_at: datetime
    entered_on: date
    entered_status: str
    limit_days: int | None = None
    paused_days: int = 0
    due_on: date | None = None


class StepRecord(msgspec.Struct, kw_only=True, frozen=True):
    """A step done: who, in which role, what they did and said."""

    seq: int
    step: str
    branch: str = ""
    action: str
    actor_id: str
    actor_name: str
    role: str
    at: datetime
    opinion: str = ""
    from_status: str = ""


class Hold(msgspec.Struct, kw_only=True, frozen=True):
    kind: str
    """A key of :data:`HOLD_STATUS`."""
    procedure: str = ""
    since: date
    since_at: datetime
    reason: str = ""
    items: tuple[str, ...] = ()
    """For a correction: the complete list of what to supply (一次性告知)."""
    prior_status: str
    stops_clock: bool = True
    """False for a suspension without a declared legal ground: a note, no more."""
    ground: str = ""
    """A suspension's legal ground (one the flow declares)."""
    days_needed: int = 0
    """A special procedure's announced time, in working days (§45)."""
    due_on: date | None = None
    """The hold's own limit: the procedure's announced end, or for a hearing the
    applicant's request window and then the hearing date (§47)."""
    requested_on: date | None = None
    """A hearing: the day the applicant asked for it."""


class Pause(msgspec.Struct, kw_only=True, frozen=True):
    """A finished hold and the working days it took out of the clock."""

    kind: str
    procedure: str = ""
    since: date
    until: date
    days: int


class Clock(msgspec.Struct, kw_only=True, frozen=True):
    received_on: date | None = None
    acceptance_due: date | None = None
    acceptance_paused: int = 0
    accepted_on: date | None = None
    deemed_accepted: bool = False
    start_on: date | None = None
    limit_days: int = 0
    promised_days: int = 0
    joint: bool = False
    paused_days: int = 0
    extension_days: int = 0
    due_on: date | None = None
    promised_due_on: date | None = None
    stopped_on: date | None = None
    decided_on: date | None = None
    """The decision (§42 stops here)."""
    issue_due: date | None = None
    """§44: the document issued and delivered by this day."""
    on_the_spot: bool = False
    renewal_expires_on: date | None = None
    """§50: a renewal application's licence expires on this day; undecided by then,
    the renewal counts as granted (视为准予延续)."""


class CaseState(msgspec.Struct, kw_only=True, frozen=True):
    seq: int
    status: str
    decision: str | None = None
    ended: bool = False
    hold: Hold | None = None
    active: tuple[ActiveStep, ...] = ()
    trail: tuple[StepRecord, ...] = ()
    branches: dict[str, dict[str, str]] = {}
    """Parallel step key → branch key → ``open``, ``cancelled`` or the finishing action."""
    pauses: tuple[Pause, ...] = ()
    corrections: int = 0
    clock: Clock = Clock()

    def to_builtins(self) -> dict[str, Any]:
        return msgspec.to_builtins(self)  # type: ignore[no-any-return]

    @classmethod
    def from_builtins(cls, data: Mapping[str, Any]) -> CaseState:
        return msgspec.convert(data, cls, strict=False)


@dataclass(frozen=True, slots=True)
class Placed:
    """Where a step sits in the flow."""

    step: FlowStep
    scope: tuple[FlowStep, ...]
    branch: str = ""
    parallel: str = ""


@dataclass(frozen=True)
class Context:
    """What stays fixed for a case: its flow, calendar, time zone and form."""

    flow: FlowTemplate
    calendar: WorkingCalendar
    tz: ZoneInfo
    form: Mapping[str, Any] = field(default_factory=dict)
    places: dict[str, Placed] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.places.update(_places(self.flow))

    def day(self, at: datetime) -> date:
        return at.astimezone(self.tz).date()


_places_cache: dict[int, tuple[FlowTemplate, dict[str, Placed]]] = {}


def _places(flow: FlowTemplate) -> dict[str, Placed]:
    """Where each step sits; computed once per flow object (flows are cached decoded)."""
    cached = _places_cache.get(id(flow))
    if cached is not None and cached[0] is flow:
        return cached[1]
    places: dict[str, Placed] = {}
    for step in flow.steps:
        places[step.key] = Placed(step=step, scope=flow.steps)
        for branch in step.branches:
            for inner in branch.steps:
                places[inner.key] = Placed(
                    step=inner, scope=branch.steps, branch=branch.key, parallel=step.key
                )
    if len(_places_cache) > 1024:
        _places_cache.clear()
    _places_cache[id(flow)] = (flow, places)
    return places


def _step_name(step: FlowStep) -> Localized:
    return Localized(step.name, step.name_en)


def _action_name(name: str) -> Localized:
    zh, en = STEP_ACTIONS.get(name, (name, name))
    return Localized(zh, en)


# --- the clock --------------------------------------------------------------------------


def _with_dues(clock: Clock, calendar: WorkingCalendar) -> Clock:
    if clock.received_on is not None and clock.accepted_on is None:
        # §32: no hold but a correction (which restarts the count) stretches the 5 days.
        clock = msgspec.structs.replace(
            clock, acceptance_due=calendar.add_working_days(clock.received_on, ACCEPTANCE_DAYS)
        )
    if clock.decided_on is not None:
        clock = msgspec.structs.replace(
            clock, issue_due=calendar.add_working_days(clock.decided_on, ISSUE_DAYS)
        )
    if clock.start_on is None:
        return clock
    extra = clock.paused_days + clock.extension_days
    return msgspec.structs.replace(
        clock,
        due_on=calendar.add_working_days(clock.start_on, clock.limit_days + extra),
        promised_due_on=calendar.add_working_days(clock.start_on, clock.promised_days + extra),
    )


def _accepted(clock: Clock, day: date, calendar: WorkingCalendar) -> Clock:
    """The acceptance decision: late ones count from receipt (§32 视为受理)."""
    deemed = clock.acceptance_due is not None and day > clock.acceptance_due
    start = clock.received_on if deemed and clock.received_on else day
    return _with_dues(
        msgspec.structs.replace(clock, accepted_on=day, deemed_accepted=deemed, start_on=start),
        calendar,
    )


def past_acceptance(state: CaseState, day: date) -> bool:
    """True when the 5 days of §32 ran out before ``day`` with no acceptance decision
    (an application awaiting correction waits for the applicant)."""
    clock = state.clock
    return (
        clock.accepted_on is None
        and clock.acceptance_due is not None
        and day > clock.acceptance_due
        and not state.ended
        and not (state.hold is not None and state.hold.kind == "correction")
    )


def deemed_renewal_from(state: CaseState, today: date) -> date | None:
    """§50: the day a renewal counts as granted — the day after the licence expired
    with no decision on its renewal — once that day has come."""
    expires = state.clock.renewal_expires_on
    if expires is None or state.decision is not None or state.ended or today <= expires:
        return None
    return date.fromordinal(expires.toordinal() + 1)


def clock_columns(state: CaseState) -> tuple[date | None, ...]:
    """The case's deadline columns, as supervision reads them: (acceptance_due,
    due_on, promised_due_on, issue_due, hold_due). The §42 limits stay recorded
    (reports and scores compare the conclusion with them) but supervision stops
    reading them at the decision (the ``decision`` column); §44's issue limit runs
    from the decision until the case ends; a hold's own limit runs while it lasts."""
    clock, hold = state.clock, state.hold
    decided = clock.decided_on is not None
    return (
        clock.acceptance_due if clock.accepted_on is None else None,
        clock.due_on,
        clock.promised_due_on,
        clock.issue_due if decided and not state.ended else None,
        hold.due_on if hold is not None else None,
    )


def hold_column(state: CaseState) -> str | None:
    """The hold kind supervision sees: only a hold that stops the clock."""
    hold = state.hold
    return hold.kind if hold is not None and hold.stops_clock else None


def _step_due(step: ActiveStep, calendar: WorkingCalendar) -> date | None:
    if step.limit_days is None:
        return None
    return calendar.add_working_days(step.entered_on, step.limit_days + step.paused_days)


# --- moving through the flow ------------------------------------------------------------


def _facts(ctx: Context, state: CaseState) -> dict[str, Any]:
    outcomes = {k: v for branches in state.branches.values() for k, v in branches.items()}
    return {**ctx.form, "decision": state.decision, "branch": outcomes}


def _resolve(goto: str, placed: Placed) -> FlowStep | None:
    """The step ``goto`` names within the step's scope; None = the scope ends."""
    if goto == "end":
        return None
    if goto == "next":
        index = placed.scope.index(placed.step)
        return placed.scope[index + 1] if index + 1 < len(placed.scope) else None
    return next(s for s in placed.scope if s.key == goto)


def _target(action: FlowAction, facts: Mapping[str, Any]) -> str:
    for route in action.routes:
        if evaluate(route.when, facts):
            return route.goto
    return action.goto


def _enter(
    ctx: Context, state: CaseState, step: FlowStep, ev: Event, placed: Placed | None = None
) -> CaseState:
    """Open ``step`` (a task, or the started branches of a parallel step)."""
    day = ctx.day(ev.at)
    placed = placed or ctx.places[step.key]
    if step.branches:
        facts = _facts(ctx, state)
        started = [b for b in step.branches if b.when is None or evaluate(b.when, facts)]
        branches = dict(state.branches)
        branches[step.key] = {b.key: "open" for b in started}
        state = msgspec.structs.replace(state, branches=branches)
        for branch in started:
            state = _enter(ctx, state, branch.steps[0], ev)
        if not started:  # nothing to wait for: the join fires at once
            return _after_join(ctx, state, step, ev)
        return state
    active = ActiveStep(
        step=step.key,
        branch=placed.branch,
        parallel=placed.parallel,
        role=step.role,
        position=step.position,
        unit=step.org_unit,
        entered_at=ev.at,
        entered_on=day,
        entered_status=state.status,
        limit_days=step.limit_days,
    )
    if state.clock.accepted_on is None and ctx.flow.steps and step.key == ctx.flow.steps[0].key:
        active = msgspec.structs.replace(active, due_on=state.clock.acceptance_due)
    else:
        active = msgspec.structs.replace(active, due_on=_step_due(active, ctx.calendar))
    return msgspec.structs.replace(state, active=(*state.active, active))


def _end(ctx: Context, state: CaseState, ev: Event, status: str) -> CaseState:
    clock = msgspec.structs.replace(state.clock, stopped_on=ctx.day(ev.at))
    return msgspec.structs.replace(
        state, status=status, ended=True, active=(), hold=None, clock=clock
    )


def _goto(ctx: Context, state: CaseState, placed: Placed, goto: str, ev: Event) -> CaseState:
    following = _resolve(goto, placed)
    if following is not None:
        return _enter(ctx, state, following, ev)
    if placed.branch:
        return _branch_done(ctx, state, placed, ev)
    return _end(ctx, state, ev, state.status)


def _branch_done(ctx: Context, state: CaseState, placed: Placed, ev: Event) -> CaseState:
    branches = {k: dict(v) for k, v in state.branches.items()}
    branches[placed.parallel][placed.branch] = ev.action
    state = msgspec.structs.replace(state, branches=branches)
    parallel = ctx.places[placed.parallel].step
    outcomes = branches[placed.parallel]
    finished = sum(1 for v in outcomes.values() if v not in ("open", "cancelled"))
    needed = {"all": len(outcomes), "any": 1}.get(parallel.join, parallel.join_count)
    if finished < min(needed, len(outcomes)):
        return state
    for key, value in outcomes.items():  # the join fired: the others are no longer needed
        if value == "open":
            outcomes[key] = "cancelled"
    state = msgspec.structs.replace(
        state,
        branches=branches,
        active=tuple(a for a in state.active if a.parallel != placed.parallel),
    )
    return _after_join(ctx, state, parallel, ev)


def _after_join(ctx: Context, state: CaseState, parallel: FlowStep, ev: Event) -> CaseState:
    return _goto(ctx, state, ctx.places[parallel.key], parallel.then, ev)


# --- checks shared by actions -----------------------------------------------------------


def _active(ctx: Context, state: CaseState, ev: Event) -> ActiveStep:
    """The active step the event acts on (named by ``ev.step``, or the only one)."""
    if ev.step:
        for active in state.active:
            if active.step == ev.step:
                return active
        placed = ctx.places.get(ev.step)
        raise Conflict(
            N_("“{step}”环节当前不在办理中"),
            code="step_not_active",
            step=_step_name(placed.step) if placed else ev.step,
        )
    if len(state.active) == 1:
        return state.active[0]
    raise InvalidInput(
        N_("办件有多个环节正在办理，请指明环节：{steps}"),
        code="step_required",
        steps="、".join(a.step for a in state.active),
    )


def _no_hold(state: CaseState) -> None:
    if state.hold is not None:
        raise Conflict(
            N_("办件处于暂停状态（{status}），请先恢复办理"),
            code="case_on_hold",
            status=label(STATUS_LABELS, state.status),
        )


def _opinion(ev: Event, action: Localized) -> None:
    if not ev.opinion.strip():
        raise InvalidInput(
            N_("执行“{action}”必须填写理由或意见"), code="opinion_required", action=action
        )


def _record(state: CaseState, ev: Event, active: ActiveStep) -> tuple[StepRecord, ...]:
    return (
        *state.trail,
        StepRecord(
            seq=ev.seq,
            step=active.step,
            branch=active.branch,
            action=ev.action,
            actor_id=ev.actor_id,
            actor_name=ev.actor_name,
            role=ev.role,
            at=ev.at,
            opinion=ev.opinion,
            from_status=state.status,
        ),
    )


def _without(state: CaseState, active: ActiveStep) -> tuple[ActiveStep, ...]:
    return tuple(a for a in state.active if a is not active)


def _replace_active(state: CaseState, old: ActiveStep, new: ActiveStep) -> CaseState:
    return msgspec.structs.replace(
        state, active=tuple(new if a is old else a for a in state.active)
    )


def _at_acceptance(ctx: Context, state: CaseState) -> bool:
    first = ctx.flow.steps[0].key
    return state.clock.accepted_on is None and any(a.step == first for a in state.active)


# --- the actions ------------------------------------------------------------------------


def start(ctx: Context, ev: Event) -> CaseState:
    """The ``submit`` event: a case is received (or pre-submitted, 预办理)."""
    data = ev.data
    joint = bool(data.get("joint"))
    clock = Clock(
        limit_days=JOINT_LIMIT_DAYS if joint else int(data.get("statutory_days", 0)),
        promised_days=int(data.get("promised_days", data.get("statutory_days", 0))),
        joint=joint,
    )
    renewal = data.get("renewal") or {}
    clock = msgspec.structs.replace(
        clock,
        on_the_spot=clock.promised_days == 0,
        renewal_expires_on=date.fromisoformat(renewal["expires_on"])
        if renewal.get("expires_on")
        else None,
    )
    pre = bool(data.get("pre_handling"))
    if not pre:
        clock = _with_dues(msgspec.structs.replace(clock, received_on=ctx.day(ev.at)), ctx.calendar)
    state = CaseState(seq=ev.seq, status="pre_submitted" if pre else "submitted", clock=clock)
    return _enter(ctx, state, ctx.flow.steps[0], ev)


def _step_action(ctx: Context, state: CaseState, ev: Event) -> CaseState:
    _no_hold(state)
    active = _active(ctx, state, ev)
    placed = ctx.places[active.step]
    step = placed.step
    action = next((a for a in step.actions if a.name == ev.action), None)
    if action is None:
        raise Conflict(
            N_("办件当前处于“{step}”环节，不能执行“{action}”；此环节可执行：{allowed}"),
            code="action_not_allowed",
            step=_step_name(step),
            action=_action_name(ev.action),
            allowed=Localized(
                "、".join(_action_name(a.name)["zh-CN"] for a in step.actions),
                ", ".join(_action_name(a.name)["en"] for a in step.actions),
            ),
        )
    if state.status == "pre_submitted":
        raise Conflict(
            N_("预办理的申请须由申请人到窗口确认后才算收件"), code="pre_handling_unconfirmed"
        )
    if action.opinion_required:
        _opinion(ev, _action_name(ev.action))
    clock = state.clock
    day = ctx.day(ev.at)
    if ev.action == "reject" and (clock.deemed_accepted or past_acceptance(state, day)):
        raise Conflict(
            N_(
                "已超过 5 个工作日的受理期限（{due}），依法自收到申请材料之日起视为受理，"
                "不能再作出不予受理决定"
            ),
            code="deemed_accepted",
            due=clock.acceptance_due.isoformat() if clock.acceptance_due else "",
        )
    at_first = ev.action == "accept" or placed.step is ctx.flow.steps[0]
    if clock.accepted_on is None and at_first and ev.action != "reject":
        clock = _accepted(clock, day, ctx.calendar)
    if action.decision and clock.decided_on is None:
        clock = _with_dues(msgspec.structs.replace(clock, decided_on=day), ctx.calendar)
    state = msgspec.structs.replace(
        state,
        status=action.status or state.status,
        decision=action.decision or state.decision,
        trail=_record(state, ev, active),
        active=_without(state, active),
        clock=clock,
    )
    return _goto(ctx, state, placed, _target(action, _facts(ctx, state)), ev)


def _confirm(ctx: Context, state: CaseState, ev: Event) -> CaseState:
    if state.status != "pre_submitted":
        raise Conflict(N_("只有预办理的申请需要窗口确认"), code="not_pre_handling")
    clock = _with_dues(
        msgspec.structs.replace(state.clock, received_on=ctx.day(ev.at)), ctx.calendar
    )
    active = tuple(msgspec.structs.replace(a, due_on=clock.acceptance_due) for a in state.active)
    return msgspec.structs.replace(state, status="submitted", clock=clock, active=active)


def _pre_review(ctx: Context, state: CaseState, ev: Event) -> CaseState:
    _no_hold(state)
    if not _at_acceptance(ctx, state) or state.status not in ("submitted", "pre_reviewed"):
        raise Conflict(N_("只有待受理的网上申请可以预审"), code="not_awaiting_acceptance")
    _opinion(ev, Localized("预审", "pre-review"))
    return msgspec.structs.replace(state, status="pre_reviewed")


def _hold(state: CaseState, ev: Event, kind: str, day: date, **extra: Any) -> CaseState:
    """Enter a hold (``extra``: the :class:`Hold` fields of its kind)."""
    hold = Hold(
        kind=kind,
        since=day,
        since_at=ev.at,
        reason=ev.opinion.strip(),
        prior_status=state.status,
        **extra,
    )
    return msgspec.structs.replace(state, hold=hold, status=HOLD_STATUS[kind])


def _request_correction(ctx: Context, state: CaseState, ev: Event) -> CaseState:
    _no_hold(state)
    if not _at_acceptance(ctx, state) or state.status not in ("submitted", "pre_reviewed"):
        raise Conflict(
            N_("补正只能在受理前一次性告知；已受理的办件请使用“退回申请人”"),
            code="not_awaiting_acceptance",
        )
    if state.corrections:
        raise Conflict(
            N_("补正材料只能一次性告知，本件已告知过"), code="correction_already_requested"
        )
    day = ctx.day(ev.at)
    if state.clock.acceptance_due is not None and day > state.clock.acceptance_due:
        raise Conflict(
            N_("已超过 5 个工作日的补正告知期限（{due}），依法自收到材料之日起视为受理"),
            code="correction_too_late",
            due=state.clock.acceptance_due.isoformat(),
        )
    items = tuple(str(i).strip() for i in ev.data.get("items", []) if str(i).strip())
    if not items:
        raise InvalidInput(
            N_("补正告知须一次性列明需要补正的全部内容"), code="correction_items_required"
        )
    state = _hold(state, ev, "correction", day, items=items)
    return msgspec.structs.replace(state, corrections=state.corrections + 1)


def _return_to_applicant(ctx: Context, state: CaseState, ev: Event) -> CaseState:
    _no_hold(state)
    if state.clock.start_on is None:
        raise Conflict(N_("受理前请使用“补正告知”，受理后才能退回申请人补充"), code="not_accepted")
    _active(ctx, state, ev)
    _opinion(ev, Localized("退回申请人", "return to applicant"))
    return _hold(state, ev, "returned", ctx.day(ev.at))


def _suspend(ctx: Context, state: CaseState, ev: Event) -> CaseState:
    """中止: stops the legal clock only on a ground the flow declares (a suspension
    the law does not recognise must not buy time); without one it is a note."""
    _no_hold(state)
    _opinion(ev, Localized("挂起", "suspend"))
    ground = str(ev.data.get("ground") or "").strip()
    declared = ctx.flow.suspension_grounds
    if ground and ground not in declared:
        raise InvalidInput(
            N_("中止的法定事由须为本流程声明的事由之一：{known}"),
            code="unknown_suspension_ground",
            known="、".join(declared) or "—",
        )
    return _hold(state, ev, "suspended", ctx.day(ev.at), ground=ground, stops_clock=bool(ground))


def _pause(ctx: Context, state: CaseState, ev: Event) -> CaseState:
    """§45: a special procedure, with the time it needs told to the applicant in
    writing; a hearing (§47) runs on its own two limits instead."""
    _no_hold(state)
    procedure = str(ev.data.get("procedure", ""))
    if procedure not in SPECIAL_PROCEDURES:
        raise InvalidInput(
            N_("特别程序须为以下之一：{known}"),
            code="unknown_procedure",
            known=Localized(
                "、".join(p["zh-CN"] for p in SPECIAL_PROCEDURES.values()),
                ", ".join(p["en"] for p in SPECIAL_PROCEDURES.values()),
            ),
        )
    raw_days = ev.data.get("days_needed")
    try:
        days = int(raw_days)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        days = 0
    if isinstance(raw_days, bool) or not 1 <= days <= LONGEST_PROCEDURE_DAYS:
        raise InvalidInput(
            N_("请填写特别程序所需时间（1 到 {most} 个工作日），并书面告知申请人"),
            code="procedure_days_required",
            most=LONGEST_PROCEDURE_DAYS,
        )
    _opinion(ev, SPECIAL_PROCEDURES[procedure])
    day = ctx.day(ev.at)
    window = HEARING_REQUEST_DAYS if procedure == "hearing" else days
    return _hold(
        state,
        ev,
        "special",
        day,
        procedure=procedure,
        days_needed=days,
        due_on=ctx.calendar.add_working_days(day, window),
    )


def _hearing_requested(ctx: Context, state: CaseState, ev: Event) -> CaseState:
    """§47: the applicant asked for the hearing; it is due within 20 working days."""
    hold = state.hold
    if hold is None or hold.procedure != "hearing":
        raise Conflict(N_("办件不在听证程序中"), code="not_in_hearing")
    if hold.requested_on is not None:
        raise Conflict(N_("已经登记过听证申请"), code="hearing_already_requested")
    day = ctx.day(ev.at)
    if hold.due_on is not None and day > hold.due_on:
        raise Conflict(
            N_("申请人提出听证的期限（{due}）已过"),
            code="hearing_request_too_late",
            due=hold.due_on.isoformat(),
        )
    hold = msgspec.structs.replace(
        hold,
        requested_on=day,
        due_on=ctx.calendar.add_working_days(day, HEARING_HELD_DAYS),
    )
    return msgspec.structs.replace(state, hold=hold)


def _deem_accept(ctx: Context, state: CaseState, ev: Event) -> CaseState:
    """§32: the 5 days ran out with no acceptance decision; the application counts as
    accepted from receipt. Written by the system, not a clerk; the acceptance step
    is done (when the case is not on hold) and the flow moves on as after "accept"."""
    day = ctx.day(ev.at)
    if not past_acceptance(state, day):
        raise Conflict(N_("受理期限尚未届满，不能视为受理"), code="acceptance_not_due")
    clock = _accepted(state.clock, day, ctx.calendar)
    first = ctx.flow.steps[0]
    active = next((a for a in state.active if a.step == first.key), None)
    accept = next((a for a in first.actions if a.name == "accept"), None)
    if state.hold is not None or active is None or accept is None:
        return msgspec.structs.replace(state, clock=clock)
    state = msgspec.structs.replace(
        state,
        status=accept.status or "accepted",
        trail=_record(state, ev, active),
        active=_without(state, active),
        clock=clock,
    )
    return _goto(ctx, state, ctx.places[first.key], _target(accept, _facts(ctx, state)), ev)


def _resume(ctx: Context, state: CaseState, ev: Event) -> CaseState:
    """End a hold: its working days no longer count (or, for a correction before
    acceptance, the 5 days start again from the day the materials arrived)."""
    hold = state.hold
    if hold is None:
        raise Conflict(N_("办件没有处于暂停状态，无需恢复"), code="not_on_hold")
    wants = "receive_correction" if hold.kind in ("correction", "returned") else "resume"
    if ev.action != wants:
        raise (
            Conflict(
                N_("办件正在等待申请人补正，请使用“收到补正材料”"),
                code="awaiting_correction",
            )
            if wants == "receive_correction"
            else Conflict(N_("办件处于挂起或特别程序中，请使用“恢复办理”"), code="use_resume")
        )
    day = ctx.day(ev.at)
    days = ctx.calendar.working_days_between(hold.since, day) if hold.stops_clock else 0
    clock = state.clock
    active = state.active
    if hold.kind == "correction":
        clock = msgspec.structs.replace(clock, received_on=day, acceptance_paused=0)
        clock = _with_dues(clock, ctx.calendar)
        active = tuple(msgspec.structs.replace(a, due_on=clock.acceptance_due) for a in active)
    elif clock.start_on is None or not days:
        days = 0  # §32's 5 days are not stretched; a note stops nothing
    else:
        clock = _with_dues(
            msgspec.structs.replace(clock, paused_days=clock.paused_days + days), ctx.calendar
        )
        shifted = []
        for a in active:
            a = msgspec.structs.replace(a, paused_days=a.paused_days + days)
            shifted.append(msgspec.structs.replace(a, due_on=_step_due(a, ctx.calendar)))
        active = tuple(shifted)
    pause = Pause(kind=hold.kind, procedure=hold.procedure, since=hold.since, until=day, days=days)
    return msgspec.structs.replace(
        state,
        hold=None,
        status=hold.prior_status,
        clock=clock,
        active=active,
        pauses=(*state.pauses, pause),
    )


def _extend(ctx: Context, state: CaseState, ev: Event) -> CaseState:
    clock = state.clock
    if clock.start_on is None:
        raise Conflict(N_("办件尚未受理，不能延期"), code="not_accepted")
    if clock.extension_days:
        raise Conflict(N_("办理期限只能延长一次，本件已延长过"), code="already_extended")
    if clock.decided_on is not None:
        raise Conflict(N_("已作出决定，办理期限不再计算，无需延期"), code="already_decided")
    day = ctx.day(ev.at)
    hold = state.hold
    held_in_time = hold is not None and hold.stops_clock and hold.since <= (clock.due_on or day)
    if clock.due_on is not None and day > clock.due_on and not held_in_time:
        raise Conflict(
            N_("办理期限已于 {due} 届满，延期须在期限届满前决定"),
            code="extension_too_late",
            due=clock.due_on.isoformat(),
        )
    _opinion(ev, Localized("延期", "extension"))
    days = JOINT_EXTENSION_DAYS if clock.joint else EXTENSION_DAYS
    clock = _with_dues(msgspec.structs.replace(clock, extension_days=days), ctx.calendar)
    return msgspec.structs.replace(state, clock=clock)


def _return(ctx: Context, state: CaseState, ev: Event) -> CaseState:
    """退回 to an earlier step of the same scope, which opens again."""
    _no_hold(state)
    active = _active(ctx, state, ev)
    _opinion(ev, Localized("退回", "return"))
    to = str(ev.data.get("to", ""))
    placed = ctx.places.get(to)
    earlier = [r for r in state.trail if r.step == to]
    if placed is None or not earlier or placed.branch != active.branch:
        raise Conflict(N_("只能退回到本流程中已经办理过的环节"), code="return_target_invalid")
    state = msgspec.structs.replace(
        state,
        active=_without(state, active),
        trail=_record(state, ev, active),
        status=earlier[-1].from_status,
    )
    return _enter(ctx, state, placed.step, ev)


def _claim(ctx: Context, state: CaseState, ev: Event) -> CaseState:
    active = _active(ctx, state, ev)
    if ev.action == "claim":
        if active.assignee and active.assignee != ev.actor_id:
            raise Conflict(
                N_("该环节已由{name}签收"), code="already_claimed", name=active.assignee_name
            )
        new = msgspec.structs.replace(active, assignee=ev.actor_id, assignee_name=ev.actor_name)
        return _replace_active(state, active, new)
    staff = str(ev.data.get("staff_id", ""))
    unit = str(ev.data.get("unit", ""))
    if ev.action == "assign" and not staff:
        raise InvalidInput(N_("请指定承办人员"), code="assignee_required")
    if ev.action == "transfer" and not (staff or unit):
        raise InvalidInput(N_("请指定转交给哪位人员或哪个机构"), code="transfer_target_required")
    new = msgspec.structs.replace(
        active,
        assignee=staff,
        assignee_name=str(ev.data.get("staff_name", "")) if staff else "",
        unit=unit or active.unit,
    )
    return _replace_active(state, active, new)


def _withdraw(ctx: Context, state: CaseState, ev: Event) -> CaseState:
    if state.decision is not None:
        raise Conflict(N_("办件已作出决定，不能撤回申请"), code="already_decided")
    return _end(ctx, state, ev, "withdrawn")


def _terminate(ctx: Context, state: CaseState, ev: Event) -> CaseState:
    _opinion(ev, Localized("终止", "terminate"))
    return _end(ctx, state, ev, "terminated")


def _void(ctx: Context, state: CaseState, ev: Event) -> CaseState:
    if state.status == "voided":
        raise Conflict(N_("办件已作废"), code="already_voided")
    _opinion(ev, Localized("作废", "void"))
    return _end(ctx, state, ev, "voided")


_CASE_HANDLERS = {
    "confirm": _confirm,
    "pre_review": _pre_review,
    "request_correction": _request_correction,
    "receive_correction": _resume,
    "return_to_applicant": _return_to_applicant,
    "return": _return,
    "suspend": _suspend,
    "pause": _pause,
    "resume": _resume,
    "extend": _extend,
    "hearing_requested": _hearing_requested,
    "deem_accept": _deem_accept,
    "claim": _claim,
    "assign": _claim,
    "transfer": _claim,
    "withdraw": _withdraw,
    "terminate": _terminate,
    "void": _void,
}
#: Actions allowed on an ended case.
AFTER_END = frozenset({"void", "correct"})


def apply(ctx: Context, state: CaseState | None, ev: Event) -> CaseState:
    """The state after ``ev``; raises a domain error (and changes nothing) when
    the event is not allowed in ``state``. ``correct`` goes through :func:`replay`."""
    if ev.action == "submit":
        if state is not None:
            raise Conflict(N_("办件已经提交过"), code="already_submitted")
        return start(ctx, ev)
    if state is None:
        raise Conflict(N_("办件尚未提交"), code="not_submitted")
    if state.ended and ev.action not in AFTER_END:
        raise Conflict(
            N_("办件已结束，不能再执行“{action}”"),
            code="case_ended",
            action=_action_name(ev.action),
        )
    if ev.action in STEP_ACTIONS:
        new = _step_action(ctx, state, ev)
    elif ev.action in _CASE_HANDLERS:
        new = _CASE_HANDLERS[ev.action](ctx, state, ev)
    else:
        raise InvalidInput(
            N_("未知的办理操作“{action}”，可用的操作有：{known}"),
            code="unknown_action",
            action=ev.action,
            known="、".join(a for a in ALL_ACTIONS if a != "submit"),
        )
    return msgspec.structs.replace(new, seq=ev.seq)


def corrected_seqs(events: Iterable[Event]) -> set[int]:
    return {int(e.data["target_seq"]) for e in events if e.action == "correct"}


def replay(ctx: Context, events: Sequence[Event]) -> CaseState:
    """Fold ``events`` (in order) into a state. Events undone by a ``correct`` event
    are skipped; the ``correct`` event itself only advances the sequence."""
    undone = corrected_seqs(events)
    state: CaseState | None = None
    for ev in events:
        if ev.seq in undone:
            continue
        if ev.action == "correct":
            assert state is not None
            state = msgspec.structs.replace(state, seq=ev.seq)
            continue
        state = apply(ctx, state, ev)
    if state is None:
        raise Conflict(N_("办件尚未提交"), code="not_submitted")
    return state


def correct(ctx: Context, events: Sequence[Event], ev: Event) -> CaseState:
    """纠错: undo the latest action still in effect (named by ``target_seq``); the
    record keeps both the mistaken event and this one."""
    _opinion(ev, Localized("纠错", "correction"))
    target = correctable_seq(events)
    if not target or int(ev.data.get("target_seq") or 0) != target:
        raise Conflict(
            N_("只能纠正最近一次仍有效的办理操作（第 {seq} 步）"),
            code="correct_target_invalid",
            seq=target,
        )
    return replay(ctx, [*events, ev])


def correctable_seq(events: Sequence[Event]) -> int:
    """The one event a ``correct`` may undo: the latest one still in effect (not the
    submission), so that every later state stays consistent."""
    undone = corrected_seqs(events)
    effective = [e for e in events if e.seq not in undone and e.action != "correct"]
    if len(effective) <= 1:
        return 0
    return effective[-1].seq


# --- process tracking (R-W14) -----------------------------------------------------------


class TrackedStep(msgspec.Struct, kw_only=True):
    key: str
    name: str
    name_en: str
    branch: str = ""
    status: str
    """``done`` | ``in_progress`` | ``not_reached`` | ``cancelled``."""
    role: str
    due_on: date | None = None
    done_at: datetime | None = None
    done_by: str = ""
    action: str = ""
    assignee_name: str = ""


def tracking(ctx: Context, state: CaseState) -> list[TrackedStep]:
    """Every step of the flow (branch steps after their parallel step) with its status."""
    last = {}
    for record in state.trail:
        if record.action != "return":
            last[record.step] = record
    active = {a.step: a for a in state.active}
    cancelled = {
        b for outcomes in state.branches.values() for b, v in outcomes.items() if v == "cancelled"
    }
    out: list[TrackedStep] = []

    def add(step: FlowStep, branch: str = "") -> None:
        status = "not_reached"
        tracked = TrackedStep(
            key=step.key,
            name=step.name,
            name_en=step.name_en or step.name,
            branch=branch,
            status=status,
            role=step.role,
        )
        if step.key in active:
            a = active[step.key]
            tracked.status = "in_progress"
            tracked.due_on = a.due_on
            tracked.assignee_name = a.assignee_name
        elif step.key in last:
            r = last[step.key]
            tracked.status = "done"
            tracked.done_at, tracked.done_by, tracked.action = r.at, r.actor_name, r.action
        elif branch in cancelled:
            tracked.status = "cancelled"
        out.append(tracked)

    for step in ctx.flow.steps:
        if step.branches:
            joined = step.key in state.branches and all(
                v != "open" for v in state.branches[step.key].values()
            )
            started = step.key in state.branches
            out.append(
                TrackedStep(
                    key=step.key,
                    name=step.name,
                    name_en=step.name_en or step.name,
                    status="done" if joined else "in_progress" if started else "not_reached",
                    role="",
                )
            )
            for branch in step.branches:
                for inner in branch.steps:
                    add(inner, branch.key)
        else:
            add(step)
    return out
