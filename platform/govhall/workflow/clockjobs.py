"""The legal clock's work that no person starts: deemed acceptance (行政许可法 §32)
and recomputing open cases when the working-day calendar changes.

Both append nothing a person did and both go through the pure state machine, so
the case's state stays the fold of its events:

- :func:`deem_acceptances` writes a ``deem_accept`` event (actor: the system) on
  every case whose 5 working days ran out with no acceptance decision; the
  supervision sweep calls it first, so its clocks already see those cases as
  accepted from receipt.
- :func:`recompute_open_cases` replays the open cases whose deadlines reach the
  first changed day with the tenant's current calendar (a loaded national
  notice, or a tenant's own day), writes the new state and task deadlines,
  and tells each applicant whose deadline moved. A case whose events the new
  calendar would refuse (e.g. a correction request now outside its window) is
  left as it was and reported for a person to look at.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from govhall import db
from govhall.calendar.services import national_calendar, tenant_calendar
from govhall.calendar.working import LAST_YEAR, WorkingCalendar
from govhall.cases.tables import Case
from govhall.errors import GovhallError
from govhall.i18n import N_, Localized, translate
from govhall.notify.services import applicant_message
from govhall.notify.tables import InboxMessage
from govhall.tenancy.schemas import TenantInfo
from govhall.tenancy.tables import Tenant
from govhall.workflow import machine, store
from govhall.workflow.engine import apply_task_changes, case_events, task_changes, top_step
from govhall.workflow.machine import CaseState, Context, Event

log = logging.getLogger(__name__)

ENDED = ("concluded", "rejected", "withdrawn", "terminated", "voided")
#: The system's name in a case's trail.
SYSTEM_NAME = "系统"


async def _tenants(ids: Iterable[uuid.UUID] | None = None) -> dict[uuid.UUID, ZoneInfo]:
    query = Tenant.select(Tenant.id, Tenant.time_zone)
    if ids is not None:
        query = query.where(Tenant.id.is_in(list(ids) or [uuid.UUID(int=0)]))
    return {row["id"]: ZoneInfo(row["time_zone"]) for row in await query}


async def _context(tenant_id: uuid.UUID, tz: ZoneInfo, case: store.CaseRow) -> Context:
    return Context(flow=case.flow, calendar=await tenant_calendar(tenant_id), tz=tz, form=case.form)


async def _write(
    tenant_id: uuid.UUID,
    case: store.CaseRow,
    after: CaseState,
    *,
    revision: int,
    event: dict[str, Any] | None,
    now: datetime,
    message: InboxMessage | None = None,
) -> bool:
    """The new state, its task rows and (for a system action) its event and the
    applicant's message, at once."""
    changes = await task_changes(
        tenant_id=tenant_id,
        department_id=case.department,
        before=case.state.active,
        after=after.active,
        actor_id=None,
        acted_on=None,
    )
    async with db.transaction():
        saved = await store.save_case_state(
            case, after, revision=revision, top_step=top_step(after), concluded_at=case.concluded_at
        )
        if not saved:
            return False
        await apply_task_changes(tenant_id, case.id, changes, now)
        if event is not None:
            await store.append_event(tenant_id=tenant_id, case_id=case.id, at=now, **event)
        if message is not None:
            await InboxMessage.insert(message).on_conflict(action="DO NOTHING")
    return True


async def deem_acceptances(
    now: datetime | None = None, tenants: Iterable[uuid.UUID] | None = None
) -> list[str]:
    """§32: every case past its 5 working days with no acceptance decision is accepted
    from receipt by a system event. Returns the serial numbers."""
    now = now or datetime.now(UTC)
    zones = await _tenants(tenants)
    if not zones:
        return []
    earliest = min(now.astimezone(tz).date() for tz in zones.values())
    rows = await Case.select(Case.tenant, Case.serial_number).where(
        Case.tenant.is_in(list(zones))
        & Case.acceptance_due.is_not_null()
        & (Case.acceptance_due < earliest)
        & Case.status.is_in(["submitted", "pre_reviewed", "suspended", "special_procedure"])
    )
    deemed = []
    for row in rows:
        tenant_id = row["tenant"]
        case = await store.load_case_row(tenant_id, row["serial_number"])
        if case is None:
            continue
        ctx = await _context(tenant_id, zones[tenant_id], case)
        if not machine.past_acceptance(case.state, ctx.day(now)):
            continue
        first = case.flow.steps[0].key
        ev = Event(
            seq=case.revision + 1,
            action="deem_accept",
            at=now,
            actor_kind="system",
            actor_name=SYSTEM_NAME,
            step=first,
        )
        try:
            after = machine.apply(ctx, case.state, ev)
        except GovhallError:
            log.exception("deemed acceptance refused for %s", case.serial_number)
            continue
        record: dict[str, Any] = {
            "seq": ev.seq,
            "action": ev.action,
            "actor_kind": "system",
            "actor_id": None,
            "actor_name": SYSTEM_NAME,
            "role": "",
            "from_status": case.state.status,
            "to_status": after.status,
            "step": first,
            "opinion": "",
            "data": {},
        }
        message = (
            applicant_message(
                tenant_id=tenant_id,
                applicant_id=case.applicant,
                case_id=case.id,
                event_seq=ev.seq,
                template="case_deem_accept",
                params={"serial_number": case.serial_number},
            )
            if case.applicant is not None
            else None
        )
        if await _write(
            tenant_id, case, after, revision=ev.seq, event=record, now=now, message=message
        ):
            deemed.append(case.serial_number)
    return deemed


@dataclass
class Recomputed:
    """What a recomputation did."""

    cases: int = 0
    """Open cases replayed."""
    moved: list[tuple[str, str, date | None, date | None]] = field(default_factory=list)
    """(serial number, clock, before, after) for every deadline that moved."""
    refused: list[str] = field(default_factory=list)
    """Cases whose events the new calendar refuses: left unchanged, to be reviewed."""


#: The deadlines an applicant is shown: their index in :func:`machine.clock_columns`.
_SHOWN = {"acceptance": 0, "legal": 1, "promised": 2, "issue": 3}
#: Their names in the applicant's message.
CLOCK_NAMES = {
    "acceptance": Localized("受理期限", "acceptance deadline"),
    "legal": Localized("法定办结期限", "legal deadline"),
    "promised": Localized("承诺办结期限", "promised deadline"),
    "issue": Localized("送达期限", "delivery deadline"),
}


async def recompute_open_cases(
    since: date, tenants: Iterable[uuid.UUID] | None = None, now: datetime | None = None
) -> Recomputed:
    """Replay every open case (of the given tenants, or all) with a deadline on or
    after ``since`` against today's calendars; write what changed and tell the
    applicant of each shown deadline that moved."""
    now = now or datetime.now(UTC)
    zones = await _tenants(tenants)
    result = Recomputed()
    if not zones:
        return result
    rows = await Case.select(Case.tenant, Case.serial_number).where(
        Case.tenant.is_in(list(zones))
        & Case.status.not_in(list(ENDED))
        & (
            (Case.acceptance_due >= since)
            | (Case.due_on >= since)
            | (Case.promised_due_on >= since)
            | (Case.issue_due >= since)
            | (Case.hold_due >= since)
            | Case.hold.is_not_null()
        )
    )
    for row in rows:
        tenant_id = row["tenant"]
        case = await store.load_case_row(tenant_id, row["serial_number"])
        if case is None:
            continue
        result.cases += 1
        ctx = await _context(tenant_id, zones[tenant_id], case)
        try:
            after = machine.replay(ctx, await case_events(case.id))
        except GovhallError:
            result.refused.append(case.serial_number)
            continue
        if after == case.state:
            continue
        before_cols = machine.clock_columns(case.state)
        after_cols = machine.clock_columns(after)
        if not await _write(tenant_id, case, after, revision=case.revision, event=None, now=now):
            result.refused.append(case.serial_number)
            continue
        for name, index in _SHOWN.items():
            if before_cols[index] != after_cols[index]:
                result.moved.append(
                    (case.serial_number, name, before_cols[index], after_cols[index])
                )
                new = after_cols[index]
                if case.applicant is not None and new is not None:
                    await _tell_applicant(tenant_id, case, name, before_cols[index], new)
    return result


async def _tell_applicant(
    tenant_id: uuid.UUID,
    case: store.CaseRow,
    clock: str,
    before: date | None,
    after: date,
) -> None:
    """One inbox message per moved deadline and new date (a second recomputation to
    the same date sends nothing)."""
    await InboxMessage.insert(
        InboxMessage(
            tenant=tenant_id,
            recipient_kind="account",
            recipient_id=case.applicant,
            case=case.id,
            dedupe_key=f"moved:{case.id}:{clock}:{after.isoformat()}",
            template="case_deadline_moved",
            params={
                "serial_number": case.serial_number,
                "clock": dict(CLOCK_NAMES[clock]),
                "before": before.isoformat() if before else "—",
                "after": after.isoformat(),
            },
        )
    ).on_conflict(action="DO NOTHING")


#: From this day of the year on, a next year still without its notice is warned of.
WARN_FROM = (10, 1)


async def provisional_warning(tenant_id: uuid.UUID | None, today: date) -> Localized | None:
    """What tenant admins, supervisors and operators are told while deadlines rest
    on provisional days: open deadlines in a year with no national notice, or —
    from 1 October — a next year still without one. None when all is settled."""
    calendar = (
        await tenant_calendar(tenant_id)
        if tenant_id
        else WorkingCalendar(national=await national_calendar())
    )
    national = calendar.national
    year = today.year
    while year <= LAST_YEAR and not national.provisional(year):
        year += 1
    start = date(min(year, LAST_YEAR), 1, 1)
    where = Case.status.not_in(list(ENDED)) & (
        (Case.acceptance_due >= start)
        | (Case.due_on >= start)
        | (Case.promised_due_on >= start)
        | (Case.issue_due >= start)
        | (Case.hold_due >= start)
    )
    if tenant_id is not None:
        where &= Case.tenant == tenant_id
    count = await Case.count().where(where)
    if count:
        params = {"count": count, "year": year}
        message = N_(
            "有 {count} 件在办件的期限落在 {year} 年，该年的国务院节假日通知尚未载入："
            "暂按法定节假日计算，通知载入后将自动重新计算并告知申请人"
        )
    elif (today.month, today.day) >= WARN_FROM and national.provisional(today.year + 1):
        params = {"year": today.year + 1}
        message = N_("{year} 年的国务院节假日通知尚未载入：跨年的期限暂按法定节假日计算")
    else:
        return None
    return Localized(translate(message, "zh-CN", **params), translate(message, "en", **params))


async def tenant_warning(tenant: TenantInfo) -> Localized | None:
    """:func:`provisional_warning` for one tenant on its own date."""
    return await provisional_warning(tenant.id, datetime.now(ZoneInfo(tenant.time_zone)).date())
