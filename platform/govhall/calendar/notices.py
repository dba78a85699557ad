"""Loading a year's State Council holiday notice without a code release.

An operator gives the notice's days off and adjusted working days (调休) — from a
TOML or JSON file (``govhall calendar load-notice``) or the operator console's
form. Everything wrong is listed at once and nothing is changed; a valid notice
replaces the year's earlier loaded one in one transaction. What changed (days
whose working status differs from before) is returned, so the caller can
recompute the open cases whose dates depend on them
(:func:`govhall.workflow.recompute.recompute_open_cases`).

The file's shape (dates as ``YYYY-MM-DD``, ranges as ``A..B``)::

    year = 2027
    title = "国务院办公厅关于2027年部分节假日安排的通知"
    document_number = "国办发明电〔2026〕7号"
    [[holidays]]
    name = "元旦"
    off = ["2027-01-01..2027-01-03"]
    work = ["2027-01-04"]

Checks: the year is one the platform counts (2000–2100); every date is of that
year; no day is both off and worked; an adjusted working day is a Saturday or
Sunday (a weekday is worked anyway); and every statutory day of 放假办法 §2 is
off (a notice arranges them, it cannot remove them).
"""

from __future__ import annotations

import json
import tomllib
import uuid
from datetime import date, timedelta
from typing import Any

import msgspec

from govhall import db
from govhall.calendar.tables import NationalDay, NationalNotice
from govhall.calendar.working import (
    FIRST_YEAR,
    LAST_YEAR,
    NationalCalendar,
    WorkingCalendar,
    holiday_name,
    statutory_days,
)
from govhall.errors import InvalidInput, NotFound
from govhall.i18n import N_, Localized, translate

#: A range can span a whole break; a longer one is a typo.
LONGEST_RANGE = 15


class HolidayIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: str = ""
    off: list[str] = []
    work: list[str] = []


class NoticeIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    year: int
    title: str
    document_number: str = ""
    holidays: list[HolidayIn] = []


class NoticeDays(msgspec.Struct, kw_only=True):
    """A validated notice: its days off and worked weekend days with their names."""

    year: int
    title: str
    document_number: str
    off: dict[date, str]
    worked: dict[date, str]


def _problem(message: str, **params: Any) -> Localized:
    return Localized(translate(message, "zh-CN", **params), translate(message, "en", **params))


def _dates(spec: str, problems: list[Localized]) -> list[date]:
    """``YYYY-MM-DD`` or ``A..B`` (both ends included)."""
    text = spec.strip().replace("～", "..").replace("~", "..").replace("至", "..")
    first, _, last = text.partition("..")
    try:
        start = date.fromisoformat(first.strip())
        end = date.fromisoformat(last.strip()) if last else start
    except ValueError:
        problems.append(_problem(N_("“{text}”不是日期或日期段（YYYY-MM-DD 或 A..B）"), text=spec))
        return []
    if end < start or (end - start).days > LONGEST_RANGE:
        problems.append(_problem(N_("日期段“{text}”的起止不正确"), text=spec))
        return []
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def validate(notice: NoticeIn) -> NoticeDays:
    """The notice's days, or :class:`InvalidInput` listing every problem."""
    problems: list[Localized] = []
    year = notice.year
    if not FIRST_YEAR <= year <= LAST_YEAR:
        problems.append(
            _problem(N_("年份须在 {first} 到 {last} 之间"), first=FIRST_YEAR, last=LAST_YEAR)
        )
    if not notice.title.strip():
        problems.append(_problem(N_("请填写通知的标题")))
    off: dict[date, str] = {}
    worked: dict[date, str] = {}
    for holiday in notice.holidays:
        name = holiday.name.strip()
        for target, specs in ((off, holiday.off), (worked, holiday.work)):
            for spec in specs:
                for day in _dates(spec, problems):
                    if day.year != year:
                        problems.append(
                            _problem(N_("{day} 不在 {year} 年内"), day=day.isoformat(), year=year)
                        )
                    target[day] = name
    for day in sorted(set(off) & set(worked)):
        problems.append(_problem(N_("{day} 既是放假日又是调休上班日"), day=day.isoformat()))
    for day in sorted(worked):
        if day.weekday() < 5 and day not in off:
            problems.append(
                _problem(
                    N_("调休上班日 {day} 不是周六或周日（工作日本来就上班）"),
                    day=day.isoformat(),
                )
            )
    if not off:
        problems.append(_problem(N_("通知没有任何放假日期")))
    elif FIRST_YEAR <= year <= LAST_YEAR:
        for day, name in sorted(statutory_days(year).items()):
            if day not in off:
                problems.append(
                    _problem(
                        N_("{day}（{name}）是法定节假日，通知的放假日期中必须包含"),
                        day=day.isoformat(),
                        name=Localized(name, holiday_name(name, "en")),
                    )
                )
    if problems:
        raise InvalidInput(
            N_("节假日通知有 {count} 处问题，未作任何更改：{problems}"),
            code="notice_invalid",
            count=len(problems),
            problems=Localized(
                "；".join(p["zh-CN"] for p in problems), "; ".join(p["en"] for p in problems)
            ),
        )
    return NoticeDays(
        year=year,
        title=notice.title.strip(),
        document_number=notice.document_number.strip(),
        off=off,
        worked=worked,
    )


def parse_file(text: str, filename: str = "") -> NoticeIn:
    """A notice from a TOML (default) or JSON file's text."""
    try:
        raw = json.loads(text) if filename.endswith(".json") else tomllib.loads(text)
        return msgspec.convert(raw, NoticeIn)
    except (ValueError, msgspec.ValidationError) as exc:
        raise InvalidInput(
            N_("节假日通知文件无法读取，未作任何更改：{error}"),
            code="notice_malformed",
            error=str(exc),
        ) from exc


def parse_lines(year: int, title: str, document_number: str, off: str, work: str) -> NoticeIn:
    """A notice from the console's form: one line per date or range, then the
    festival's name (``2027-01-01..2027-01-03 元旦``)."""
    holidays: dict[str, HolidayIn] = {}
    for text, kind in ((off, "off"), (work, "work")):
        for line in text.splitlines():
            spec, _, name = line.strip().partition(" ")
            if not spec:
                continue
            holiday = holidays.setdefault(name.strip(), HolidayIn(name=name.strip()))
            getattr(holiday, kind).append(spec)
    return NoticeIn(
        year=year,
        title=title,
        document_number=document_number,
        holidays=list(holidays.values()),
    )


def changed_days(before: NationalCalendar, after: NationalCalendar, year: int) -> list[date]:
    """The days of ``year`` whose working status differs between two national layers."""
    old, new = WorkingCalendar(national=before), WorkingCalendar(national=after)
    day, out = date(year, 1, 1), []
    while day.year == year:
        if old.is_working_day(day) != new.is_working_day(day):
            out.append(day)
        day += timedelta(days=1)
    return out


async def load_notice(notice: NoticeIn, loaded_by: str) -> tuple[NoticeDays, list[date]]:
    """Validate and store a year's notice (replacing that year's loaded one); returns
    it and the days whose working status changed."""
    from govhall.calendar.services import forget_all, national_calendar

    days = validate(notice)
    forget_all()
    before = await national_calendar()
    async with db.transaction():
        await NationalNotice.delete().where(NationalNotice.year == days.year)
        notice_id = uuid.uuid4()
        await NationalNotice(
            id=notice_id,
            year=days.year,
            title=days.title,
            document_number=days.document_number,
            loaded_by=loaded_by,
        ).save()
        rows = [
            NationalDay(notice=notice_id, day=day, working=working, name=name)
            for working, source in ((False, days.off), (True, days.worked))
            for day, name in source.items()
        ]
        await NationalDay.insert(*rows)
    forget_all()
    return days, changed_days(before, await national_calendar(), days.year)


async def unload_notice(year: int) -> list[date]:
    """Remove a loaded notice (the year falls back to the library's or §2's days);
    returns the days whose working status changed."""
    from govhall.calendar.services import forget_all, national_calendar

    forget_all()
    before = await national_calendar()
    deleted = (
        await NationalNotice.delete()
        .where(NationalNotice.year == year)
        .returning(NationalNotice.id)
    )
    if not deleted:
        raise NotFound(
            N_("{year} 年没有运营人员载入的节假日通知"), code="notice_not_found", year=year
        )
    forget_all()
    return changed_days(before, await national_calendar(), year)


class LoadedNotice(msgspec.Struct, kw_only=True):
    year: int
    title: str
    document_number: str
    loaded_by: str
    days_off: int
    working_days: int


async def loaded_notices() -> list[LoadedNotice]:
    notices = await NationalNotice.select().order_by(NationalNotice.year)
    counts: dict[Any, list[int]] = {row["id"]: [0, 0] for row in notices}
    for row in await NationalDay.select(NationalDay.notice, NationalDay.working):
        counts[row["notice"]][1 if row["working"] else 0] += 1
    return [
        LoadedNotice(
            year=row["year"],
            title=row["title"],
            document_number=row["document_number"],
            loaded_by=row["loaded_by"],
            days_off=counts[row["id"]][0],
            working_days=counts[row["id"]][1],
        )
        for row in notices
    ]
