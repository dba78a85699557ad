"""The tenant's working-day calendar (``/t/{tenant}/api/v1/calendar``) and the
national holiday notices operators load (``/api/v1/operator/calendar/notices``)."""

from __future__ import annotations

from datetime import date

import msgspec
from litestar import Controller, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from govhall.calendar.notices import (
    LoadedNotice,
    NoticeIn,
    load_notice,
    loaded_notices,
    unload_notice,
)
from govhall.calendar.services import (
    clear_day,
    require_calendar_admin,
    set_day,
    tenant_calendar,
    year_days,
)
from govhall.errors import InvalidInput, NotFound
from govhall.i18n import N_
from govhall.identity.operators import require_operator
from govhall.identity.tokens import Principal
from govhall.tenancy.schemas import TenantInfo
from govhall.workflow.clockjobs import recompute_open_cases


class CalendarDayOut(msgspec.Struct, kw_only=True):
    day: date
    working: bool
    name: str
    source: str
    """``national`` (the year's State Council notice), ``statutory`` (放假办法 §2 only:
    no notice yet) or ``tenant`` (this government's own day)."""
    provisional: bool = False
    """True while the day's year has no notice: the notice may still move it."""


class CalendarYear(msgspec.Struct, kw_only=True):
    year: int
    covered_until: date
    """The last day of the last year whose national notice is known."""
    days: list[CalendarDayOut]
    provisional: bool = False
    """True while no national notice is known for the year (only §2's days)."""
    source: str = "national"
    """``national`` or ``statutory``."""


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
                CalendarDayOut(
                    day=d, working=w, name=n, source=s, provisional=calendar.provisional(d)
                )
                for d, w, n, s in await year_days(tenant.id, year)
            ],
            provisional=calendar.national.provisional(year),
            source=calendar.national.source(year),
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
        await recompute_open_cases(day, [tenant.id])
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
        await recompute_open_cases(day, [tenant.id])


class NoticeLoaded(msgspec.Struct, kw_only=True):
    year: int
    changed_days: list[date]
    """Days whose working status changed."""
    cases_recomputed: int
    deadlines_moved: int
    needs_review: list[str]
    """Open cases the new calendar could not replay: left unchanged for a person."""


class NationalNoticeController(Controller):
    """Platform operators load each year's State Council notice without a release."""

    path = "/api/v1/operator/calendar/notices"
    tags = ("operator", "calendar")

    @get("/", summary="The notices operators loaded")
    async def notices(self, principal: NamedDependency[Principal]) -> list[LoadedNotice]:
        require_operator(principal)
        return await loaded_notices()

    @post("/", status_code=201, summary="Load (or replace) a year's holiday notice")
    async def load(
        self, data: JSONBody[NoticeIn], principal: NamedDependency[Principal]
    ) -> NoticeLoaded:
        require_operator(principal)
        return await load_and_recompute(data, principal.name)

    @delete("/{year:int}", status_code=200, summary="Remove a loaded notice")
    async def unload(
        self, year: FromPath[int], principal: NamedDependency[Principal]
    ) -> NoticeLoaded:
        require_operator(principal)
        changed = await unload_notice(year)
        return await _recomputed(year, changed)


async def _recomputed(year: int, changed: list[date]) -> NoticeLoaded:
    result = await recompute_open_cases(changed[0]) if changed else None
    return NoticeLoaded(
        year=year,
        changed_days=changed,
        cases_recomputed=result.cases if result else 0,
        deadlines_moved=len(result.moved) if result else 0,
        needs_review=result.refused if result else [],
    )


async def load_and_recompute(notice: NoticeIn, loaded_by: str) -> NoticeLoaded:
    """Load a notice and recompute the open cases its changed days reach."""
    days, changed = await load_notice(notice, loaded_by)
    return await _recomputed(days.year, changed)
