"""Rebuilding the case facts reports read (R-S8: a dashboard that loads in under a
second on a million cases reads a few thousand pre-aggregated rows, not the cases).

Per tenant, in one transaction: delete its facts, then one ``INSERT … SELECT …
GROUP BY`` over its cases — submission day (the tenant's zone) × department ×
item × status with counts, on-time counts, working days used, ratings that count
and fees collected. Working days come from a ``VALUES`` table of the tenant's
calendar (day → working days since the first submission), joined twice, so no
Python loop over cases. Scheduled every 10 minutes (and on demand); reports say
when their data was rebuilt.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from piccolo.table import Table

from govhall import db
from govhall.calendar.services import tenant_calendar
from govhall.calendar.working import WorkingCalendar
from govhall.cases.tables import Case
from govhall.reports.tables import CaseFact, FactState
from govhall.tenancy.tables import Tenant

#: IANA zone names as stored for tenants (checked again before use in SQL).
ZONE = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*")


class _Raw(Table):
    """A handle for the rebuild's statements."""


def local_date(column: str, postgres: bool, zone: str, offset_minutes: int) -> str:
    """A timestamp column as the tenant's local date: PostgreSQL converts with the
    zone's rules; SQLite (the embedded default) adds the zone's current offset."""
    if postgres:
        if not ZONE.fullmatch(zone):
            raise ValueError(f"unexpected time zone name {zone!r}")
        return f"(({column}) AT TIME ZONE '{zone}')::date"
    return f"date({column}, '{offset_minutes:+d} minutes')"


def working_day_table(first: date, last: date, calendar: WorkingCalendar, postgres: bool) -> str:
    """``wd(day, n)``: working days from ``first`` up to and including each day.
    Generated dates and counts, never input: written as literals."""
    rows = []
    n = 0
    day = first - timedelta(days=1)
    while day <= last:
        if calendar.is_working_day(day):
            n += 1
        rows.append(f"('{day.isoformat()}'{'::date' if postgres else ''}, {n})")
        day += timedelta(days=1)
    return f"wd (day, n) AS (VALUES {', '.join(rows)})"


async def _rebuild(tenant_id: uuid.UUID, zone_name: str, now: datetime) -> int:
    postgres = db.is_postgres()
    zone = ZoneInfo(zone_name)
    today = now.astimezone(zone).date()
    offset = int((now.astimezone(zone).utcoffset() or timedelta()).total_seconds() // 60)
    first = (
        await Case.select(Case.submitted_at)
        .where(Case.tenant == tenant_id)
        .order_by(Case.submitted_at)
        .first()
    )
    tid = str(uuid.UUID(str(tenant_id)))
    _Raw._meta.db = db.get_engine()
    if postgres:
        # One rebuild per tenant at a time (the schedule and a button may overlap);
        # SQLite's write transaction already serialises them.
        await _Raw.raw(f"SELECT pg_advisory_xact_lock(hashtext('reports_facts:{tid}'))")
    await CaseFact.delete().where(CaseFact.tenant == tenant_id)
    counted = 0
    if first is not None:
        start = min(first["submitted_at"].astimezone(zone).date(), today)
        calendar = await tenant_calendar(tenant_id)
        submitted_on = local_date("c.submitted_at", postgres, zone_name, offset)
        concluded_on = local_date("c.concluded_at", postgres, zone_name, offset)
        started_on = f"COALESCE(c.received_on, {submitted_on})"
        as_date = (lambda e: f"CAST({e} AS date)") if postgres else (lambda e: e)
        new_id = "gen_random_uuid()" if postgres else "lower(hex(randomblob(16)))"
        excluded_false = "false" if postgres else "0"
        concluded = "c.status = 'concluded'"
        # Composed of constants, generated dates and a UUID's text only.
        sql = (
            f"WITH {working_day_table(start, today, calendar, postgres)} "  # noqa: S608
            "INSERT INTO reports_case_fact (id, tenant, day, department, item_code, status, "
            "cases, concluded, concluded_due, on_time, days_sum, days_count, ratings, "
            "rating_sum, fees_fen) "
            f"SELECT {new_id}, '{tid}', {submitted_on}, c.department, c.item_code, c.status, "
            f"COUNT(*), SUM(CASE WHEN {concluded} THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN {concluded} AND c.due_on IS NOT NULL THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN {concluded} AND {concluded_on} <= c.due_on THEN 1 ELSE 0 END), "
            f"COALESCE(SUM(CASE WHEN {concluded} THEN wc.n - ws.n END), 0), "
            f"SUM(CASE WHEN {concluded} AND wc.n IS NOT NULL AND ws.n IS NOT NULL "
            "THEN 1 ELSE 0 END), "
            "COUNT(r.id), COALESCE(SUM(r.level), 0), COALESCE(SUM(p.collected), 0) "
            "FROM cases_case c "
            f"LEFT JOIN wd ws ON ws.day = {as_date(started_on)} "
            f"LEFT JOIN wd wc ON wc.day = {as_date(concluded_on)} "
            f'LEFT JOIN engagement_rating r ON r."case" = c.id AND r.excluded = {excluded_false} '
            'LEFT JOIN (SELECT "case" AS case_id, SUM(amount_fen - refund_fen) AS collected '
            "FROM fees_payment_order WHERE status IN ('paid', 'refunded') "
            f"AND tenant = '{tid}' GROUP BY \"case\") p ON p.case_id = c.id "
            f"WHERE c.tenant = '{tid}' "
            f"GROUP BY {submitted_on}, c.department, c.item_code, c.status"
        )
        await _Raw.raw(sql)
        counted = await Case.count().where(Case.tenant == tenant_id)
    state = await FactState.objects().where(FactState.tenant == tenant_id).first()
    if state is None:
        await FactState(tenant=tenant_id, refreshed_at=now, cases=counted).save()
    else:
        await FactState.update({FactState.refreshed_at: now, FactState.cases: counted}).where(
            FactState.id == state.id
        )
    return counted


async def refresh(tenants: Iterable[uuid.UUID] | None = None, now: datetime | None = None) -> int:
    """Rebuild every (or the given) tenant's facts; returns the cases counted. A
    tenant's rebuild is one transaction: readers see the old facts or the new."""
    now = now or datetime.now(UTC)
    query = Tenant.select(Tenant.id, Tenant.time_zone)
    wanted = list(tenants) if tenants is not None else None
    if wanted is not None:
        query = query.where(Tenant.id.is_in(wanted or [uuid.UUID(int=0)]))
    counted = 0
    for row in await query:
        async with db.transaction():
            counted += await _rebuild(row["id"], row["time_zone"], now)
    return counted


async def refresh_facts() -> int:
    """The scheduled job (every 10 minutes)."""
    return await refresh()


async def refreshed_at(tenant_id: uuid.UUID) -> Any:
    row = (
        await FactState.select(FactState.refreshed_at).where(FactState.tenant == tenant_id).first()
    )
    return row["refreshed_at"] if row else None
