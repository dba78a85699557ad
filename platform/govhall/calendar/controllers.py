"""The tenant's working-day calendar: ``/t/{tenant}/api/v1/calendar``."""

from __future__ import annotations

from datetime import date

import msgspec
from litestar import Controller, delete, get, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from govhall.calendar.services import (
    clear_day,
    require_calendar_admin,
    set_day,
    tenant_calendar,
    year_days,
)
from govhall.errors import InvalidInput, NotFound
from govhall.i18n import N_
from govhall.identity.tokens import Principal
from govhall.tenancy.schemas import TenantInfo


class CalendarDayOut(msgspec.Struct, kw_only=True):
    day: date
    working: bool
    name: str
    source: str
    """``national`` (State Council notice) or ``tenant`` (this government's own day)."""


class CalendarYear(msgspec.Struct, kw_only=True):
    year: int
    covered_until: date
    """The national data reaches this day; later years show weekends only until added."""
    days: list[CalendarDayOut]


class WorkingDaysOut(msgspec.Struct, kw_only=True):
    start: date
    days: int
    due: date


class CalendarDayIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    working: bool
    name: str = ""


async def _admin(principal: Principal, tenant: TenantInfo) -> None:
    await require_calendar_admin(principal, tenant)


class CalendarController(Controller):
    path = "/calendar"
    tags = ("calendar",)

    @get("/", summary="Days off and adjusted working days of a year (no login)")
    async def year(self, tenant: NamedDependency[TenantInfo], year: FromQuery[int]) -> CalendarYear:
        if not 2000 <= year <= 2100:
            raise InvalidInput(N_("年份须在 2000 到 2100 之间"), code="year_out_of_range")
        calendar = await tenant_calendar(tenant.id)
        return CalendarYear(
            year=year,
            covered_until=calendar.covered_until,
            days=[
                CalendarDayOut(day=d, working=w, name=n, source=s)
                for d, w, n, s in await year_days(tenant.id, year)
            ],
        )

    @get("/working-days", summary="The date a limit of N working days ends")
    async def working_days(
        self, tenant: NamedDependency[TenantInfo], start: FromQuery[date], days: FromQuery[int]
    ) -> WorkingDaysOut:
        if not 0 <= days <= 3650:
            raise InvalidInput(N_("工作日数须在 0 到 3650 之间"), code="days_out_of_range")
        calendar = await tenant_calendar(tenant.id)
        return WorkingDaysOut(start=start, days=days, due=calendar.add_working_days(start, days))

    @put("/{day:date}", summary="Declare a day working or not (tenant admin)")
    async def set(
        self,
        day: FromPath[date],
        data: JSONBody[CalendarDayIn],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
    ) -> CalendarDayOut:
        await _admin(principal, tenant)
        await set_day(tenant.id, day, data.working, data.name)
        return CalendarDayOut(day=day, working=data.working, name=data.name, source="tenant")

    @delete("/{day:date}", summary="Remove the tenant's own entry for a day (tenant admin)")
    async def clear(
        self,
        day: FromPath[date],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
    ) -> None:
        await _admin(principal, tenant)
        if not await clear_day(tenant.id, day):
            raise NotFound(N_("该日没有本单位设置的日历条目"), code="calendar_day_not_found")
