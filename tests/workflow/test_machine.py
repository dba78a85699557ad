"""The case state machine: statutory clock rules on real dates, parallel joins,
holds, corrections, and properties over random action sequences."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govhall.builtin.flow import STANDARD_FLOW
from govhall.calendar.working import WorkingCalendar
from govhall.errors import Conflict, GovhallError, InvalidInput
from govhall.sdk import F, FlowAction, FlowBranch, FlowStep, FlowTemplate, Route
from govhall.workflow import machine
from govhall.workflow.machine import CaseState, Context, Event

SH = ZoneInfo("Asia/Shanghai")
CN = WorkingCalendar()


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), SH)


class Case:
    """Drives the machine like the engine does, keeping the events."""

    def __init__(
        self,
        flow: FlowTemplate = STANDARD_FLOW,
        form: dict[str, Any] | None = None,
        calendar: WorkingCalendar = CN,
        **submit: Any,
    ) -> None:
        self.ctx = Context(flow=flow, calendar=calendar, tz=SH, form=form or {})
        self.events: list[Event] = []
        self.state: CaseState | None = None
        self.submit_data = {"statutory_days": 20, "promised_days": 15, **submit}

    def do(
        self, action: str, day: date, opinion: str = "", step: str = "", **data: Any
    ) -> CaseState:
        if action == "submit":
            data = {**self.submit_data, **data}
        ev = Event(
            seq=len(self.events) + 1,
            action=action,
            at=at(day),
            actor_id="staff-1",
            actor_name="王受理",
            role="clerk",
            step=step,
            opinion=opinion,
            data=data,
        )
        if action == "correct":
            state = machine.correct(self.ctx, self.events, ev)
        else:
            state = machine.apply(self.ctx, self.state, ev)
        self.events.append(ev)
        self.state = state
        return state


# --- statutory rules on real 2025–2026 dates ---------------------------------------------


def test_acceptance_is_due_within_five_working_days_over_spring_festival() -> None:
    case = Case()
    state = case.do("submit", date(2026, 2, 12))
    assert state.clock.received_on == date(2026, 2, 12)
    assert state.clock.acceptance_due == date(2026, 2, 26)
    assert state.active[0].due_on == date(2026, 2, 26)


def test_the_limit_runs_from_acceptance_over_national_day() -> None:
    case = Case()
    case.do("submit", date(2026, 9, 28))
    state = case.do("accept", date(2026, 9, 29))
    assert state.clock.start_on == date(2026, 9, 29) and not state.clock.deemed_accepted
    assert state.clock.due_on == date(2026, 11, 2)  # 20 working days, 10 Oct worked
    assert state.clock.promised_due_on == CN.add_working_days(date(2026, 9, 29), 15)


def test_late_acceptance_counts_from_receipt() -> None:
    """行政许可法 §32: not deciding within 5 working days = accepted on receipt."""
    case = Case()
    case.do("submit", date(2026, 3, 2))
    state = case.do("accept", date(2026, 3, 12))  # due 9 March
    assert state.clock.deemed_accepted
    assert state.clock.start_on == date(2026, 3, 2)
    assert state.clock.due_on == date(2026, 3, 30)


def test_correction_once_with_the_complete_list_restarts_the_five_days() -> None:
    case = Case()
    case.do("submit", date(2026, 3, 2))
    with pytest.raises(InvalidInput) as empty:
        case.do("request_correction", date(2026, 3, 4), "材料不全", items=[])
    assert empty.value.code == "correction_items_required"
    state = case.do("request_correction", date(2026, 3, 4), "材料不全", items=["身份证明复印件"])
    assert state.status == "awaiting_correction" and state.hold is not None
    assert state.hold.items == ("身份证明复印件",)
    with pytest.raises(Conflict) as held:
        case.do("accept", date(2026, 3, 5))
    assert held.value.code == "case_on_hold"
    state = case.do("receive_correction", date(2026, 3, 10))
    assert state.status == "submitted"
    assert state.clock.received_on == date(2026, 3, 10)
    assert state.clock.acceptance_due == date(2026, 3, 17)
    with pytest.raises(Conflict) as twice:
        case.do("request_correction", date(2026, 3, 11), "又缺", items=["另一份"])
    assert twice.value.code == "correction_already_requested"
    state = case.do("accept", date(2026, 3, 12))
    assert state.clock.start_on == date(2026, 3, 12)  # the correction time never counts


def test_a_correction_after_five_working_days_is_refused() -> None:
    case = Case()
    case.do("submit", date(2026, 3, 2))
    with pytest.raises(Conflict) as late:
        case.do("request_correction", date(2026, 3, 10), "材料不全", items=["申请书"])
    assert late.value.code == "correction_too_late"


@pytest.mark.parametrize("procedure", sorted(machine.SPECIAL_PROCEDURES))
def test_special_procedures_stop_the_clock(procedure: str) -> None:
    case = Case()
    case.do("submit", date(2026, 3, 2))
    case.do("accept", date(2026, 3, 2))
    assert case.state is not None and case.state.clock.due_on == date(2026, 3, 30)
    state = case.do("pause", date(2026, 3, 4), "需要专业意见", procedure=procedure, days_needed=5)
    assert state.status == "special_procedure"
    with pytest.raises(Conflict):
        case.do("pass", date(2026, 3, 5))
    state = case.do("resume", date(2026, 3, 11))
    # 5, 6, 9, 10, 11 March do not count; Qingming (4–6 April) is skipped too.
    assert state.clock.paused_days == 5
    assert state.clock.due_on == date(2026, 4, 7)
    assert state.pauses[-1].procedure == procedure and state.status == "accepted"


def test_unknown_procedure_and_missing_reason_are_refused() -> None:
    case = Case()
    case.do("submit", date(2026, 3, 2))
    case.do("accept", date(2026, 3, 2))
    with pytest.raises(InvalidInput) as unknown:
        case.do("pause", date(2026, 3, 3), "x", procedure="picnic")
    assert unknown.value.code == "unknown_procedure"
    with pytest.raises(InvalidInput) as reason:
        case.do("suspend", date(2026, 3, 3))
    assert reason.value.code == "opinion_required"


def test_extension_once_by_ten_working_days() -> None:
    case = Case()
    case.do("submit", date(2026, 3, 2))
    with pytest.raises(Conflict):
        case.do("extend", date(2026, 3, 2), "情况复杂")  # not accepted yet
    case.do("accept", date(2026, 3, 2))
    state = case.do("extend", date(2026, 3, 20), "需要现场核查，情况复杂")
    assert state.clock.extension_days == 10
    assert state.clock.due_on == CN.add_working_days(date(2026, 3, 2), 30)
    with pytest.raises(Conflict) as twice:
        case.do("extend", date(2026, 3, 23), "再延")
    assert twice.value.code == "already_extended"


def test_joint_handling_has_its_own_limit() -> None:
    case = Case(joint=True)
    case.do("submit", date(2026, 3, 2))
    state = case.do("accept", date(2026, 3, 2))
    assert state.clock.limit_days == 45
    assert state.clock.due_on == CN.add_working_days(date(2026, 3, 2), 45)
    state = case.do("extend", date(2026, 3, 3), "联合办理延期")
    assert state.clock.extension_days == 15


def test_step_limits_shift_with_pauses() -> None:
    flow = msgspec.structs.replace(
        STANDARD_FLOW,
        steps=tuple(
            msgspec.structs.replace(s, limit_days=3) if s.key == "handle" else s
            for s in STANDARD_FLOW.steps
        ),
    )
    flow = msgspec.structs.replace(flow, suspension_grounds=("等待上级机关答复（示例条例第十条）",))
    case = Case(flow=flow)
    case.do("submit", date(2026, 3, 2))
    state = case.do("accept", date(2026, 3, 2))
    assert state.active[0].step == "handle" and state.active[0].due_on == date(2026, 3, 5)
    case.do(
        "suspend", date(2026, 3, 3), "等待上级答复", ground="等待上级机关答复（示例条例第十条）"
    )
    state = case.do("resume", date(2026, 3, 5))
    assert state.active[0].due_on == date(2026, 3, 9)


def test_pre_handling_counts_from_confirmation_at_the_counter() -> None:
    case = Case(pre_handling=True)
    state = case.do("submit", date(2026, 3, 2))
    assert state.status == "pre_submitted" and state.clock.received_on is None
    with pytest.raises(Conflict) as early:
        case.do("accept", date(2026, 3, 3))
    assert early.value.code == "pre_handling_unconfirmed"
    state = case.do("confirm", date(2026, 3, 9))
    assert state.status == "submitted" and state.clock.acceptance_due == date(2026, 3, 16)


def test_return_reopens_an_earlier_step_with_its_status() -> None:
    case = Case()
    case.do("submit", date(2026, 3, 2))
    case.do("accept", date(2026, 3, 2))
    case.do("pass", date(2026, 3, 3))
    with pytest.raises(Conflict):
        case.do("return", date(2026, 3, 4), "需补充核查", to="conclude")  # not done before
    state = case.do("return", date(2026, 3, 4), "需补充核查", to="handle")
    assert [a.step for a in state.active] == ["handle"] and state.status == "accepted"


def test_withdraw_terminate_void_and_ended_cases() -> None:
    case = Case()
    case.do("submit", date(2026, 3, 2))
    state = case.do("withdraw", date(2026, 3, 3))
    assert state.ended and state.status == "withdrawn" and state.active == ()
    with pytest.raises(Conflict) as ended:
        case.do("accept", date(2026, 3, 3))
    assert ended.value.code == "case_ended"
    state = case.do("void", date(2026, 3, 4), "重复申请")
    assert state.status == "voided"
    decided = Case()
    decided.do("submit", date(2026, 3, 2))
    decided.do("accept", date(2026, 3, 2))
    decided.do("pass", date(2026, 3, 2))
    decided.do("approve", date(2026, 3, 3))
    with pytest.raises(Conflict) as late:
        decided.do("withdraw", date(2026, 3, 4))
    assert late.value.code == "already_decided"


def test_correct_undoes_the_latest_action_and_keeps_the_record() -> None:
    case = Case()
    case.do("submit", date(2026, 3, 2))
    case.do("accept", date(2026, 3, 2))
    case.do("pass", date(2026, 3, 3))
    state = case.do("correct", date(2026, 3, 3), "误点承办完成", target_seq=3)
    assert [a.step for a in state.active] == ["handle"] and state.seq == 4
    assert machine.correctable_seq(case.events) == 2
    assert [e.action for e in case.events] == ["submit", "accept", "pass", "correct"]


# --- parallel branches ------------------------------------------------------------------


def _review(key: str) -> FlowStep:
    return FlowStep(
        key=key,
        name=key,
        role="reviewer",
        actions=(FlowAction(name="agree", goto="end"), FlowAction(name="disagree", goto="end")),
    )


def parallel_flow(join: str = "all", count: int = 0, when: Any = None) -> FlowTemplate:
    accept, _handle, approve, conclude = STANDARD_FLOW.steps
    countersign = FlowStep(
        key="countersign",
        name="会签",
        name_en="Countersign",
        branches=(
            FlowBranch(key="fire", name="消防", steps=(_review("fire_review"),)),
            FlowBranch(key="env", name="环保", steps=(_review("env_review"),), when=when),
            FlowBranch(
                key="plan",
                name="规划",
                steps=(
                    FlowStep(
                        key="plan_check",
                        name="规划初审",
                        role="handler",
                        actions=(FlowAction(name="pass"),),
                    ),
                    _review("plan_review"),
                ),
            ),
        ),
        join=join,  # type: ignore[arg-type]
        join_count=count,
    )
    approve = msgspec.structs.replace(
        approve,
        actions=tuple(
            msgspec.structs.replace(
                a, routes=(Route(when=F("branch.fire") == "disagree", goto="conclude"),)
            )
            if a.name == "approve"
            else a
            for a in approve.actions
        ),
    )
    return FlowTemplate(key="parallel", steps=(accept, countersign, approve, conclude))


def test_join_all_waits_for_every_branch_and_series_within_a_branch() -> None:
    case = Case(flow=parallel_flow())
    case.do("submit", date(2026, 3, 2))
    state = case.do("accept", date(2026, 3, 2))
    assert sorted(a.step for a in state.active) == ["env_review", "fire_review", "plan_check"]
    with pytest.raises(InvalidInput) as which:
        case.do("agree", date(2026, 3, 3))
    assert which.value.code == "step_required"
    case.do("agree", date(2026, 3, 3), step="fire_review")
    state = case.do("pass", date(2026, 3, 3), step="plan_check")
    assert "plan_review" in [a.step for a in state.active]
    case.do("disagree", date(2026, 3, 4), step="env_review")
    state = case.do("agree", date(2026, 3, 5), step="plan_review")
    assert [a.step for a in state.active] == ["approve"]
    assert state.branches["countersign"] == {"fire": "agree", "env": "disagree", "plan": "agree"}
    tracked = {t.key: t.status for t in machine.tracking(case.ctx, state)}
    assert tracked["countersign"] == "done" and tracked["approve"] == "in_progress"
    assert tracked["conclude"] == "not_reached"


def test_join_any_and_n_of_m_cancel_the_rest() -> None:
    case = Case(flow=parallel_flow("any"))
    case.do("submit", date(2026, 3, 2))
    case.do("accept", date(2026, 3, 2))
    state = case.do("agree", date(2026, 3, 3), step="env_review")
    assert [a.step for a in state.active] == ["approve"]
    assert state.branches["countersign"]["fire"] == "cancelled"
    two = Case(flow=parallel_flow("count", 2))
    two.do("submit", date(2026, 3, 2))
    two.do("accept", date(2026, 3, 2))
    state = two.do("agree", date(2026, 3, 3), step="env_review")
    assert len(state.active) == 2
    state = two.do("agree", date(2026, 3, 3), step="fire_review")
    assert [a.step for a in state.active] == ["approve"]


def test_branch_conditions_and_routes_over_decisions() -> None:
    case = Case(flow=parallel_flow(when=F("area") > 1000), form={"area": 500})
    case.do("submit", date(2026, 3, 2))
    state = case.do("accept", date(2026, 3, 2))
    assert "env_review" not in [a.step for a in state.active]  # not started
    case.do("disagree", date(2026, 3, 3), step="fire_review")
    case.do("pass", date(2026, 3, 3), step="plan_check")
    state = case.do("agree", date(2026, 3, 3), step="plan_review")
    assert [a.step for a in state.active] == ["approve"]
    state = case.do("approve", date(2026, 3, 4))
    # The route: fire safety disagreed, so approval goes straight to conclusion.
    assert [a.step for a in state.active] == ["conclude"]


# --- properties -------------------------------------------------------------------------

#: Progress actions are listed several times so that random plans get deep into flows.
PROGRESS = ["accept", "pass", "agree", "disagree", "approve", "deny", "conclude"]
ACTIONS = [
    *PROGRESS * 6,
    "reject",
    "request_correction",
    "receive_correction",
    "return_to_applicant",
    "suspend",
    "pause",
    "resume",
    "extend",
    "return",
    "claim",
    "withdraw",
    "correct",
]
moves = st.lists(
    st.tuples(
        st.sampled_from(ACTIONS),
        st.integers(0, 6),  # days later
        st.integers(0, 3),  # which active step
        st.sampled_from(["handle", "accept", "approve", "fire_review"]),
    ),
    max_size=40,
)
calendars = st.dictionaries(
    st.dates(date(2026, 1, 1), date(2026, 12, 31)), st.booleans(), max_size=30
).map(WorkingCalendar)


def _drive(case: Case, start: date, plan: list[tuple[str, int, int, str]]) -> int:
    """Apply the plan, skipping refused actions; returns how many were refused."""
    day = start
    refused = 0
    case.do("submit", day)
    for action, later, index, target in plan:
        day += timedelta(days=later)
        before = case.state
        assert before is not None
        active = sorted(a.step for a in before.active)
        step = active[index % len(active)] if active else ""
        data: dict[str, Any] = {
            "items": ["申请书"],
            "procedure": "expert_review",
            "days_needed": 5,
            "to": target,
            "target_seq": machine.correctable_seq(case.events),
        }
        try:
            case.do(action, day, "意见", step=step, **data)
        except GovhallError:
            refused += 1
            assert case.state is before  # a refusal changes nothing
    return refused


def _clock_invariants(case: Case) -> None:
    state = case.state
    assert state is not None
    clock = state.clock
    cal = case.ctx.calendar
    if clock.start_on is None or clock.due_on is None:
        return
    # The deadline counts exactly the limit + extension in working days, with every
    # paused working day (after the start) added back: holidays, pauses and correction
    # time never count.
    paused = sum(p.days for p in state.pauses if p.kind != "correction")
    assert paused == clock.paused_days
    assert cal.working_days_between(clock.start_on, clock.due_on) == (
        clock.limit_days + clock.extension_days + clock.paused_days
    )
    assert clock.limit_days + clock.extension_days + clock.paused_days == 0 or (
        cal.is_working_day(clock.due_on)
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    plan=moves,
    calendar=calendars,
    start=st.dates(date(2026, 1, 1), date(2026, 11, 30)),
    flow=st.sampled_from(["standard", "all", "any", "two"]),
)
def test_replaying_events_always_yields_the_stored_state(
    plan: list[tuple[str, int, int, str]], calendar: WorkingCalendar, start: date, flow: str
) -> None:
    chosen = {
        "standard": STANDARD_FLOW,
        "all": parallel_flow(),
        "any": parallel_flow("any"),
        "two": parallel_flow("count", 2),
    }[flow]
    case = Case(flow=chosen, calendar=calendar, form={"area": 2000})
    _drive(case, start, plan)
    assert machine.replay(case.ctx, case.events) == case.state
    # Through storage too: the snapshot survives a JSON round trip unchanged.
    assert case.state is not None
    stored = msgspec.json.decode(msgspec.json.encode(case.state.to_builtins()))
    assert CaseState.from_builtins(stored) == case.state
    _clock_invariants(case)
    decisions = [e for e in case.events if e.action in ("approve", "deny")]
    undone = machine.corrected_seqs(case.events)
    effective = [e for e in decisions if e.seq not in undone]
    returns = [e for e in case.events if e.action == "return" and e.seq not in undone]
    assert len(effective) <= 1 + len(returns)  # a decision is taken again only after a return


def test_replay_up_to_a_moment_shows_the_case_as_it_was() -> None:
    case = Case()
    case.do("submit", date(2026, 3, 2))
    case.do("accept", date(2026, 3, 2))
    case.do("claim", date(2026, 3, 3), step="handle")
    case.do("pass", date(2026, 3, 4))
    then = [e for e in case.events if e.at <= at(date(2026, 3, 3), 12)]
    past = machine.replay(case.ctx, then)
    assert past.status == "accepted"
    assert past.active[0].step == "handle" and past.active[0].assignee_name == "王受理"
    assert [r.action for r in past.trail] == ["accept"]
