"""The supervision sweep: each signal's day over real 2026 holidays (including the
调休 working weekends), a stopped clock gets no card, signals are raised once and
cleared when resolved, and the set-based SQL agrees with a plain reference."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from govhall.calendar.working import WorkingCalendar
from govhall.cases.tables import Case
from govhall.supervision.sweep import level_of, limits_for, sweep
from govhall.supervision.tables import Clock, Signal, SupervisionSettings
from govhall.tenancy.tables import Tenant
from govhall.workflow.tables import Task
from tests.conftest import Api

D = date.fromisoformat


@pytest.mark.parametrize(
    ("today", "deadline", "levels", "why"),
    [
        ("2026-09-30", "2026-10-08", ["warning"], "1 working day left: Oct 1-7 are off"),
        ("2026-09-30", "2026-10-09", ["warning"], "2 working days left"),
        ("2026-09-30", "2026-10-10", [], "3 left: Saturday Oct 10 is a 调休 working day"),
        ("2026-10-08", "2026-09-30", ["warning", "yellow"], "1 working day overdue (Oct 8)"),
        ("2026-10-08", "2026-09-29", ["warning", "yellow", "red"], "2 overdue: Sep 30, Oct 8"),
        ("2026-10-10", "2026-10-09", ["warning", "yellow"], "the 调休 Saturday counts"),
        ("2026-10-10", "2026-10-08", ["warning", "yellow", "red"], "Oct 9 and 10"),
        ("2026-10-11", "2026-10-10", ["warning"], "due yesterday, but Sunday is no working day"),
        ("2026-02-14", "2026-02-24", ["warning"], "调休 Saturday; Feb 15-23 off"),
        ("2026-02-14", "2026-02-13", ["warning", "yellow"], "the 调休 Saturday is overdue day 1"),
        ("2026-02-24", "2026-02-13", ["warning", "yellow", "red"], "Feb 14 and Feb 24"),
        ("2026-01-05", "2026-01-04", ["warning", "yellow"], "Sunday Jan 4 was worked"),
        ("2026-01-04", "2026-12-31", [], "far away"),
    ],
)
def test_each_signals_day_over_the_2026_holidays(
    today: str, deadline: str, levels: list[str], why: str
) -> None:
    limits = limits_for(uuid.uuid4(), WorkingCalendar(), D(today), (2, 1, 2))
    assert level_of(limits, D(deadline)) == levels, why


def test_local_days_and_thresholds_move_the_signals() -> None:
    # A local festival on Friday Oct 9: deadline Oct 8 seen on Saturday Oct 10 is one
    # working day overdue (Oct 10), not two.
    calendar = WorkingCalendar({D("2026-10-09"): False})
    limits = limits_for(uuid.uuid4(), calendar, D("2026-10-10"), (2, 1, 2))
    assert level_of(limits, D("2026-10-08")) == ["warning", "yellow"]
    # A tenant warning 5 working days ahead and carding at 3 and 5 days overdue.
    limits = limits_for(uuid.uuid4(), WorkingCalendar(), D("2026-11-30"), (5, 3, 5))
    assert level_of(limits, D("2026-12-07")) == ["warning"]  # 5 left
    assert level_of(limits, D("2026-12-08")) == []
    assert level_of(limits, D("2026-11-25")) == ["warning", "yellow"]  # 26, 27, 30
    assert level_of(limits, D("2026-11-23")) == ["warning", "yellow", "red"]


#: Thursday 2026-10-08, noon in Beijing.
NOW = datetime(2026, 10, 8, 4, 0, tzinfo=UTC)


async def _cases(api: Api, count: int) -> list[str]:
    citizen = await api.citizen()
    return [(await api.submit(citizen))["serial_number"] for _ in range(count)]


async def _set(serial: str, **values: object) -> None:
    await Case.update({getattr(Case, k): v for k, v in values.items()}).where(
        Case.serial_number == serial
    )


async def _open(level: str | None = None) -> set[tuple[str, str, str]]:
    rows = await Signal.select(Signal.case.serial_number, Signal.subject, Signal.level).where(
        Signal.cleared_at.is_null()
    )
    return {
        (r["case.serial_number"], r["subject"], r["level"])
        for r in rows
        if level is None or r["level"] == level
    }


async def _clocks_agree() -> None:
    """The sweep's memory (``supervision_clock``) is the highest open deadline
    signal of every clock, and no clock is remembered without one."""
    rank = {"warning": 1, "yellow": 2, "red": 3}
    highest: dict[tuple[str, str], int] = {}
    for row in await Signal.select(Signal.case, Signal.subject, Signal.level).where(
        Signal.cleared_at.is_null() & (Signal.kind == "deadline")
    ):
        key = (str(row["case"]), row["subject"])
        highest[key] = max(highest.get(key, 0), rank[row["level"]])
    clocks = {
        (str(r["case"]), r["subject"]): r["level"]
        for r in await Clock.select(Clock.case, Clock.subject, Clock.level)
    }
    assert clocks == highest


async def test_signals_are_raised_once_and_cleared_when_resolved(api: Api, demo: None) -> None:
    late, near, paused, fine = await _cases(api, 4)
    await Task.update({Task.due_on: None}, force=True)  # this test watches the cases' clocks
    await _set(late, status="accepted", due_on=D("2026-09-29"), acceptance_due=None)
    await _set(near, status="accepted", due_on=D("2026-10-09"), acceptance_due=None)
    await _set(paused, status="special_procedure", hold="expert_review", due_on=D("2026-09-01"))
    await _set(fine, status="accepted", due_on=D("2026-12-31"), acceptance_due=None)
    first = await sweep(NOW)
    assert await _open() == {
        (late, "case", "warning"),
        (late, "case", "yellow"),
        (late, "case", "red"),
        (near, "case", "warning"),
    }  # the paused case gets no card for its stopped days
    assert first.raised == 4
    # Twice, and twice at once: nothing more.
    again = await asyncio.gather(sweep(NOW), sweep(NOW))
    assert [r.raised for r in again] == [0, 0] and await Signal.count() == 4
    # An extension moves the deadline: the cards go, the warning stays; conclusion
    # clears everything.
    await _set(late, due_on=D("2026-10-09"))
    moved = await sweep(NOW)
    assert moved.cleared == 2 and (late, "case", "red") not in await _open()
    await _set(near, status="concluded")
    await sweep(NOW)
    assert await _open() == {(late, "case", "warning")}
    # Late again later: the yellow card is raised again (the same row, uncleared).
    await sweep(NOW + timedelta(days=2))  # Saturday Oct 10, a working day
    assert (late, "case", "yellow") in await _open()
    assert await Signal.count() == 4  # the same rows: late's three, near's warning
    await _clocks_agree()
    # A stopped clock keeps its level whatever the dates say; ending the case
    # clears it even while stopped.
    await _set(late, hold="expert_review", due_on=D("2026-12-31"))
    await sweep(NOW + timedelta(days=2))
    assert (late, "case", "yellow") in await _open()
    await _set(late, status="terminated")
    assert (await sweep(NOW + timedelta(days=2))).cleared == 2
    assert await _open() == set()
    await _clocks_agree()


async def test_steps_and_acceptance_have_their_own_clocks(api: Api, demo: None) -> None:
    waiting, handled = await _cases(api, 2)
    await _set(waiting, acceptance_due=D("2026-09-29"), due_on=None)
    await _set(handled, status="accepted", acceptance_due=None, due_on=None)
    case = await Case.select(Case.id).where(Case.serial_number == handled).first()
    assert case is not None
    await Task.update({Task.due_on: None}, force=True)
    await Task.update({Task.due_on: D("2026-09-30")}).where(Task.case == case["id"])
    await sweep(NOW)
    signals = await _open()
    assert (waiting, "acceptance", "red") in signals
    step = {s for s in signals if s[0] == handled}
    assert step and all(s[1].startswith("step:") and s[2] != "red" for s in step)
    assert {s[2] for s in step} == {"warning", "yellow"}
    await _clocks_agree()
    await Task.update({Task.status: "done"}).where(Task.case == case["id"])
    await _set(waiting, status="accepted")
    await sweep(NOW)
    assert not {s for s in await _open() if s[0] in (handled, waiting)}
    await _clocks_agree()


async def test_the_sql_agrees_with_the_reference_and_thresholds_per_tenant(
    api: Api, demo: None
) -> None:
    serials = await _cases(api, 40)
    await Task.update({Task.due_on: None}, force=True)
    county = await Tenant.select(Tenant.id).where(Tenant.slug == "demo-county").first()
    assert county is not None
    await SupervisionSettings(tenant=county["id"], warning_days=4, yellow_days=2, red_days=3).save()
    pick = random.Random(8)
    deadlines = {}
    for serial in serials:
        deadline = D("2026-09-15") + timedelta(days=pick.randrange(0, 45))
        deadlines[serial] = deadline
        await _set(serial, status="accepted", due_on=deadline, acceptance_due=None)
    await sweep(NOW)
    limits = limits_for(county["id"], WorkingCalendar(), D("2026-10-08"), (4, 2, 3))
    expected = {
        (serial, "case", level)
        for serial, deadline in deadlines.items()
        for level in level_of(limits, deadline)
    }
    assert await _open() == expected and expected
    await _clocks_agree()


async def test_the_decision_issue_and_hold_limits_have_their_own_clocks(
    api: Api, demo: None
) -> None:
    """§42 stops at the decision and §44's 10 days to issue run from it; a §45/§47
    hold's own limit runs while the case's clock is stopped; a suspension on no legal
    ground stops nothing."""
    decided, held, noted = await _cases(api, 3)
    await Task.update({Task.due_on: None}, force=True)
    # Past its legal limit, but decided: only the issue limit (2026-09-29) counts.
    await _set(
        decided,
        status="approved",
        decision="approved",
        acceptance_due=None,
        due_on=D("2026-09-01"),
        issue_due=D("2026-09-29"),
    )
    # In a hearing whose date (2026-09-30) has passed; its legal limit is stopped.
    await _set(
        held,
        status="special_procedure",
        hold="special",
        acceptance_due=None,
        due_on=D("2026-09-01"),
        hold_due=D("2026-09-30"),
    )
    # Suspended with no legal ground: the hold column stays empty, the clock runs.
    await _set(noted, status="suspended", hold=None, acceptance_due=None, due_on=D("2026-09-29"))
    await sweep(NOW)
    signals = await _open()
    assert {s for s in signals if s[0] == decided} == {
        (decided, "issue", "warning"),
        (decided, "issue", "yellow"),
        (decided, "issue", "red"),
    }
    assert {s for s in signals if s[0] == held} == {
        (held, "hold", "warning"),
        (held, "hold", "yellow"),
    }
    assert (noted, "case", "red") in signals
    await _clocks_agree()
    # Issued and concluded: the issue clock stops; the hearing held: its clock goes.
    await _set(decided, status="concluded", issue_due=None)
    await _set(held, status="accepted", hold=None, hold_due=None, due_on=D("2026-12-31"))
    await sweep(NOW)
    assert not {s for s in await _open() if s[0] in (decided, held)}
