"""Each tenant's working-day calendar, cached per process.

A calendar is rebuilt from the national layer (the library's notices, the ones
an operator loaded, §2's statutory days for the rest) and the tenant's own
days when they change here, and at the latest after :data:`CACHE_SECONDS` so
that a change made through another process is seen soon.
"""

from __future__ import annotations

import time
import uuid
from datetime import date

from govhall import db
from govhall.calendar.tables import CalendarDay, NationalDay, NationalNotice
from govhall.calendar.working import NationalCalendar, Notice, WorkingCalendar
from govhall.errors import Forbidden
from govhall.i18n import N_
from govhall.identity.tokens import Principal
from govhall.tenancy.schemas import TenantInfo

CACHE_SECONDS = 60.0
_cache: dict[uuid.UUID, tuple[float, WorkingCalendar]] = {}
_national: list[tuple[float, NationalCalendar]] = []


async def national_calendar() -> NationalCalendar:
    """The platform-wide layers, with the notices operators loaded (kept briefly)."""
    if _national and time.monotonic() - _national[0][0] < CACHE_SECONDS:
        return _national[0][1]
    notices = {
        row["id"]: row
        for row in await NationalNotice.select(
            NationalNotice.id, NationalNotice.year, NationalNotice.title
        )
    }
    off: dict[uuid.UUID, dict[date, str]] = {key: {} for key in notices}
    worked: dict[uuid.UUID, dict[date, str]] = {key: {} for key in notices}
    if notices:
        for row in await NationalDay.select(
            NationalDay.notice, NationalDay.day, NationalDay.working, NationalDay.name
        ):
            (worked if row["working"] else off)[row["notice"]][row["day"]] = row["name"]
    national = NationalCalendar(
        {
            row["year"]: Notice(
                year=row["year"],
                off=off[key],
                worked=worked[key],
                title=row["title"],
                origin="loaded",
            )
            for key, row in notices.items()
        }
    )
    _national[:] = [(time.monotonic(), national)]
    return national


async def tenant_calendar(tenant_id: uuid.UUID) -> WorkingCalendar:
    cached = _cache.get(tenant_id)
    if cached and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    national = await national_calendar()
    rows = await CalendarDay.select(CalendarDay.day, CalendarDay.working).where(
        CalendarDay.tenant == tenant_id
    )
    calendar = WorkingCalendar({row["day"]: row["working"] for row in rows}, national)
    _cache[tenant_id] = (time.monotonic(), calendar)
    return calendar


def forget(tenant_id: uuid.UUID) -> None:
    _cache.pop(tenant_id, None)


def forget_all() -> None:
    """Drop every kept calendar (a national notice changed)."""
    _cache.clear()
    _national.clear()


async def set_day(tenant_id: uuid.UUID, day: date, working: bool, name: str) -> None:
    """Declare ``day`` working or not for the tenant (replacing an earlier entry)."""
    async with db.transaction():
        await CalendarDay.delete().where(
            (CalendarDay.tenant == tenant_id) & (CalendarDay.day == day)
        )
        await CalendarDay(tenant=tenant_id, day=day, working=working, name=name.strip()).save()
    forget(tenant_id)


async def clear_day(tenant_id: uuid.UUID, day: date) -> bool:
    deleted = (
        await CalendarDay.delete()
        .where((CalendarDay.tenant == tenant_id) & (CalendarDay.day == day))
        .returning(CalendarDay.id)
    )
    forget(tenant_id)
    return bool(deleted)


async def year_days(tenant_id: uuid.UUID, year: int) -> list[tuple[date, bool, str, str]]:
    """Every day of ``year`` that differs from a plain Monday–Friday week (and every
    statutory holiday, even on a weekend), with its name and source (``national``,
    ``statutory`` or ``tenant``), in date order."""
    calendar = await tenant_calendar(tenant_id)
    holidays = calendar.national.days_off(year)
    workdays = calendar.national.days_worked(year)
    own = {
        row["day"]: row["name"]
        for row in await CalendarDay.select(CalendarDay.day, CalendarDay.name).where(
            CalendarDay.tenant == tenant_id
        )
    }
    out: list[tuple[date, bool, str, str]] = []
    day = date(year, 1, 1)
    while day.year == year:
        working = calendar.is_working_day(day)
        ordinary = day.weekday() < 5
        if working != ordinary or day in own or day in holidays:
            if day in own:
                out.append((day, working, own[day], "tenant"))
            else:
                name = holidays.get(day) or workdays.get(day) or ""
                out.append((day, working, name, calendar.source(day)))
        day = date.fromordinal(day.toordinal() + 1)
    return out


async def require_calendar_admin(principal: Principal, tenant: TenantInfo) -> None:
    """Only administrators change the working-day calendar."""
    from govhall.identity.access import require_staff_of
    from govhall.identity.services import admin_scope

    staff = require_staff_of(principal, tenant)
    if not await admin_scope(staff.id, tenant.id):
        raise Forbidden(N_("只有管理员可以修改工作日历"), code="tenant_admin_required")
