"""Consultations, complaints, the leader mailbox and 好差评 ratings (R-A10, R-A11).

Citizens file them from the portal with their account; staff answer
consultations; supervisors (监察) and tenant administrators handle complaints and
letters and decide what is disclosed. A rating is the applicant's own, once per
concluded case; ratings of 1–2 must say why (the supervision issue turns them
into rectification tickets).
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import msgspec

from govhall import db
from govhall.calendar.services import tenant_calendar
from govhall.cases.tables import Case
from govhall.engagement.tables import Complaint, Consultation, Rating
from govhall.engagement.tags import BAD_RATING_TAGS, tag_labels
from govhall.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound, required_text
from govhall.i18n import N_, Localized
from govhall.identity.access import require_account, require_staff_of
from govhall.identity.services import grants_of
from govhall.identity.tokens import Principal
from govhall.supervision.tickets import complaint_days, open_rectification
from govhall.tenancy.schemas import TenantInfo

#: Functions that may handle complaints and letters and see them all.
HANDLERS_OF_COMPLAINTS = frozenset({"supervisor", "tenant_admin"})
KINDS = ("complaint", "mailbox")
ENDED_STATUSES = frozenset({"concluded"})


class ConsultationIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    question: str
    item_code: str = ""


class AnswerIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    answer: str
    publish: bool = True


class ConsultationOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    item_code: str
    question: str
    answer: str
    published: bool
    created_at: datetime
    answered_at: datetime | None


class ComplaintIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    kind: str = "complaint"
    subject: str
    body: str
    case_serial: str = ""


class HandleIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    decision: str
    """accepted | dismissed"""
    outcome: str
    disclose: bool = False


class ComplaintOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    number: str
    kind: str
    subject: str
    body: str
    case_serial: str
    status: str
    outcome: str
    disclosed: bool
    created_at: datetime
    handled_at: datetime | None
    due_on: date | None = None
    escalated_at: datetime | None = None


class RatingIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    level: int
    reason: str = ""
    tags: list[str] = []
    """For a poor rating (1–2): keys of :data:`BAD_RATING_TAGS`."""


class RatingOut(msgspec.Struct, kw_only=True):
    serial_number: str
    level: int
    reason: str
    created_at: datetime
    tags: list[str] = []
    tag_labels: list[str] = []


# -- consultations -------------------------------------------------------------------

_CONSULTATION_COLUMNS = (
    Consultation.id,
    Consultation.item_code,
    Consultation.question,
    Consultation.answer,
    Consultation.published,
    Consultation.created_at,
    Consultation.answered_at,
)


async def ask(
    tenant: TenantInfo, principal: Principal, data: ConsultationIn, known_items: set[str]
) -> ConsultationOut:
    asker = require_account(principal)
    question = required_text(data.question, "question", 2000, N_("请填写咨询内容"))
    if data.item_code and data.item_code not in known_items:
        raise InvalidInput(N_("本大厅没有事项“{item}”"), code="item_not_found", item=data.item_code)
    row = Consultation(
        tenant=tenant.id, item_code=data.item_code, asker=asker.id, question=question
    )
    await row.save()
    found = await Consultation.select(*_CONSULTATION_COLUMNS).where(Consultation.id == row.id)
    return msgspec.convert(found[0], ConsultationOut)


async def published_consultations(
    tenant: TenantInfo, item_code: str = "", limit: int = 50
) -> list[ConsultationOut]:
    query = Consultation.select(*_CONSULTATION_COLUMNS).where(
        (Consultation.tenant == tenant.id) & (Consultation.published == True)  # noqa: E712
    )
    if item_code:
        query = query.where(Consultation.item_code == item_code)
    rows = await query.order_by(Consultation.answered_at, ascending=False).limit(limit)
    return [msgspec.convert(r, ConsultationOut) for r in rows]


async def my_consultations(tenant: TenantInfo, principal: Principal) -> list[ConsultationOut]:
    asker = require_account(principal)
    rows = (
        await Consultation.select(*_CONSULTATION_COLUMNS)
        .where((Consultation.tenant == tenant.id) & (Consultation.asker == asker.id))
        .order_by(Consultation.created_at, ascending=False)
        .limit(100)
    )
    return [msgspec.convert(r, ConsultationOut) for r in rows]


async def open_consultations(tenant: TenantInfo, principal: Principal) -> list[ConsultationOut]:
    require_staff_of(principal, tenant)
    rows = (
        await Consultation.select(*_CONSULTATION_COLUMNS)
        .where((Consultation.tenant == tenant.id) & (Consultation.answered_at.is_null()))
        .order_by(Consultation.created_at)
        .limit(200)
    )
    return [msgspec.convert(r, ConsultationOut) for r in rows]


async def answer(
    tenant: TenantInfo, principal: Principal, consultation_id: uuid.UUID, data: AnswerIn
) -> ConsultationOut:
    staff = require_staff_of(principal, tenant)
    text = required_text(data.answer, "answer", 4000, N_("请填写答复内容"))
    now = datetime.now(UTC)
    updated = (
        await Consultation.update(
            {
                Consultation.answer: text,
                Consultation.answered_by: staff.id,
                Consultation.answered_at: now,
                Consultation.published: data.publish,
            }
        )
        .where((Consultation.id == consultation_id) & (Consultation.tenant == tenant.id))
        .returning(*_CONSULTATION_COLUMNS)
    )
    if not updated:
        raise NotFound(N_("找不到该咨询"), code="consultation_not_found")
    return msgspec.convert(updated[0], ConsultationOut)


# -- complaints and the leader mailbox ------------------------------------------------


async def file_complaint(
    tenant: TenantInfo, principal: Principal, data: ComplaintIn
) -> ComplaintOut:
    filer = require_account(principal)
    if data.kind not in KINDS:
        raise InvalidInput(
            N_("类型只能是投诉（complaint）或领导信箱（mailbox）"), code="complaint_kind"
        )
    subject = required_text(data.subject, "subject", 200, N_("请填写标题"))
    body = required_text(data.body, "body", 5000, N_("请填写具体内容"))
    department = None
    serial = data.case_serial.strip()
    if serial:
        case = (
            await Case.select(Case.department, Case.applicant)
            .where((Case.tenant == tenant.id) & (Case.serial_number == serial))
            .first()
        )
        if case is None:
            problem = N_("找不到办件 {serial_number}")
            raise InvalidInput(
                problem,
                code="case_not_found",
                errors=[FieldError("case_serial", problem, serial_number=serial)],
                serial_number=serial,
            )
        department = case["department"]
    day = datetime.now(ZoneInfo(tenant.time_zone)).strftime("%Y%m%d")
    prefix = "TS" if data.kind == "complaint" else "XX"
    limit = await complaint_days(tenant.id)
    calendar = await tenant_calendar(tenant.id)
    today = datetime.now(ZoneInfo(tenant.time_zone)).date()
    row = Complaint(
        tenant=tenant.id,
        due_on=calendar.add_working_days(today, limit),
        number=f"{prefix}{day}{secrets.randbelow(10**6):06d}{secrets.randbelow(100):02d}",
        kind=data.kind,
        filer=filer.id,
        subject=subject,
        body=body,
        case_serial=serial,
        department=department,
    )
    await row.save()
    return (await _complaints(Complaint.id == row.id))[0]


_COMPLAINT_COLUMNS = (
    Complaint.id,
    Complaint.number,
    Complaint.kind,
    Complaint.subject,
    Complaint.body,
    Complaint.case_serial,
    Complaint.status,
    Complaint.outcome,
    Complaint.disclosed,
    Complaint.created_at,
    Complaint.handled_at,
    Complaint.due_on,
    Complaint.escalated_at,
)


async def _complaints(where: object, limit: int = 200) -> list[ComplaintOut]:
    rows = (
        await Complaint.select(*_COMPLAINT_COLUMNS)
        .where(where)  # type: ignore[arg-type]
        .order_by(Complaint.created_at, ascending=False)
        .limit(limit)
    )
    return [msgspec.convert(r, ComplaintOut) for r in rows]


async def _require_complaint_handler(tenant: TenantInfo, principal: Principal) -> Principal:
    staff = require_staff_of(principal, tenant)
    if not any(g.role in HANDLERS_OF_COMPLAINTS for g in await grants_of(staff.id, tenant)):
        raise Forbidden(
            N_("只有监察人员或管理员可以处理投诉和领导信箱来信"), code="supervisor_required"
        )
    return staff


async def complaints_for_handling(
    tenant: TenantInfo, principal: Principal, status: str = ""
) -> list[ComplaintOut]:
    await _require_complaint_handler(tenant, principal)
    where: object = Complaint.tenant == tenant.id
    if status:
        where = (Complaint.tenant == tenant.id) & (Complaint.status == status)
    return await _complaints(where)


async def my_complaints(tenant: TenantInfo, principal: Principal) -> list[ComplaintOut]:
    filer = require_account(principal)
    return await _complaints((Complaint.tenant == tenant.id) & (Complaint.filer == filer.id))


async def disclosed_complaints(tenant: TenantInfo) -> list[ComplaintOut]:
    """Accepted complaints whose outcome the supervisors disclosed; the filer is never
    shown, nor the letter itself — only subject, outcome and dates."""
    rows = await _complaints(
        (Complaint.tenant == tenant.id)
        & (Complaint.disclosed == True)  # noqa: E712
        & (Complaint.status == "accepted"),
        limit=50,
    )
    for row in rows:
        row.body = ""
    return rows


async def handle_complaint(
    tenant: TenantInfo, principal: Principal, complaint_id: uuid.UUID, data: HandleIn
) -> ComplaintOut:
    staff = await _require_complaint_handler(tenant, principal)
    if data.decision not in ("accepted", "dismissed"):
        raise InvalidInput(
            N_("处理结论只能是受理（accepted）或不予受理（dismissed）"), code="complaint_decision"
        )
    outcome = required_text(data.outcome, "outcome", 5000, N_("请填写处理结果"))
    updated = (
        await Complaint.update(
            {
                Complaint.status: data.decision,
                Complaint.outcome: outcome,
                Complaint.disclosed: data.disclose and data.decision == "accepted",
                Complaint.handled_by: staff.id,
                Complaint.handled_at: datetime.now(UTC),
            }
        )
        .where(
            (Complaint.id == complaint_id)
            & (Complaint.tenant == tenant.id)
            & (Complaint.status == "open")
        )
        .returning(Complaint.id)
    )
    if not updated:
        found = await Complaint.exists().where(
            (Complaint.id == complaint_id) & (Complaint.tenant == tenant.id)
        )
        if not found:
            raise NotFound(N_("找不到该投诉或来信"), code="complaint_not_found")
        raise Conflict(N_("该投诉或来信已处理"), code="complaint_handled")
    return (await _complaints(Complaint.id == complaint_id))[0]


# -- 好差评 --------------------------------------------------------------------------


async def rate_case(
    tenant: TenantInfo, principal: Principal, serial_number: str, data: RatingIn
) -> RatingOut:
    rater = require_account(principal)
    case = (
        await Case.select(Case.id, Case.applicant, Case.status, Case.item_code, Case.department)
        .where((Case.tenant == tenant.id) & (Case.serial_number == serial_number.strip()))
        .first()
    )
    if case is None:
        raise NotFound(
            N_("找不到办件 {serial_number}"), code="case_not_found", serial_number=serial_number
        )
    if case["applicant"] != rater.id:
        raise Forbidden(N_("只有申请人本人可以评价该办件"), code="applicant_only")
    if case["status"] not in ENDED_STATUSES:
        raise Conflict(N_("办件办结后才能评价"), code="case_not_concluded")
    if data.level not in range(1, 6):
        problem = N_("评价等级须为 1 到 5")
        raise InvalidInput(problem, code="rating_level", errors=[FieldError("level", problem)])
    reason = data.reason.strip()
    tags = list(dict.fromkeys(t.strip() for t in data.tags if t.strip()))
    unknown = [t for t in tags if t not in BAD_RATING_TAGS]
    if unknown:
        problem = N_("差评原因须从以下选项中选择：{allowed}")
        allowed = Localized(
            "、".join(v["zh-CN"] for v in BAD_RATING_TAGS.values()),
            ", ".join(v["en"] for v in BAD_RATING_TAGS.values()),
        )
        raise InvalidInput(
            problem,
            code="rating_tag_unknown",
            errors=[FieldError("tags", problem, allowed=allowed)],
            allowed=allowed,
        )
    if data.level > 2:
        tags = []  # reasons are for poor ratings
    if data.level <= 2 and not reason and not tags:
        problem = N_("“不满意”或“非常不满意”的评价请选择差评原因或说明理由")
        raise InvalidInput(
            problem, code="rating_reason_required", errors=[FieldError("reason", problem)]
        )
    if len(reason) > 1000:
        problem = N_("内容不能超过 {limit} 个字")
        raise InvalidInput(
            problem,
            code="text_too_long",
            errors=[FieldError("reason", problem, limit=1000)],
            limit=1000,
        )
    row = Rating(
        tenant=tenant.id,
        case=case["id"],
        account=rater.id,
        item_code=case["item_code"],
        department=case["department"],
        level=data.level,
        reason=reason,
        tags=tags,
    )
    try:
        async with db.transaction():
            await row.save()
            if row.level <= 2:
                # R-A11: every poor rating opens a rectification for the department.
                await open_rectification(
                    tenant.id,
                    tenant.time_zone,
                    row.id,
                    case["id"],
                    case["department"],
                    serial_number.strip(),
                    row.level,
                    "；".join(
                        [
                            *tag_labels(tags, "zh-CN"),
                            *([reason] if reason else []),
                        ]
                    ),
                )
    except Exception as exc:  # the unique index on the case: rated already
        if await Rating.exists().where(Rating.case == case["id"]):
            raise Conflict(
                N_("该办件已评价过，每个办件只能评价一次"), code="already_rated"
            ) from exc
        raise
    return RatingOut(
        serial_number=serial_number.strip(),
        level=row.level,
        reason=row.reason,
        created_at=row.created_at,
        tags=tags,
        tag_labels=tag_labels(tags, "zh-CN"),
    )


async def rating_of(
    tenant: TenantInfo, case_id: uuid.UUID, locale: str = "zh-CN"
) -> RatingOut | None:
    row = (
        await Rating.select(
            Rating.level, Rating.reason, Rating.tags, Rating.created_at, Rating.case.serial_number
        )
        .where((Rating.tenant == tenant.id) & (Rating.case == case_id))
        .output(load_json=True)
        .first()
    )
    if row is None:
        return None
    tags = [t for t in row["tags"] or [] if t in BAD_RATING_TAGS]
    return RatingOut(
        serial_number=row["case.serial_number"],
        level=row["level"],
        reason=row["reason"],
        created_at=row["created_at"],
        tags=tags,
        tag_labels=tag_labels(tags, locale),
    )
