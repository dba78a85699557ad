"""Years without a loaded notice hold 放假办法 §2's days; a loaded notice replaces them.

Expected dates are those of docs/legal-reference.md (the 2024 revision's §2, the
2025 and 2026 notices), not what the libraries compute."""

from __future__ import annotations

from datetime import date

import pytest

from govhall.calendar.notices import NoticeIn, changed_days, parse_file, validate
from govhall.calendar.working import (
    NationalCalendar,
    Notice,
    WorkingCalendar,
    default_national,
    statutory_days,
)
from govhall.errors import InvalidInput

CN = WorkingCalendar()

# 2027: 1 Jan; 除夕 5 Feb to 初三 8 Feb; 清明 5 Apr; 1–2 May; 端午 9 Jun; 中秋 15 Sep; 1–3 Oct.
STATUTORY_2027 = {
    date(2027, 1, 1): "元旦",
    date(2027, 2, 5): "春节",
    date(2027, 2, 6): "春节",
    date(2027, 2, 7): "春节",
    date(2027, 2, 8): "春节",
    date(2027, 4, 5): "清明节",
    date(2027, 5, 1): "劳动节",
    date(2027, 5, 2): "劳动节",
    date(2027, 6, 9): "端午节",
    date(2027, 9, 15): "中秋节",
    date(2027, 10, 1): "国庆节",
    date(2027, 10, 2): "国庆节",
    date(2027, 10, 3): "国庆节",
}


def test_2027_holds_the_statutory_days_of_article_2() -> None:
    assert dict(statutory_days(2027)) == STATUTORY_2027
    for day in STATUTORY_2027:
        assert not CN.is_working_day(day), day
        assert CN.provisional(day) and CN.source(day) == "statutory"
    # Weekends stay days off; no adjusted working day is known yet.
    assert not CN.is_working_day(date(2027, 1, 2))  # a Saturday
    assert CN.is_working_day(date(2027, 1, 4))  # an ordinary Monday


def test_statutory_days_agree_with_the_2025_and_2026_notices() -> None:
    """Every §2 day of a year with a notice is off in that notice (the notice arranges
    them with weekends, it never removes one)."""
    for year in (2025, 2026):
        for day in statutory_days(year):
            assert not CN.is_working_day(day), day
            assert not CN.provisional(day) and CN.source(day) == "national"


@pytest.mark.parametrize(
    ("start", "days", "due", "why"),
    [
        (date(2026, 12, 31), 1, date(2027, 1, 4), "元旦 2027 and the weekend skipped"),
        (date(2027, 2, 4), 1, date(2027, 2, 9), "除夕 Fri 5 Feb to 初三 Mon 8 Feb skipped"),
        (date(2026, 12, 14), 20, date(2027, 1, 12), "a 20-day limit set today crosses New Year"),
    ],
)
def test_limits_cross_into_a_provisional_year(start: date, days: int, due: date, why: str) -> None:
    assert CN.add_working_days(start, days) == due, why


def _notice_2027() -> Notice:
    """A 2027 arrangement of the kind a notice makes: 春节 4–10 Feb with 调休 Sundays."""
    off = dict(STATUTORY_2027)
    for d in (4, 9, 10):
        off[date(2027, 2, d)] = "春节"
    return Notice(
        year=2027,
        off=off,
        worked={date(2027, 1, 31): "春节", date(2027, 2, 20): "春节"},
        origin="loaded",
    )


def test_a_loaded_notice_makes_the_year_national_and_moves_days() -> None:
    loaded = NationalCalendar({2027: _notice_2027()})
    calendar = WorkingCalendar(national=loaded)
    assert calendar.source(date(2027, 2, 9)) == "national"
    assert not calendar.provisional(date(2027, 2, 9))
    assert not calendar.is_working_day(date(2027, 2, 9))
    assert calendar.is_working_day(date(2027, 1, 31))  # a Sunday worked (调休)
    moved = changed_days(default_national(), loaded, 2027)
    assert moved == [
        date(2027, 1, 31),
        date(2027, 2, 4),
        date(2027, 2, 9),
        date(2027, 2, 10),
        date(2027, 2, 20),
    ]


def _notice(**changes: object) -> NoticeIn:
    text = """
year = 2027
title = "国务院办公厅关于2027年部分节假日安排的通知"
[[holidays]]
name = "元旦"
off = ["2027-01-01..2027-01-03"]
[[holidays]]
name = "春节"
off = ["2027-02-04..2027-02-10"]
work = ["2027-01-31", "2027-02-20"]
[[holidays]]
name = "清明节"
off = ["2027-04-03..2027-04-05"]
[[holidays]]
name = "劳动节"
off = ["2027-05-01..2027-05-05"]
[[holidays]]
name = "端午节"
off = ["2027-06-09"]
[[holidays]]
name = "中秋节"
off = ["2027-09-15"]
[[holidays]]
name = "国庆节"
off = ["2027-10-01..2027-10-07"]
"""
    notice = parse_file(text)
    for key, value in changes.items():
        setattr(notice, key, value)
    return notice


def test_a_valid_notice_validates() -> None:
    days = validate(_notice())
    assert days.year == 2027 and date(2027, 2, 9) in days.off
    assert days.worked == {date(2027, 1, 31): "春节", date(2027, 2, 20): "春节"}


def test_a_bad_notice_lists_every_problem() -> None:
    notice = _notice()
    notice.holidays[0].off = ["2026-12-31..2027-01-02"]  # a date outside the year
    notice.holidays[1].work.append("2027-02-09")  # both off and worked
    notice.holidays[2].off = ["2027-04-06"]  # 清明 5 Apr missing; 6 Apr a weekday
    notice.holidays[3].work = ["2027-05-06"]  # a weekday "worked"
    notice.holidays[4].off = ["2027-06-31"]  # not a date
    with pytest.raises(InvalidInput) as bad:
        validate(notice)
    text = bad.value.params["problems"]["zh-CN"]
    assert "2026-12-31 不在 2027 年内" in text
    assert "2027-02-09 既是放假日又是调休上班日" in text
    assert "2027-04-05（清明节）是法定节假日" in text
    assert "调休上班日 2027-05-06 不是周六或周日" in text
    assert "“2027-06-31”不是日期" in text
    assert "2027-06-09（端午节）是法定节假日" in text
    english = bad.value.params["problems"]["en"]
    assert "2027-02-09 is both a day off and an adjusted working day" in english
    assert "2027-04-05 (Qingming Festival) is a statutory holiday" in english


def test_a_malformed_file_is_refused() -> None:
    with pytest.raises(InvalidInput) as bad:
        parse_file("year = 2027\ntitle = ")
    assert bad.value.code == "notice_malformed"
    with pytest.raises(InvalidInput):
        parse_file('{"year": "x"}', "notice.json")
