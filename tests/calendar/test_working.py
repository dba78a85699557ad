"""Working days on real 2025–2026 calendars, and properties over random calendars."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govhall.calendar.working import WorkingCalendar

CN = WorkingCalendar()


@pytest.mark.parametrize(
    ("day", "working", "why"),
    [
        (date(2025, 1, 26), True, "Sunday worked before the 2025 Spring Festival (调休)"),
        (date(2025, 1, 28), False, "2025 Spring Festival eve"),
        (date(2025, 2, 4), False, "last day of the 2025 Spring Festival break"),
        (date(2025, 2, 8), True, "Saturday worked after the 2025 Spring Festival"),
        (date(2025, 9, 28), True, "Sunday worked before the 2025 National Day"),
        (date(2025, 10, 8), False, "2025 National Day + Mid-Autumn break"),
        (date(2025, 10, 11), True, "Saturday worked after the 2025 National Day"),
        (date(2026, 2, 14), True, "Saturday worked before the 2026 Spring Festival"),
        (date(2026, 2, 16), False, "2026 Spring Festival (a Monday)"),
        (date(2026, 2, 23), False, "last day of the 2026 Spring Festival break"),
        (date(2026, 2, 28), True, "Saturday worked after the 2026 Spring Festival"),
        (date(2026, 9, 20), True, "Sunday worked before the 2026 National Day"),
        (date(2026, 10, 7), False, "2026 National Day break"),
        (date(2026, 10, 10), True, "Saturday worked after the 2026 National Day"),
        (date(2026, 11, 23), True, "an ordinary Monday"),
        (date(2026, 11, 22), False, "an ordinary Sunday"),
    ],
)
def test_national_days_and_adjusted_working_days(day: date, working: bool, why: str) -> None:
    assert CN.is_working_day(day) is working, why


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # Thu before the 2026 Spring Festival: Fri, the worked Saturday, then after the break.
        (date(2026, 2, 12), 5, date(2026, 2, 26)),
        # Over the 2026 National Day, counting the worked Saturday 10 Oct.
        (date(2026, 9, 29), 20, date(2026, 11, 2)),
        # The worked Sunday 26 Jan 2025 counts; the Spring Festival does not.
        (date(2025, 1, 24), 5, date(2025, 2, 7)),
        (date(2025, 9, 26), 5, date(2025, 10, 10)),
        # Qingming 2026 (4–6 April) is skipped.
        (date(2026, 3, 2), 25, date(2026, 4, 7)),
        (date(2026, 3, 2), 0, date(2026, 3, 2)),
    ],
)
def test_add_working_days_on_real_calendars(start: date, days: int, due: date) -> None:
    assert CN.add_working_days(start, days) == due
    assert CN.working_days_between(start, due) == days


def test_tenant_days_override_the_national_calendar() -> None:
    local = WorkingCalendar({date(2026, 7, 15): False, date(2026, 10, 3): True})
    assert not local.is_working_day(date(2026, 7, 15))  # a local festival (a Wednesday)
    assert local.is_working_day(date(2026, 10, 3))  # a Saturday in the break, worked locally
    assert local.add_working_days(date(2026, 7, 14), 1) == date(2026, 7, 16)
    with pytest.raises(ValueError):
        local.add_working_days(date(2026, 7, 14), -1)


overrides = st.dictionaries(
    st.dates(date(2025, 1, 1), date(2027, 6, 30)), st.booleans(), max_size=60
)


@settings(max_examples=200, deadline=None)
@given(
    overrides=overrides,
    start=st.dates(date(2025, 1, 1), date(2026, 12, 31)),
    days=st.integers(0, 60),
)
def test_a_limit_counts_exactly_its_working_days(
    overrides: dict[date, bool], start: date, days: int
) -> None:
    calendar = WorkingCalendar(overrides)
    due = calendar.add_working_days(start, days)
    counted = [
        start + timedelta(days=i)
        for i in range(1, (due - start).days + 1)
        if calendar.is_working_day(start + timedelta(days=i))
    ]
    assert len(counted) == days
    assert days == 0 or calendar.is_working_day(due)  # a deadline never falls on a day off
    for day, working in overrides.items():  # the tenant's word wins
        assert calendar.is_working_day(day) is working
