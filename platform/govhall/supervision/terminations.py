"""Termination on request (终止办理, issue 9 §5): staff working on a case ask for it
to be terminated, with the reason; a supervisor over the case's department
reviews. Approval terminates the case through the workflow engine as the
supervisor (the request's reason and the review comment become the event's
opinion); rejection leaves the case running. A case has at most one pending
request; the supervisor's review is refused once the case has ended."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import msgspec

from govhall import db
from govhall.cases.tables import Case
from govhall.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound, required_text
from govhall.i18n import N_, Localized
from govhall.identity.access import require_staff_of
from govhall.identity.services import Grant, grants_of
from govhall.identity.tokens import Principal
from govhall.supervision.services import supervision_scope
from govhall.supervision.sweep import ENDED_STATUSES
from govhall.supervision.tables import TerminationRequest
from govhall.tenancy.schemas import TenantInfo
from govhall.workflow.engine import ActionRequest, perform_action

STATUS_LABELS = {
    "pending": Localized("待审核", "awaiting review"),
    "approved": Localized("已同意，办件已终止", "approved, case terminated"),
    "rejected": Localized("不同意，继续办理", "rejected, handling continues"),
}


class TerminationIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    serial_number: str
    reason: str


class TerminationReview(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    decision: str
    """approve | reject"""
    comment: str = ""


class TerminationOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    serial_number: str
    item_code: str
    reason: str
    requested_by: str
    requested_at: datetime
    status: str
    status_label: str
    reviewed_by: str
    review_comment: str
    reviewed_at: datetime | None


_COLUMNS = (
    TerminationRequest.id,
    TerminationRequest.case.serial_number,
    TerminationRequest.case.item_code,
    TerminationRequest.reason,
    TerminationRequest.requested_by_name,
    TerminationRequest.requested_at,
    TerminationRequest.status,
    TerminationRequest.reviewed_by_name,
    TerminationRequest.review_comment,
    TerminationRequest.reviewed_at,
)


def _out(row: dict[str, Any], locale: str) -> TerminationOut:
    return TerminationOut(
        id=row["id"],
        serial_number=row["case.serial_number"],
        item_code=row["case.item_code"],
        reason=row["reason"],
        requested_by=row["requested_by_name"],
        requested_at=row["requested_at"],
        status=row["status"],
        status_label=STATUS_LABELS[row["status"]].pick(locale),
        reviewed_by=row["reviewed_by_name"],
        review_comment=row["review_comment"],
        reviewed_at=row["reviewed_at"],
    )


async def _case(tenant: TenantInfo, serial_number: str) -> dict[str, Any]:
    row = (
        await Case.select(Case.id, Case.status, Case.department.path)
        .where((Case.tenant == tenant.id) & (Case.serial_number == serial_number.strip()))
        .first()
    )
    if row is None:
        raise NotFound(
            N_("找不到办件 {serial_number}"), code="case_not_found", serial_number=serial_number
        )
    return row


async def request_termination(
    tenant: TenantInfo, principal: Principal, data: TerminationIn, locale: str
) -> TerminationOut:
    staff = require_staff_of(principal, tenant)
    case = await _case(tenant, data.serial_number)
    grants = await grants_of(staff.id, tenant)
    if not any(case["department.path"].startswith(g.path) for g in grants):
        raise Forbidden(N_("只有该办件所在部门的工作人员可以申请终止"), code="outside_unit")
    reason = required_text(data.reason, "reason", 2000, N_("请填写申请终止的理由"))
    if case["status"] in ENDED_STATUSES:
        raise Conflict(N_("办件已结束"), code="case_ended")
    async with db.transaction():
        if await TerminationRequest.exists().where(
            (TerminationRequest.case == case["id"]) & (TerminationRequest.status == "pending")
        ):
            raise Conflict(N_("该办件已有待审核的终止申请"), code="termination_pending")
        row = TerminationRequest(
            tenant=tenant.id,
            case=case["id"],
            reason=reason,
            requested_by=staff.id,
            requested_by_name=staff.name,
        )
        await row.save()
    return await _one(row.id, locale)


async def _one(request_id: uuid.UUID, locale: str) -> TerminationOut:
    row = (
        await TerminationRequest.select(*_COLUMNS)
        .where(TerminationRequest.id == request_id)
        .first()
    )
    assert row is not None
    return _out(row, locale)


async def termination_requests(
    tenant: TenantInfo,
    principal: Principal,
    locale: str,
    *,
    status: str = "",
    case_id: uuid.UUID | None = None,
    grants: list[Grant] | None = None,
) -> list[TerminationOut]:
    """Requests in the supervisor's units (or, with ``case_id``, one case's for any
    staff member of its department); ``grants``: the caller's, when the page has
    them already."""
    if case_id is None:
        scope = await supervision_scope(tenant, principal, grants)
    else:
        staff = require_staff_of(principal, tenant)
        scope = grants if grants is not None else await grants_of(staff.id, tenant)
    if status and status not in STATUS_LABELS:
        raise InvalidInput(
            N_("筛选条件“{name}”的取值“{value}”无效，可选：{allowed}"),
            code="invalid_filter",
            name="status",
            value=status,
            allowed="、".join(STATUS_LABELS),
        )
    paths: Any = None
    for grant in scope:
        part = TerminationRequest.case._.department._.path.like(f"{grant.path}%")
        paths = part if paths is None else paths | part
    if paths is None:
        return []
    where: Any = (TerminationRequest.tenant == tenant.id) & paths
    if status:
        where &= TerminationRequest.status == status
    if case_id is not None:
        where &= TerminationRequest.case == case_id
    rows = await (
        TerminationRequest.select(*_COLUMNS)
        .where(where)
        .order_by(TerminationRequest.requested_at, ascending=False)
        .limit(200)
    )
    return [_out(r, locale) for r in rows]


async def review_termination(
    tenant: TenantInfo,
    principal: Principal,
    request_id: uuid.UUID,
    data: TerminationReview,
    locale: str,
) -> TerminationOut:
    scope = await supervision_scope(tenant, principal)
    row = (
        await TerminationRequest.select(
            TerminationRequest.id,
            TerminationRequest.status,
            TerminationRequest.reason,
            TerminationRequest.case.serial_number,
            TerminationRequest.case._.department._.path,
        )
        .where((TerminationRequest.id == request_id) & (TerminationRequest.tenant == tenant.id))
        .first()
    )
    if row is None:
        raise NotFound(N_("找不到该终止申请"), code="termination_not_found")
    if not any(row["case.department.path"].startswith(g.path) for g in scope):
        raise Forbidden(N_("该部门不在您的监察范围内"), code="outside_supervision_scope")
    if data.decision not in ("approve", "reject"):
        problem = N_("审核结论只能是同意（approve）或不同意（reject）")
        raise InvalidInput(
            problem, code="invalid_decision", errors=[FieldError("decision", problem)]
        )
    comment = data.comment.strip()
    if data.decision == "reject" and not comment:
        problem = N_("不同意终止请说明理由")
        raise InvalidInput(
            problem, code="comment_required", errors=[FieldError("comment", problem)]
        )
    if row["status"] != "pending":
        raise Conflict(N_("该终止申请已审核"), code="termination_reviewed")
    if data.decision == "approve":
        opinion = row["reason"] + (f"（监察审核：{comment}）" if comment else "")
        # The engine checks the supervisor's role over the case and that it has not
        # ended; its refusal leaves the request pending.
        await perform_action(
            tenant,
            principal,
            row["case.serial_number"],
            ActionRequest(action="terminate", opinion=opinion),
        )
    changed = await (
        TerminationRequest.update(
            {
                TerminationRequest.status: "approved" if data.decision == "approve" else "rejected",
                TerminationRequest.reviewed_by_name: principal.name,
                TerminationRequest.review_comment: comment,
                TerminationRequest.reviewed_at: datetime.now(UTC),
            }
        )
        .where((TerminationRequest.id == request_id) & (TerminationRequest.status == "pending"))
        .returning(TerminationRequest.id)
    )
    if not changed:
        raise Conflict(N_("该终止申请已审核"), code="termination_reviewed")
    return await _one(request_id, locale)
