"""Working days (工作日) on mainland China's calendar plus a tenant's own days.

The national statutory holidays and adjusted working days (调休) come from the
``chinesecalendar`` library, which follows each year's State Council notice.
A tenant adds local days off (e.g. a minority autonomous county's festival) and
can correct a day; tenant days win over national ones.

Counting follows the civil rule for periods (民法典 §201): the day an event
happens is not counted; a limit of *n* working days ends at the end of the
*n*-th working day after it. A pause from day A to day B takes out the working
days after A up to and including B: work resumes counting the day after B.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar  # type: ignore[import-untyped]

log = logging.getLogger(__name__)

#: Years the national data covers (older library versions know fewer years).
NATIONAL_YEARS = range(
    min(d.year for d in chinese_calendar.holidays),
    max(d.year for d in chinese_calendar.holidays) + 1,
)


@lru_cache(maxsize=1)
def national_days() -> tuple[Mapping[date, str], Mapping[date, str]]:
    """(days off that fall on weekdays or weekends, weekend days worked), with names."""
    return dict(chinese_calendar.holidays), dict(chinese_calendar.workdays)


class WorkingCalendar:
    """Answers "is this a working day" and counts working days for one tenant.

    Beyond the years the national data covers, weekends are days off and
    weekdays working days, until the tenant (or an upgrade of the library) adds
    that year's holidays; :attr:`covered_until` says how far the data reaches."""

    __slots__ = ("_days_off", "_days_worked", "covered_until")

    def __init__(self, overrides: Mapping[date, bool] | None = None) -> None:
        holidays, workdays = national_days()
        self._days_off = {d for d in holidays if d.weekday() < 5}
        self._days_worked = {d for d in workdays if d.weekday() >= 5}
        for day, working in (overrides or {}).items():
            if working:
                self._days_off.discard(day)
                if day.weekday() >= 5:
                    self._days_worked.add(day)
            else:
                self._days_worked.discard(day)
                if day.weekday() < 5:
                    self._days_off.add(day)
        self.covered_until = date(NATIONAL_YEARS.stop - 1, 12, 31)

    def is_working_day(self, day: date) -> bool:
        if day.weekday() >= 5:
            return day in self._days_worked
        return day not in self._days_off

    def add_working_days(self, start: date, days: int) -> date:
        """The ``days``-th working day after ``start`` (``start`` itself for 0)."""
        if days < 0:
            raise ValueError("days must not be negative")
        day = start
        while days:
            day += timedelta(days=1)
            if self.is_working_day(day):
                days -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 if end ≤ start)."""
        count = 0
        day = start
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count

    def next_working_day(self, day: date) -> date:
        return self.add_working_days(day, 1)
