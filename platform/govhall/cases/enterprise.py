"""Applications made by an enterprise's members (R-I5).

A member applies with ``on_behalf_of`` = the enterprise: the case's applicant is
the enterprise. For items declaring ``enterprise_review``, an operator's
(经办人) application is checked in full and then held as an
:class:`EnterpriseSubmission`; it reaches the department only when a reviewer
(审核人) — or the enterprise account itself — confirms it, and a reviewer may
decline it with a reason instead. Reviewers' own applications go straight in.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import msgspec

from govhall import db
from govhall.audit.services import Actor, record
from govhall.cases.schemas import ApplicationCreate
from govhall.cases.services import Submitted, prepare_application, submit_application
from govhall.cases.tables import EnterpriseSubmission
from govhall.catalog.services import CatalogService
from govhall.errors import Conflict, Forbidden, InvalidInput, NotFound
from govhall.i18n import N_
from govhall.identity.enterprise import acting_for
from govhall.identity.tokens import Principal
from govhall.plugins import PluginRegistry
from govhall.tenancy.schemas import TenantInfo


class SubmissionOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    item_code: str
    enterprise: str
    operator: str
    status: str
    """pending | confirmed | declined"""
    opinion: str
    serial_number: str | None
    created_at: datetime


class DeclineIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    opinion: str


async def apply_for_enterprise(
    *,
    tenant: TenantInfo,
    member: Principal,
    data: ApplicationCreate,
    catalog: CatalogService,
    registry: PluginRegistry,
    secret_key: str,
) -> Submitted | SubmissionOut:
    """Submit for the enterprise, or hold for a reviewer (then a SubmissionOut)."""
    assert data.on_behalf_of is not None
    enterprise, role = await acting_for(member, data.on_behalf_of)
    item = await catalog.tenant_item(tenant, data.item_code)
    if role == "operator" and item.installed.spec.enterprise_review:
        # Checked in full now, so the operator fixes mistakes before a reviewer looks.
        await prepare_application(
            tenant=tenant,
            applicant=enterprise,
            data=data,
            catalog=catalog,
            registry=registry,
            submitter=member,
        )
        row = EnterpriseSubmission(
            tenant=tenant.id,
            enterprise=enterprise.id,
            operator=member.id,
            item_code=data.item_code,
            application=msgspec.to_builtins(data),
        )
        async with db.transaction():
            await row.save()
            await record(
                tenant.id,
                Actor(kind="account", id=str(member.id), name=member.name),
                "enterprise_submission_held",
                target=enterprise.username,
                detail={"item": data.item_code, "submission": str(row.id)},
            )
        return (await _views(tenant, [row.id]))[0]
    return await submit_application(
        tenant=tenant,
        applicant=enterprise,
        data=data,
        catalog=catalog,
        registry=registry,
        secret_key=secret_key,
        submitter=member,
        via={"member": member.name, "member_role": role},
    )


async def _views(
    tenant: TenantInfo, ids: list[uuid.UUID] | None = None, **where: Any
) -> list[SubmissionOut]:
    clause: Any = EnterpriseSubmission.tenant == tenant.id
    if ids is not None:
        clause &= EnterpriseSubmission.id.is_in(ids)
    if "enterprise" in where:
        clause &= EnterpriseSubmission.enterprise == where["enterprise"]
    rows = (
        await EnterpriseSubmission.select(
            EnterpriseSubmission.id,
            EnterpriseSubmission.item_code,
            EnterpriseSubmission.enterprise.username,
            EnterpriseSubmission.operator.name,
            EnterpriseSubmission.status,
            EnterpriseSubmission.opinion,
            EnterpriseSubmission.serial_number,
            EnterpriseSubmission.created_at,
        )
        .where(clause)
        .order_by(EnterpriseSubmission.created_at, ascending=False)
    )
    return [
        SubmissionOut(
            id=r["id"],
            item_code=r["item_code"],
            enterprise=r["enterprise.username"],
            operator=r["operator.name"],
            status=r["status"],
            opinion=r["opinion"],
            serial_number=r["serial_number"],
            created_at=r["created_at"],
        )
        for r in rows
    ]


async def list_submissions(
    tenant: TenantInfo, member: Principal, enterprise_username: str
) -> list[SubmissionOut]:
    """The enterprise's submissions in this tenant, for any of its members."""
    enterprise, _ = await acting_for(member, enterprise_username)
    return await _views(tenant, enterprise=enterprise.id)


async def _pending(
    tenant: TenantInfo, reviewer: Principal, submission_id: uuid.UUID
) -> tuple[EnterpriseSubmission, Principal, str]:
    row = (
        await EnterpriseSubmission.objects()
        .output(load_json=True)
        .where(
            (EnterpriseSubmission.tenant == tenant.id) & (EnterpriseSubmission.id == submission_id)
        )
        .first()
    )
    if row is None:
        raise NotFound(N_("找不到该待确认申请"), code="submission_not_found")
    application: dict[str, Any] = row.application  # type: ignore[assignment]
    enterprise_username = str(application.get("on_behalf_of", ""))
    enterprise, role = await acting_for(reviewer, enterprise_username)
    if enterprise.id != row.enterprise:
        raise NotFound(N_("找不到该待确认申请"), code="submission_not_found")
    if role == "operator":
        raise Forbidden(N_("只有审核人可以确认或退回经办人的申请"), code="reviewer_required")
    if row.status != "pending":
        raise Conflict(N_("该申请已处理，不能重复操作"), code="submission_decided")
    return row, enterprise, role


async def confirm_submission(
    *,
    tenant: TenantInfo,
    reviewer: Principal,
    submission_id: uuid.UUID,
    catalog: CatalogService,
    registry: PluginRegistry,
    secret_key: str,
) -> Submitted:
    """Send the held application in as the enterprise's; it is checked again, so an
    application that no longer passes stays pending with the reasons returned."""
    row, enterprise, _ = await _pending(tenant, reviewer, submission_id)
    data = msgspec.convert(row.application, ApplicationCreate)
    operator = Principal(kind="account", id=row.operator, username="", name="")
    # Claim it first, so two reviewers confirming at once make one case.
    claimed = (
        await EnterpriseSubmission.update({EnterpriseSubmission.status: "confirming"})
        .where((EnterpriseSubmission.id == row.id) & (EnterpriseSubmission.status == "pending"))
        .returning(EnterpriseSubmission.id)
    )
    if not claimed:
        raise Conflict(N_("该申请已处理，不能重复操作"), code="submission_decided")
    try:
        submitted = await submit_application(
            tenant=tenant,
            applicant=enterprise,
            data=data,
            catalog=catalog,
            registry=registry,
            secret_key=secret_key,
            submitter=operator,
            via={"operator": str(row.operator), "reviewer": reviewer.name},
        )
    except BaseException:
        await EnterpriseSubmission.update({EnterpriseSubmission.status: "pending"}).where(
            EnterpriseSubmission.id == row.id
        )
        raise
    receipt = submitted[0]
    await EnterpriseSubmission.update(
        {
            EnterpriseSubmission.status: "confirmed",
            EnterpriseSubmission.reviewer: reviewer.id,
            EnterpriseSubmission.serial_number: receipt.serial_number,
            EnterpriseSubmission.decided_at: datetime.now(UTC),
        }
    ).where(EnterpriseSubmission.id == row.id)
    await record(
        tenant.id,
        Actor(kind="account", id=str(reviewer.id), name=reviewer.name),
        "enterprise_submission_confirmed",
        target=enterprise.username,
        detail={"submission": str(row.id), "serial_number": receipt.serial_number},
    )
    return submitted


async def decline_submission(
    tenant: TenantInfo, reviewer: Principal, submission_id: uuid.UUID, data: DeclineIn
) -> SubmissionOut:
    row, enterprise, _ = await _pending(tenant, reviewer, submission_id)
    if not data.opinion.strip():
        raise InvalidInput(N_("退回时请说明理由"), code="opinion_required")
    async with db.transaction():
        await EnterpriseSubmission.update(
            {
                EnterpriseSubmission.status: "declined",
                EnterpriseSubmission.reviewer: reviewer.id,
                EnterpriseSubmission.opinion: data.opinion.strip(),
                EnterpriseSubmission.decided_at: datetime.now(UTC),
            }
        ).where((EnterpriseSubmission.id == row.id) & (EnterpriseSubmission.status == "pending"))
        await record(
            tenant.id,
            Actor(kind="account", id=str(reviewer.id), name=reviewer.name),
            "enterprise_submission_declined",
            target=enterprise.username,
            detail={"submission": str(row.id)},
        )
    return (await _views(tenant, [row.id]))[0]
