"""督办 and 整改 tickets (R-S6, R-A11): a supervisor's instruction to a department,
or the rectification a rating of 1 or 2 opens by itself.

A ticket moves open → answered → closed. The department (any staff member whose
grants cover the ticket's unit) answers with a result and an explanation — for a
rectification also the call-back (回访) to the applicant — or, for a rectification,
appeals that the rating was mistaken or malicious. A supervisor over the unit
closes the answer or sends it back (open again), and upholds or rejects an appeal;
an upheld appeal leaves the rating out of satisfaction figures. Every change
appends to the ticket's history; the case screen shows a case's tickets with it.
Open tickets past their deadline are escalated by the supervision sweep
(:func:`govhall.supervision.sweep.escalate_overdue`), set-based.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from piccolo.query.functions.aggregate import Count

from govhall import db
from govhall.calendar.services import tenant_calendar
from govhall.cases.tables import Case
from govhall.engagement.tables import Rating
from govhall.engagement.tags import tag_labels
from govhall.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound, required_text
from govhall.i18n import N_, Localized
from govhall.identity.access import require_staff_of
from govhall.identity.services import Grant, grants_of
from govhall.identity.tokens import Principal
from govhall.notify.tables import InboxMessage
from govhall.supervision.services import (
    DEFAULT_COMPLAINT_DAYS,
    DEFAULT_RECTIFICATION_DAYS,
    SUPERVISING,
    supervision_scope,
)
from govhall.supervision.tables import SupervisionSettings, Ticket
from govhall.tenancy.schemas import TenantInfo
from govhall.tenancy.tables import OrgUnit

KINDS = ("supervision", "rectification")
STATUSES = ("open", "answered", "closed")
RESULTS = ("rectified", "explained")
KIND_LABELS = {
    "supervision": Localized("督办", "supervision"),
    "rectification": Localized("差评整改", "rectification"),
}
STATUS_LABELS = {
    "open": Localized("待答复", "awaiting answer"),
    "answered": Localized("已答复，待审核", "answered, awaiting review"),
    "closed": Localized("已办结", "closed"),
}
RESULT_LABELS = {
    "rectified": Localized("已整改", "rectified"),
    "explained": Localized("已说明情况", "explained"),
}
HISTORY_LABELS = {
    "opened": Localized("发起", "opened"),
    "answered": Localized("答复", "answered"),
    "returned": Localized("退回重办", "sent back"),
    "closed": Localized("审核办结", "closed"),
    "appealed": Localized("申诉", "appealed"),
    "appeal_upheld": Localized("申诉成立，评价不计入", "appeal upheld, rating excluded"),
    "appeal_rejected": Localized("申诉不成立", "appeal rejected"),
    "escalated": Localized("超期升级", "escalated as overdue"),
}


class TicketIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    subject: str
    instruction: str
    limit_days: int
    case_serial: str = ""
    """The case supervised, if any; otherwise ``org_unit`` names the department."""
    org_unit: str = ""


class AnswerIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    result: str
    explanation: str
    callback: str = ""
    """回访: required for a rectification."""


class ReviewIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    decision: str
    """close | return (an answer); uphold | reject (an appeal)."""
    comment: str = ""


class AppealIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    reason: str


class HistoryOut(msgspec.Struct, kw_only=True):
    at: datetime
    action: str
    label: str
    by: str
    text: str


class TicketOut(msgspec.Struct, kw_only=True):
    number: str
    kind: str
    kind_label: str
    serial_number: str
    org_unit: str
    org_unit_name: str
    subject: str
    instruction: str
    limit_days: int
    due_on: date
    status: str
    status_label: str
    overdue: bool
    escalated: bool
    result: str
    result_label: str
    explanation: str
    callback: str
    appeal: str
    appeal_reason: str
    rating_level: int | None
    rating_reason: str
    opened_by: str
    opened_at: datetime
    answered_at: datetime | None
    closed_at: datetime | None
    history: list[HistoryOut]
    may_answer: bool = False
    may_review: bool = False


class TicketPage(msgspec.Struct, kw_only=True):
    items: list[TicketOut]
    total: int
    counts: dict[str, int]
    """Per status, plus ``escalated`` (open and escalated), within the caller's view."""


_COLUMNS = (
    Ticket.id,
    Ticket.number,
    Ticket.kind,
    Ticket.case.serial_number,
    Ticket.org_unit.code,
    Ticket.org_unit.name,
    Ticket.org_unit.name_en,
    Ticket.org_unit.path,
    Ticket.rating,
    Ticket.subject,
    Ticket.instruction,
    Ticket.limit_days,
    Ticket.due_on,
    Ticket.status,
    Ticket.opened_by_name,
    Ticket.opened_at,
    Ticket.result,
    Ticket.explanation,
    Ticket.callback,
    Ticket.answered_at,
    Ticket.escalated_at,
    Ticket.appeal,
    Ticket.appeal_reason,
    Ticket.closed_at,
    Ticket.history,
)


def _entry(action: str, by: str, text: str = "", at: datetime | None = None) -> dict[str, Any]:
    return {"at": (at or datetime.now(UTC)).isoformat(), "action": action, "by": by, "text": text}


def _covers(grants: Sequence[Grant], path: str, roles: frozenset[str] | None = None) -> bool:
    return any(path.startswith(g.path) and (roles is None or g.role in roles) for g in grants)


def _today(tenant: TenantInfo) -> date:
    return datetime.now(ZoneInfo(tenant.time_zone)).date()


def _number(kind: str, today: date) -> str:
    """DB (督办) or ZG (整改) + the tenant's date + 8 random digits: not guessable
    in sequence, and the unique column refuses the rare repeat."""
    prefix = "DB" if kind == "supervision" else "ZG"
    return f"{prefix}{today:%Y%m%d}{secrets.randbelow(10**8):08d}"


def _out(row: dict[str, Any], locale: str, today: date, rating: dict[str, Any] | None) -> TicketOut:
    name = row["org_unit.name_en"] if locale == "en" and row["org_unit.name_en"] else ""
    history = []
    for entry in row["history"] or []:
        label = HISTORY_LABELS.get(entry["action"])
        history.append(
            HistoryOut(
                at=datetime.fromisoformat(entry["at"]),
                action=entry["action"],
                label=label.pick(locale) if label else entry["action"],
                by=entry.get("by", ""),
                text=entry.get("text", ""),
            )
        )
    if row["escalated_at"] is not None:
        # Written set-based by the sweep, so not in the stored history.
        history.append(
            HistoryOut(
                at=row["escalated_at"],
                action="escalated",
                label=HISTORY_LABELS["escalated"].pick(locale),
                by="",
                text="",
            )
        )
        history.sort(key=lambda h: h.at)
    result = RESULT_LABELS.get(row["result"])
    return TicketOut(
        number=row["number"],
        kind=row["kind"],
        kind_label=KIND_LABELS[row["kind"]].pick(locale),
        serial_number=row["case.serial_number"] or "",
        org_unit=row["org_unit.code"],
        org_unit_name=name or row["org_unit.name"],
        subject=row["subject"],
        instruction=row["instruction"],
        limit_days=row["limit_days"],
        due_on=row["due_on"],
        status=row["status"],
        status_label=STATUS_LABELS[row["status"]].pick(locale),
        overdue=row["status"] == "open" and row["due_on"] < today,
        escalated=row["escalated_at"] is not None,
        result=row["result"],
        result_label=result.pick(locale) if result else "",
        explanation=row["explanation"],
        callback=row["callback"],
        appeal=row["appeal"],
        appeal_reason=row["appeal_reason"],
        rating_level=rating["level"] if rating else None,
        rating_reason="；".join([*tag_labels(rating["tags"], locale), rating["reason"]]).strip("；")
        if rating
        else "",
        opened_by=row["opened_by_name"],
        opened_at=row["opened_at"],
        answered_at=row["answered_at"],
        closed_at=row["closed_at"],
        history=history,
    )


async def _ratings(rows: Sequence[dict[str, Any]]) -> dict[Any, dict[str, Any]]:
    ids = [r["rating"] for r in rows if r["rating"] is not None]
    if not ids:
        return {}
    found = (
        await Rating.select(Rating.id, Rating.level, Rating.reason, Rating.tags)
        .where(Rating.id.is_in(ids))
        .output(load_json=True)
    )
    return {r["id"]: r for r in found}


async def _outs(tenant: TenantInfo, rows: Sequence[dict[str, Any]], locale: str) -> list[TicketOut]:
    ratings = await _ratings(rows)
    today = _today(tenant)
    return [_out(r, locale, today, ratings.get(r["rating"])) for r in rows]


async def rectification_days(tenant_id: uuid.UUID) -> int:
    row = (
        await SupervisionSettings.select(SupervisionSettings.rectification_days)
        .where(SupervisionSettings.tenant == tenant_id)
        .first()
    )
    return int(row["rectification_days"]) if row else DEFAULT_RECTIFICATION_DAYS


async def complaint_days(tenant_id: uuid.UUID) -> int:
    """Working days to answer a complaint or a letter to the leader mailbox."""
    row = (
        await SupervisionSettings.select(SupervisionSettings.complaint_days)
        .where(SupervisionSettings.tenant == tenant_id)
        .first()
    )
    return int(row["complaint_days"]) if row else DEFAULT_COMPLAINT_DAYS


def _check_limit(days: int) -> None:
    if not 1 <= days <= 60:
        problem = N_("办理时限须在 1 至 60 个工作日之间")
        raise InvalidInput(
            problem, code="invalid_limit", errors=[FieldError("limit_days", problem)]
        )


async def open_ticket(
    tenant: TenantInfo, principal: Principal, data: TicketIn, locale: str = "zh-CN"
) -> TicketOut:
    """A supervisor opens a 督办 ticket on a case (its department answers) or on a
    department, within the units they supervise."""
    scope = await supervision_scope(tenant, principal)
    errors: list[FieldError] = []
    subject = instruction = ""
    try:
        subject = required_text(data.subject, "subject", 200, N_("请填写督办事项"))
    except InvalidInput as error:
        errors += error.errors
    try:
        instruction = required_text(data.instruction, "instruction", 5000, N_("请填写督办要求"))
    except InvalidInput as error:
        errors += error.errors
    try:
        _check_limit(data.limit_days)
    except InvalidInput as error:
        errors += error.errors
    case_id = None
    unit: dict[str, Any] | None = None
    serial = data.case_serial.strip()
    if serial:
        case = (
            await Case.select(Case.id, Case.department.id, Case.department.path)
            .where((Case.tenant == tenant.id) & (Case.serial_number == serial))
            .first()
        )
        if case is None:
            errors.append(
                FieldError("case_serial", N_("找不到办件 {serial_number}"), serial_number=serial)
            )
        else:
            case_id = case["id"]
            unit = {"id": case["department.id"], "path": case["department.path"]}
    elif data.org_unit.strip():
        unit = (
            await OrgUnit.select(OrgUnit.id, OrgUnit.path)
            .where((OrgUnit.tenant == tenant.id) & (OrgUnit.code == data.org_unit.strip()))
            .first()
        )
        if unit is None:
            errors.append(
                FieldError("org_unit", N_("找不到机构“{unit}”"), unit=data.org_unit.strip())
            )
    else:
        errors.append(FieldError("case_serial", N_("请填写被督办的办件编号或选择被督办的部门")))
    if errors:
        raise InvalidInput(N_("督办信息有误，请按提示修改"), code="invalid_ticket", errors=errors)
    assert unit is not None
    if not _covers(scope, unit["path"]):
        raise Forbidden(N_("该部门不在您的监察范围内"), code="outside_supervision_scope")
    calendar = await tenant_calendar(tenant.id)
    ticket = Ticket(
        tenant=tenant.id,
        number=_number("supervision", _today(tenant)),
        kind="supervision",
        case=case_id,
        org_unit=unit["id"],
        subject=subject,
        instruction=instruction,
        limit_days=data.limit_days,
        due_on=calendar.add_working_days(_today(tenant), data.limit_days),
        opened_by=principal.id,
        opened_by_name=principal.name,
        history=[_entry("opened", principal.name, instruction)],
    )
    await ticket.save()
    return await ticket_of(tenant, principal, ticket.number, locale)


async def open_rectification(
    tenant_id: uuid.UUID,
    time_zone: str,
    rating_id: uuid.UUID,
    case_id: uuid.UUID,
    department: uuid.UUID,
    serial_number: str,
    level: int,
    reason: str,
) -> str:
    """整改: the ticket a rating of 1 or 2 opens at once, with the tenant's limit
    (R-A11); part of the rating's own transaction. Returns the ticket number."""
    days = await rectification_days(tenant_id)
    calendar = await tenant_calendar(tenant_id)
    today = datetime.now(ZoneInfo(time_zone)).date()
    subject = f"差评整改：{serial_number}（{level} 星）"
    number = _number("rectification", today)
    await Ticket(
        tenant=tenant_id,
        number=number,
        kind="rectification",
        case=case_id,
        org_unit=department,
        rating=rating_id,
        subject=subject,
        instruction=reason,
        limit_days=days,
        due_on=calendar.add_working_days(today, days),
        opened_by_name="系统",
        history=[_entry("opened", "系统", reason)],
    ).save()
    return number


async def _load(tenant: TenantInfo, number: str) -> dict[str, Any]:
    row = (
        await Ticket.select(*_COLUMNS)
        .where((Ticket.tenant == tenant.id) & (Ticket.number == number.strip()))
        .output(load_json=True)
        .first()
    )
    if row is None:
        raise NotFound(N_("找不到督办单 {number}"), code="ticket_not_found", number=number)
    return row


async def _grants(tenant: TenantInfo, principal: Principal) -> list[Grant]:
    staff = require_staff_of(principal, tenant)
    return await grants_of(staff.id, tenant)


async def ticket_of(
    tenant: TenantInfo, principal: Principal, number: str, locale: str = "zh-CN"
) -> TicketOut:
    """One ticket, for the department it is addressed to and its supervisors."""
    grants = await _grants(tenant, principal)
    row = await _load(tenant, number)
    if not _covers(grants, row["org_unit.path"]):
        # Not found rather than forbidden: a ticket number says nothing to outsiders.
        raise NotFound(N_("找不到督办单 {number}"), code="ticket_not_found", number=number)
    out = (await _outs(tenant, [row], locale))[0]
    out.may_review = _covers(grants, row["org_unit.path"], SUPERVISING)
    # The department answers: staff with a working role there, not only supervision.
    working = [g for g in grants if g.role not in SUPERVISING]
    out.may_answer = row["status"] == "open" and _covers(working, row["org_unit.path"])
    return out


async def list_tickets(
    tenant: TenantInfo,
    principal: Principal,
    locale: str,
    *,
    status: str = "",
    kind: str = "",
    case_id: uuid.UUID | None = None,
    page: int = 1,
    page_size: int = 50,
    grants: list[Grant] | None = None,
) -> TicketPage:
    """Tickets addressed to units the caller works in or supervises (``grants``:
    the caller's, when the page has them already)."""
    if grants is None:
        grants = await _grants(tenant, principal)
    for name, value, allowed in (("status", status, STATUSES), ("kind", kind, KINDS)):
        if value and value not in allowed:
            raise InvalidInput(
                N_("筛选条件“{name}”的取值“{value}”无效，可选：{allowed}"),
                code="invalid_filter",
                name=name,
                value=value,
                allowed="、".join(allowed),
            )
    if page < 1 or not 1 <= page_size <= 200:
        raise InvalidInput(N_("分页参数无效"), code="invalid_page")
    paths: Any = None
    for grant in grants:
        part = Ticket.org_unit.path.like(f"{grant.path}%")
        paths = part if paths is None else paths | part
    if paths is None:
        return TicketPage(items=[], total=0, counts={s: 0 for s in (*STATUSES, "escalated")})
    where: Any = (Ticket.tenant == tenant.id) & paths
    if case_id is not None:
        where &= Ticket.case == case_id
    counts = {s: 0 for s in (*STATUSES, "escalated")}
    for row in (
        await Ticket.select(Ticket.status, Count(alias="tickets"))
        .where(where)
        .group_by(Ticket.status)
    ):
        counts[row["status"]] = row["tickets"]
    counts["escalated"] = await Ticket.count().where(
        where & (Ticket.status == "open") & Ticket.escalated_at.is_not_null()
    )
    if status:
        where &= Ticket.status == status
    if kind:
        where &= Ticket.kind == kind
    total = await Ticket.count().where(where)
    rows = (
        await Ticket.select(*_COLUMNS)
        .where(where)
        .order_by(Ticket.due_on)
        .offset((page - 1) * page_size)
        .limit(page_size)
        .output(load_json=True)
    )
    return TicketPage(items=await _outs(tenant, rows, locale), total=total, counts=counts)


async def _change(
    row: dict[str, Any],
    expected: str,
    values: dict[Any, Any],
    entry: dict[str, Any],
) -> None:
    """Apply ``values`` if the ticket is still in ``expected`` status (a lost race is
    409), appending ``entry`` to its history."""
    async with db.transaction():
        current = (
            await Ticket.select(Ticket.status, Ticket.history)
            .where(Ticket.id == row["id"])
            .output(load_json=True)
            .first()
        )
        if current is None or current["status"] != expected:
            raise Conflict(N_("督办单状态已变化，请刷新后再办理"), code="ticket_changed")
        changed = await (
            Ticket.update(values | {Ticket.history: [*current["history"], entry]})
            .where((Ticket.id == row["id"]) & (Ticket.status == expected))
            .returning(Ticket.id)
        )
        if not changed:
            raise Conflict(N_("督办单状态已变化，请刷新后再办理"), code="ticket_changed")


async def answer_ticket(
    tenant: TenantInfo, principal: Principal, number: str, data: AnswerIn, locale: str = "zh-CN"
) -> TicketOut:
    """The department answers: result, explanation, and (rectification) call-back."""
    grants = await _grants(tenant, principal)
    row = await _load(tenant, number)
    if not _covers(grants, row["org_unit.path"]):
        raise NotFound(N_("找不到督办单 {number}"), code="ticket_not_found", number=number)
    errors: list[FieldError] = []
    if data.result not in RESULTS:
        errors.append(FieldError("result", N_("请选择办理结果：已整改或已说明情况")))
    explanation = callback = ""
    try:
        explanation = required_text(data.explanation, "explanation", 5000, N_("请填写情况说明"))
    except InvalidInput as error:
        errors += error.errors
    if row["kind"] == "rectification":
        try:
            callback = required_text(
                data.callback, "callback", 2000, N_("请填写对申请人的回访情况")
            )
        except InvalidInput as error:
            errors += error.errors
    if errors:
        raise InvalidInput(N_("答复信息有误，请按提示修改"), code="invalid_answer", errors=errors)
    if row["status"] != "open":
        raise Conflict(N_("督办单不在待答复状态"), code="ticket_not_open")
    await _change(
        row,
        "open",
        {
            Ticket.status: "answered",
            Ticket.result: data.result,
            Ticket.explanation: explanation,
            Ticket.callback: callback,
            Ticket.answered_at: datetime.now(UTC),
        },
        _entry("answered", principal.name, explanation),
    )
    return await ticket_of(tenant, principal, number, locale)


async def _report_back(tenant: TenantInfo, row: dict[str, Any]) -> None:
    """好差评: the rectification's result goes back to the rater (国办发〔2019〕51号),
    once, in their inbox; the case's public progress shows it from the ticket."""
    if row["rating"] is None:
        return
    rating = (
        await Rating.select(Rating.account, Rating.case).where(Rating.id == row["rating"]).first()
    )
    if rating is None:
        return
    await InboxMessage.insert(
        InboxMessage(
            tenant=tenant.id,
            recipient_kind="account",
            recipient_id=rating["account"],
            case=rating["case"],
            dedupe_key=f"rectified:{row['id']}",
            template="rating_rectified",
            params={
                "serial_number": row["case.serial_number"] or "",
                "result": dict(RESULT_LABELS.get(row["result"]) or Localized("—")),
                "explanation": row["explanation"],
            },
        )
    ).on_conflict(action="DO NOTHING")


async def rectification_of_case(tenant_id: uuid.UUID, serial_number: str, locale: str) -> str:
    """The latest closed rectification of a case, as its public progress shows it."""
    row = (
        await Ticket.select(Ticket.result, Ticket.explanation)
        .where(
            (Ticket.tenant == tenant_id)
            & (Ticket.case.serial_number == serial_number)
            & (Ticket.kind == "rectification")
            & (Ticket.status == "closed")
            & (Ticket.result != "")
        )
        .order_by(Ticket.closed_at, ascending=False)
        .first()
    )
    if row is None:
        return ""
    result = RESULT_LABELS.get(row["result"]) or Localized("—")
    return f"{result.pick(locale)}：{row['explanation']}"


async def review_ticket(
    tenant: TenantInfo, principal: Principal, number: str, data: ReviewIn, locale: str = "zh-CN"
) -> TicketOut:
    """A supervisor over the unit closes an answer or sends it back; upholds or
    rejects a pending appeal (upheld: the rating no longer counts, ticket closed)."""
    scope = await supervision_scope(tenant, principal)
    row = await _load(tenant, number)
    if not _covers(scope, row["org_unit.path"]):
        raise Forbidden(N_("该部门不在您的监察范围内"), code="outside_supervision_scope")
    comment = data.comment.strip()
    now = datetime.now(UTC)
    if data.decision in ("close", "return"):
        if row["status"] != "answered":
            raise Conflict(N_("督办单尚未答复，不能审核"), code="ticket_not_answered")
        if data.decision == "return" and not comment:
            problem = N_("退回重办请说明理由")
            raise InvalidInput(
                problem, code="comment_required", errors=[FieldError("comment", problem)]
            )
        values: dict[Any, Any] = (
            {Ticket.status: "closed", Ticket.closed_at: now}
            if data.decision == "close"
            else {Ticket.status: "open", Ticket.answered_at: None}
        )
        action = "closed" if data.decision == "close" else "returned"
        async with db.transaction():
            await _change(row, "answered", values, _entry(action, principal.name, comment))
            if data.decision == "close" and row["kind"] == "rectification":
                await _report_back(tenant, row)
    elif data.decision in ("uphold", "reject"):
        if row["appeal"] != "pending":
            raise Conflict(N_("没有待审核的申诉"), code="no_pending_appeal")
        if not comment:
            problem = N_("请填写审核意见")
            raise InvalidInput(
                problem, code="comment_required", errors=[FieldError("comment", problem)]
            )
        upheld = data.decision == "uphold"
        values = {Ticket.appeal: "upheld" if upheld else "rejected"}
        if upheld:
            values |= {Ticket.status: "closed", Ticket.closed_at: now}
        async with db.transaction():
            await _change(
                row,
                row["status"],
                values,
                _entry("appeal_upheld" if upheld else "appeal_rejected", principal.name, comment),
            )
            if upheld and row["rating"] is not None:
                await Rating.update(
                    {Rating.excluded: True, Rating.exclusion_reason: row["appeal_reason"]}
                ).where(Rating.id == row["rating"])
    else:
        problem = N_(
            "审核结论只能是办结（close）、退回（return）、申诉成立（uphold）或不成立（reject）"
        )
        raise InvalidInput(
            problem, code="invalid_decision", errors=[FieldError("decision", problem)]
        )
    return await ticket_of(tenant, principal, number, locale)


async def appeal_rating(
    tenant: TenantInfo, principal: Principal, number: str, data: AppealIn, locale: str = "zh-CN"
) -> TicketOut:
    """The department appeals a rectification's rating as mistaken or malicious."""
    grants = await _grants(tenant, principal)
    row = await _load(tenant, number)
    if not _covers(grants, row["org_unit.path"]):
        raise NotFound(N_("找不到督办单 {number}"), code="ticket_not_found", number=number)
    if row["kind"] != "rectification":
        raise Conflict(N_("只有差评整改单可以申诉"), code="appeal_not_allowed")
    if row["appeal"] or row["status"] == "closed":
        raise Conflict(N_("该整改单已申诉过或已办结"), code="appeal_not_allowed")
    reason = required_text(data.reason, "reason", 2000, N_("请填写申诉理由"))
    await _change(
        row,
        row["status"],
        {Ticket.appeal: "pending", Ticket.appeal_reason: reason},
        _entry("appealed", principal.name, reason),
    )
    return await ticket_of(tenant, principal, number, locale)
