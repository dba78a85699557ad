"""Working days (工作日) on mainland China's calendar plus a tenant's own days.

Three layers, the later winning over the earlier:

1. **Statutory days** (全国年节及纪念日放假办法, 2024 revision, §2), for every year:
   元旦 1 Jan; 春节 除夕 to 正月初三; 清明 (the solar term's day); 劳动节 1–2 May;
   端午 (五月初五); 中秋 (八月十五); 国庆 1–3 Oct. The lunar dates and the 清明 solar
   term come from ``lunar_python`` (a maintained astronomical calendar), never a
   hand table. A year known only this way is *provisional*: weekends stay days
   off, no adjusted working day (调休) is known, and the State Council's notice
   may still move days.
2. **The national notice** of a year (国务院办公厅关于某年部分节假日安排的通知):
   its days off and adjusted working days replace the statutory layer for that
   year. Notices come from the ``chinesecalendar`` library (the years its
   release knows) and from the ones an operator loaded (``calendar_national_day``,
   :mod:`govhall.calendar.notices`), which win over the library's.
3. **The tenant's own days** (a minority autonomous county's festival, a
   correction): they win over both.

Counting follows the civil rule for periods (民法典 §201) and 行政许可法 §82: the day
an event happens is not counted; a limit of *n* working days ends at the end of
the *n*-th working day after it. A pause from day A to day B takes out the
working days after A up to and including B: work resumes counting the day after B.

Written here: no library layers a published notice, the statutory rule and a
tenant's own days, nor says which days are still provisional.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar  # type: ignore[import-untyped]
from lunar_python import Lunar, Solar  # type: ignore[import-untyped]

from govhall.i18n import Localized

log = logging.getLogger(__name__)

#: The years a calendar answers for (the API refuses others).
FIRST_YEAR, LAST_YEAR = 2000, 2100

#: The festivals of 放假办法 §2, by the Chinese name stored with each day.
HOLIDAY_NAMES: dict[str, Localized] = {
    "元旦": Localized("元旦", "New Year's Day"),
    "春节": Localized("春节", "Spring Festival"),
    "清明节": Localized("清明节", "Qingming Festival"),
    "劳动节": Localized("劳动节", "Labour Day"),
    "端午节": Localized("端午节", "Dragon Boat Festival"),
    "中秋节": Localized("中秋节", "Mid-Autumn Festival"),
    "国庆节": Localized("国庆节", "National Day"),
}
#: ``chinesecalendar`` names its days in English; the stored and shown name is Chinese.
_LIBRARY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


def holiday_name(name: str, language: str) -> str:
    """A stored day name in ``language`` (names a tenant typed stay as typed)."""
    known = HOLIDAY_NAMES.get(name)
    return known[language] if known else name


@lru_cache(maxsize=256)
def statutory_days(year: int) -> Mapping[date, str]:
    """The days off that 放假办法 §2 fixes for ``year``, with their festival's name."""
    days: dict[date, str] = {date(year, 1, 1): "元旦"}
    new_year = Lunar.fromYmd(year, 1, 1).getSolar()  # 正月初一 of the lunar year starting in it
    first = date(new_year.getYear(), new_year.getMonth(), new_year.getDay())
    for offset in range(-1, 3):  # 除夕 (the day before 初一) to 初三
        days[first + timedelta(days=offset)] = "春节"
    qingming = Solar.fromYmd(year, 4, 15).getLunar().getJieQiTable()["清明"]
    days[date(qingming.getYear(), qingming.getMonth(), qingming.getDay())] = "清明节"
    days[date(year, 5, 1)] = days[date(year, 5, 2)] = "劳动节"
    for month, day, name in ((5, 5, "端午节"), (8, 15, "中秋节")):
        solar = Lunar.fromYmd(year, month, day).getSolar()
        days[date(solar.getYear(), solar.getMonth(), solar.getDay())] = name
    for day in (1, 2, 3):
        days[date(year, 10, day)] = "国庆节"
    return days


@dataclass(frozen=True, slots=True)
class Notice:
    """One year's national arrangement: its days off and adjusted working days."""

    year: int
    off: Mapping[date, str]
    worked: Mapping[date, str]
    title: str = ""
    """The notice's title or document number (empty for the library's)."""
    origin: str = "library"
    """``library`` (chinesecalendar) or ``loaded`` (an operator loaded it)."""


@lru_cache(maxsize=1)
def library_notices() -> Mapping[int, Notice]:
    """The notices the installed ``chinesecalendar`` release knows, by year."""
    off: dict[int, dict[date, str]] = {}
    worked: dict[int, dict[date, str]] = {}
    for day, name in chinese_calendar.holidays.items():
        off.setdefault(day.year, {})[day] = _LIBRARY_NAMES.get(name, name)
    for day, name in chinese_calendar.workdays.items():
        worked.setdefault(day.year, {})[day] = _LIBRARY_NAMES.get(name, name)
    return {
        year: Notice(year=year, off=off[year], worked=worked.get(year, {})) for year in sorted(off)
    }


@dataclass(frozen=True)
class NationalCalendar:
    """The platform-wide layers: each year's notice where one is known, §2 otherwise."""

    loaded: Mapping[int, Notice] = field(default_factory=dict)
    notices: Mapping[int, Notice] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "notices", {**library_notices(), **self.loaded})

    def source(self, year: int) -> str:
        """``national`` when the year's notice is known, else ``statutory``."""
        return "national" if year in self.notices else "statutory"

    def provisional(self, year: int) -> bool:
        return year not in self.notices

    def days_off(self, year: int) -> Mapping[date, str]:
        notice = self.notices.get(year)
        return notice.off if notice else statutory_days(year)

    def days_worked(self, year: int) -> Mapping[date, str]:
        notice = self.notices.get(year)
        return notice.worked if notice else {}

    @property
    def covered_until(self) -> date:
        """The last day of the last year whose notice is known."""
        return date(max(self.notices), 12, 31)


@lru_cache(maxsize=1)
def default_national() -> NationalCalendar:
    """The library's notices and §2 (no loaded notice): for tests and tools."""
    return NationalCalendar()


class WorkingCalendar:
    """Answers "is this a working day" and counts working days for one tenant.

    Years are laid out on first use (a year's days off and worked weekend days),
    so a limit that reaches into any year finds that year's days — a notice's,
    or §2's while the notice is not known (:meth:`provisional`)."""

    __slots__ = ("_days_off", "_days_worked", "_overrides", "_years", "national")

    def __init__(
        self,
        overrides: Mapping[date, bool] | None = None,
        national: NationalCalendar | None = None,
    ) -> None:
        self.national = national or default_national()
        self._overrides = dict(overrides or {})
        self._days_off: set[date] = set()
        self._days_worked: set[date] = set()
        self._years: set[int] = set()

    @property
    def covered_until(self) -> date:
        return self.national.covered_until

    def _lay_out(self, year: int) -> None:
        self._years.add(year)
        self._days_off.update(d for d in self.national.days_off(year) if d.weekday() < 5)
        self._days_worked.update(d for d in self.national.days_worked(year) if d.weekday() >= 5)
        for day, working in self._overrides.items():
            if day.year != year:
                continue
            if working:
                self._days_off.discard(day)
                if day.weekday() >= 5:
                    self._days_worked.add(day)
            else:
                self._days_worked.discard(day)
                if day.weekday() < 5:
                    self._days_off.add(day)

    def is_working_day(self, day: date) -> bool:
        if day.year not in self._years:
            self._lay_out(day.year)
        if day.weekday() >= 5:
            return day in self._days_worked
        return day not in self._days_off

    def provisional(self, day: date) -> bool:
        """True while ``day``'s year has no national notice (and the tenant has not
        declared the day itself): the day may still change."""
        return day not in self._overrides and self.national.provisional(day.year)

    def source(self, day: date) -> str:
        """``tenant``, ``national`` or ``statutory``: who decided what ``day`` is."""
        if day in self._overrides:
            return "tenant"
        return self.national.source(day.year)

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

    def first_provisional(self, start: date, end: date) -> date | None:
        """The first day after ``start`` up to ``end`` that is provisional, if any."""
        year = start.year
        while year <= end.year:
            if self.national.provisional(year):
                return max(start + timedelta(days=1), date(year, 1, 1))
            year += 1
        return None
