"""The clock against the 行政许可法's own words (docs/legal-reference.md), on real
dates: §32 deemed acceptance and its 5 days, §42 extension, §45 procedures, §47
hearings, §44 issuing, suspension grounds, and 2027 with §2's statutory days."""

from __future__ import annotations

from datetime import date

import msgspec
import pytest

from govhall.builtin.flow import STANDARD_FLOW
from govhall.errors import Conflict, InvalidInput
from govhall.workflow import machine
from tests.workflow.test_machine import CN, Case

GROUND = "申请人死亡需确定继承人（示例条例第十条）"


def test_deemed_acceptance_on_the_sixth_working_day_counts_from_receipt() -> None:
    """§32: not told within 5 days → accepted from the day the materials arrived."""
    case = Case()
    case.do("submit", date(2026, 3, 2))  # Monday; 5 working days end Monday 9 March
    with pytest.raises(Conflict) as early:
        case.do("deem_accept", date(2026, 3, 9))
    assert early.value.code == "acceptance_not_due"
    state = case.do("deem_accept", date(2026, 3, 10))  # the 6th working day
    assert state.clock.deemed_accepted and state.clock.start_on == date(2026, 3, 2)
    assert state.clock.due_on == date(2026, 3, 30)  # 20 working days from receipt
    assert state.status == "accepted" and [a.step for a in state.active] == ["handle"]
    assert state.trail[-1].action == "deem_accept"
    with pytest.raises(Conflict):  # the acceptance step is done; no refusal any more
        case.do("reject", date(2026, 3, 11), "材料不全")


def test_a_late_refusal_is_refused() -> None:
    case = Case()
    case.do("submit", date(2026, 3, 2))
    with pytest.raises(Conflict) as late:
        case.do("reject", date(2026, 3, 10), "不符合条件")
    assert late.value.code == "deemed_accepted"
    assert case.do("reject", date(2026, 3, 9), "不符合条件").status == "rejected"


def test_a_hold_before_acceptance_does_not_stretch_the_five_days() -> None:
    """Suspend on day 1, resume on day 14: a correction is then too late (§32)."""
    case = Case()
    case.do("submit", date(2026, 3, 2))
    case.do("suspend", date(2026, 3, 3), "申请人要求暂缓")
    state = case.do("resume", date(2026, 3, 19))
    assert state.clock.acceptance_due == date(2026, 3, 9)
    with pytest.raises(Conflict) as late:
        case.do("request_correction", date(2026, 3, 19), "材料不全", items=["申请书"])
    assert late.value.code == "correction_too_late"


def test_extension_before_the_limit_and_not_after() -> None:
    """§42: extend once, before the 20 days run out."""
    on_time = Case()
    on_time.do("submit", date(2026, 3, 2))
    on_time.do("accept", date(2026, 3, 2))
    state = on_time.do("extend", date(2026, 3, 30), "情况复杂")  # the last day of the limit
    assert state.clock.due_on == date(2026, 4, 14)  # +10 working days, Qingming skipped
    late = Case()
    late.do("submit", date(2026, 3, 2))
    late.do("accept", date(2026, 3, 2))
    with pytest.raises(Conflict) as refused:
        late.do("extend", date(2026, 3, 31), "情况复杂")
    assert refused.value.code == "extension_too_late"
    assert late.state is not None and late.state.clock.extension_days == 0


def test_joint_handling_45_days_extended_by_15() -> None:
    case = Case(joint=True)
    case.do("submit", date(2026, 3, 2))
    state = case.do("accept", date(2026, 3, 2))
    assert state.clock.due_on == CN.add_working_days(date(2026, 3, 2), 45)
    state = case.do("extend", date(2026, 4, 1), "多部门联合核查")
    assert state.clock.due_on == CN.add_working_days(date(2026, 3, 2), 60)


@pytest.mark.parametrize(
    "procedure",
    [
        "hearing",
        "tendering",
        "auction",
        "inspection",
        "testing",
        "quarantine",
        "appraisal",
        "expert_review",
    ],
)
def test_every_procedure_of_article_45_needs_its_time(procedure: str) -> None:
    case = Case()
    case.do("submit", date(2026, 3, 2))
    case.do("accept", date(2026, 3, 2))
    with pytest.raises(InvalidInput) as vague:
        case.do("pause", date(2026, 3, 4), "需要", procedure=procedure)
    assert vague.value.code == "procedure_days_required"
    state = case.do("pause", date(2026, 3, 4), "需要", procedure=procedure, days_needed=10)
    assert state.hold is not None and state.hold.days_needed == 10
    expected = 5 if procedure == "hearing" else 10  # §47: the applicant asks within 5 days
    assert state.hold.due_on == CN.add_working_days(date(2026, 3, 4), expected)
    assert machine.clock_columns(state)[4] == state.hold.due_on


def test_a_hearing_is_held_within_20_days_of_the_request() -> None:
    case = Case()
    case.do("submit", date(2026, 3, 2))
    case.do("accept", date(2026, 3, 2))
    case.do("pause", date(2026, 3, 4), "涉及他人重大利益", procedure="hearing", days_needed=25)
    with pytest.raises(Conflict) as late:
        case.do("hearing_requested", date(2026, 3, 12))  # window ended 11 March
    assert late.value.code == "hearing_request_too_late"
    state = case.do("hearing_requested", date(2026, 3, 11))
    assert state.hold is not None and state.hold.due_on == date(2026, 4, 9)


def test_a_suspension_stops_the_clock_only_on_a_declared_ground() -> None:
    flow = msgspec.structs.replace(STANDARD_FLOW, suspension_grounds=(GROUND,))
    noted = Case(flow=flow)
    noted.do("submit", date(2026, 3, 2))
    noted.do("accept", date(2026, 3, 2))
    state = noted.do("suspend", date(2026, 3, 3), "等等")
    assert machine.hold_column(state) is None  # supervision keeps the clock running
    state = noted.do("resume", date(2026, 3, 10))
    assert state.clock.due_on == date(2026, 3, 30)  # no time bought
    grounded = Case(flow=flow)
    grounded.do("submit", date(2026, 3, 2))
    grounded.do("accept", date(2026, 3, 2))
    with pytest.raises(InvalidInput):
        grounded.do("suspend", date(2026, 3, 3), "等等", ground="随便什么理由")
    grounded.do("suspend", date(2026, 3, 3), "继承人未定", ground=GROUND)
    state = grounded.do("resume", date(2026, 3, 10))
    assert state.clock.due_on == date(2026, 4, 7)  # 5 working days back


def test_the_decision_stops_the_clock_and_starts_the_issue_limit() -> None:
    """§44: issue and deliver within 10 working days of the decision."""
    case = Case()
    case.do("submit", date(2026, 3, 2))
    case.do("accept", date(2026, 3, 2))
    case.do("pass", date(2026, 3, 3))
    state = case.do("approve", date(2026, 3, 27))
    assert state.clock.decided_on == date(2026, 3, 27)
    assert state.clock.issue_due == date(2026, 4, 13)  # Qingming 4–6 April skipped
    assert machine.clock_columns(state)[3] == date(2026, 4, 13)
    with pytest.raises(Conflict):
        case.do("extend", date(2026, 3, 30), "情况复杂")
    state = case.do("conclude", date(2026, 4, 1))
    assert machine.clock_columns(state)[3] is None  # issued: the clock is done


def test_limits_over_new_year_2027_use_the_statutory_days() -> None:
    case = Case()
    case.do("submit", date(2026, 12, 28))
    state = case.do("accept", date(2026, 12, 28))
    # 29–31 Dec; 1 Jan 2027 (元旦) and the weekend skipped; then 17 more working days.
    assert state.clock.due_on == date(2027, 1, 26)
    spring = Case()
    spring.do("submit", date(2027, 2, 1))
    # 2, 3, 4 Feb; 除夕 5 Feb to 初三 8 Feb off; 9, 10 Feb.
    assert spring.state is not None and spring.state.clock.acceptance_due == date(2027, 2, 10)


def test_an_on_the_spot_item_is_accepted_by_its_conclusion() -> None:
    from govhall.builtin.flow import ON_THE_SPOT_FLOW

    case = Case(flow=ON_THE_SPOT_FLOW, statutory_days=0, promised_days=0)
    case.do("submit", date(2026, 3, 2))
    state = case.do("conclude", date(2026, 3, 2))
    assert state.clock.on_the_spot and state.clock.accepted_on == date(2026, 3, 2)
    assert state.ended and state.status == "concluded"
