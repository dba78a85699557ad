"""Responsible leaders (责任领导) per department, and the text messages the sweep
sends them (R-S5: yellow and red cards reach "the responsible leaders configured
per department" by SMS and inbox).

Supervisors name leaders for the units they supervise: a staff member of the
tenant, a department, optionally a work mobile. Every sweep that raises cards sends
each leader's inbox one message per card (with the department's approvers, see
:func:`govhall.supervision.sweep._notify`) and queues **one** text per leader with
a mobile: the yellow and red cards the sweep raised in the leader's department
and below, counted, with one case number as an example — a leader of a busy
department gets a digest, not a hundred messages. The scheduled job
:func:`send_leader_alerts` sends the queued texts through the tenant's SMS channel
(the same providers as applicants' messages) and retries a failing one on its
next runs, up to :data:`MAX_ATTEMPTS`. The daily job :func:`prune_leader_alerts`
deletes texts sent or failed more than :data:`KEEP_DAYS` ago: the table gains a row
per leader per sweep with cards, and a text is a notice — the cards themselves
(``supervision_signal``) are the record and are kept.
"""

from __future__ import annotations

import logging
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from govhall import db
from govhall.audit.services import Actor, record
from govhall.errors import Conflict, FieldError, InvalidInput, NotFound
from govhall.i18n import N_, Localized
from govhall.identity.tables import Staff
from govhall.identity.tokens import Principal
from govhall.notify.deliveries import render_for, send_text
from govhall.supervision.services import supervision_scope
from govhall.supervision.tables import Leader, LeaderAlert
from govhall.tenancy.schemas import TenantInfo
from govhall.tenancy.tables import OrgUnit

log = logging.getLogger(__name__)

#: Mainland mobile numbers, as accounts' phones are checked.
MOBILE = re.compile(r"^1[3-9]\d{9}$")
#: Sends of one text before it is marked failed.
MAX_ATTEMPTS = 4
#: Texts sent per run of the job (the rest wait for the next minute).
PER_RUN = 500
TEMPLATE = "signal_digest"
#: Days a sent or failed text is kept (shown as the leader's last text meanwhile).
KEEP_DAYS = 180


class LeaderIn(msgspec.Struct, kw_only=True):
    username: str
    org_unit: str
    """The department's code."""
    mobile: str = ""


class LeaderOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    username: str
    name: str
    org_unit: str
    org_unit_name: str
    mobile: str
    last_alert_at: datetime | None
    last_alert_status: str


def _covers(scope: list[Any], path: str) -> bool:
    return any(path.startswith(g.path) for g in scope)


async def leaders_of(tenant: TenantInfo, principal: Principal, locale: str) -> list[LeaderOut]:
    """The leaders of the units the caller supervises, with their last text."""
    scope = await supervision_scope(tenant, principal)
    rows = await Leader.select(
        Leader.id,
        Leader.staff.username,
        Leader.staff.name,
        Leader.org_unit.code,
        Leader.org_unit.name,
        Leader.org_unit.name_en,
        Leader.org_unit.path,
        Leader.mobile,
    ).where(Leader.tenant == tenant.id)
    rows = [r for r in rows if _covers(scope, r["org_unit.path"])]
    last: dict[Any, dict[str, Any]] = {}
    if rows:
        # Only each leader's latest text: the table grows by one row per sweep
        # with cards, and (leader, raised_at) is indexed.
        latest = LeaderAlert.raw(
            "SELECT a.leader, a.raised_at, a.status FROM supervision_leader_alert a "
            "WHERE a.tenant = {} AND a.raised_at = (SELECT MAX(b.raised_at) "
            "FROM supervision_leader_alert b WHERE b.leader = a.leader)",
            tenant.id if db.is_postgres() else str(tenant.id),
        )
        # SQLite hands raw uuids back as text: key by the text on both engines.
        last = {str(alert["leader"]): alert for alert in await latest}
    return [
        LeaderOut(
            id=r["id"],
            username=r["staff.username"],
            name=r["staff.name"],
            org_unit=r["org_unit.code"],
            org_unit_name=Localized(r["org_unit.name"], r["org_unit.name_en"]).pick(locale),
            mobile=r["mobile"],
            last_alert_at=last.get(str(r["id"]), {}).get("raised_at"),
            last_alert_status=last.get(str(r["id"]), {}).get("status", ""),
        )
        for r in sorted(rows, key=lambda r: (r["org_unit.path"], r["staff.username"]))
    ]


async def add_leader(
    tenant: TenantInfo, principal: Principal, data: LeaderIn, ip: str, locale: str = "zh-CN"
) -> LeaderOut:
    """Name a leader for a department the caller supervises."""
    scope = await supervision_scope(tenant, principal)
    username, code, mobile = data.username.strip(), data.org_unit.strip(), data.mobile.strip()
    errors = []
    staff = (
        await Staff.select(Staff.id, Staff.status)
        .where((Staff.tenant == tenant.id) & (Staff.username == username))
        .first()
        if username
        else None
    )
    if not username:
        errors.append(FieldError("username", N_("请填写工作人员账号")))
    elif staff is None or staff["status"] != "active":
        errors.append(
            FieldError("username", N_("找不到在岗的工作人员“{username}”"), username=username)
        )
    unit = (
        await OrgUnit.select(OrgUnit.id, OrgUnit.path)
        .where((OrgUnit.tenant == tenant.id) & (OrgUnit.code == code))
        .first()
        if code
        else None
    )
    if unit is None:
        errors.append(FieldError("org_unit", N_("找不到机构“{unit}”"), unit=code))
    elif not _covers(scope, unit["path"]):
        errors.append(FieldError("org_unit", N_("您不监察机构“{unit}”"), unit=code))
    if mobile and not MOBILE.match(mobile):
        errors.append(FieldError("mobile", N_("手机号码须为 11 位大陆手机号")))
    if errors:
        raise InvalidInput(N_("责任领导信息有误"), code="invalid_leader", errors=errors)
    assert staff is not None and unit is not None
    async with db.transaction():
        if await Leader.exists().where(
            (Leader.org_unit == unit["id"]) & (Leader.staff == staff["id"])
        ):
            raise Conflict(
                N_("{username} 已是机构“{unit}”的责任领导"),
                code="leader_exists",
                username=username,
                unit=code,
            )
        leader = Leader(tenant=tenant.id, org_unit=unit["id"], staff=staff["id"], mobile=mobile)
        await leader.save()
        await record(
            tenant.id,
            Actor.of(principal, ip),
            "leader_added",
            target=f"leader:{leader.id}",
            detail={"username": username, "org_unit": code, "mobile": bool(mobile)},
        )
    return next(x for x in await leaders_of(tenant, principal, locale) if x.id == leader.id)


async def remove_leader(
    tenant: TenantInfo, principal: Principal, leader_id: uuid.UUID, ip: str
) -> None:
    scope = await supervision_scope(tenant, principal)
    row = (
        await Leader.select(Leader.id, Leader.org_unit.path, Leader.staff.username)
        .where((Leader.tenant == tenant.id) & (Leader.id == leader_id))
        .first()
    )
    if row is None or not _covers(scope, row["org_unit.path"]):
        raise NotFound(N_("找不到该责任领导"), code="leader_not_found")
    async with db.transaction():
        await Leader.delete().where(Leader.id == leader_id)
        await record(
            tenant.id,
            Actor.of(principal, ip),
            "leader_removed",
            target=f"leader:{leader_id}",
            detail={"username": row["staff.username"]},
        )


async def send_leader_alerts() -> int:
    """The scheduled job (every minute): send the queued texts; returns how many
    were sent. A failure is recorded and retried on the next runs."""
    rows = await (
        LeaderAlert.select(
            LeaderAlert.id,
            LeaderAlert.tenant,
            LeaderAlert.mobile,
            LeaderAlert.yellow,
            LeaderAlert.red,
            LeaderAlert.serial_number,
            LeaderAlert.attempts,
            LeaderAlert.leader._.org_unit._.name,
        )
        .where(LeaderAlert.status == "queued")
        .order_by(LeaderAlert.raised_at)
        .limit(PER_RUN)
    )
    sent = 0
    for row in rows:
        attempt = row["attempts"] + 1
        try:
            text = await render_for(
                row["tenant"],
                TEMPLATE,
                {
                    "unit": row["leader.org_unit.name"],
                    "yellow": row["yellow"],
                    "red": row["red"],
                    "serial_number": row["serial_number"],
                },
                "zh-CN",
            )
            name, _ref = await send_text(row["tenant"], "sms", row["mobile"], text, "zh-CN")
        except Exception as exc:
            log.warning("leader alert %s not sent (attempt %d): %s", row["id"], attempt, exc)
            await LeaderAlert.update(
                {
                    LeaderAlert.attempts: attempt,
                    LeaderAlert.last_error: f"{type(exc).__name__}: {exc}"[:1000],
                    LeaderAlert.status: "failed" if attempt >= MAX_ATTEMPTS else "queued",
                }
            ).where(LeaderAlert.id == row["id"])
            continue
        await LeaderAlert.update(
            {
                LeaderAlert.attempts: attempt,
                LeaderAlert.status: "sent",
                LeaderAlert.provider: name,
                LeaderAlert.sent_at: datetime.now(UTC),
                LeaderAlert.last_error: "",
            }
        ).where(LeaderAlert.id == row["id"])
        sent += 1
    return sent


async def prune_leader_alerts(now: datetime | None = None) -> int:
    """The scheduled job (daily): delete the texts sent or failed more than
    :data:`KEEP_DAYS` before ``now``; returns how many. A queued text is never
    deleted, however old: it is still to be sent."""
    before = (now or datetime.now(UTC)) - timedelta(days=KEEP_DAYS)
    deleted = await (
        LeaderAlert.delete()
        .where(LeaderAlert.status.is_in(["sent", "failed"]) & (LeaderAlert.raised_at < before))
        .returning(LeaderAlert.id)
    )
    if deleted:
        log.info("deleted %d leader texts older than %d days", len(deleted), KEEP_DAYS)
    return len(deleted)
