"""Enterprise members (R-I5): operators (经办人) and reviewers (审核人).

The enterprise account is the enterprise's administrator: it invites
individual accounts as operators or reviewers and removes them. An invitee
becomes a member when they accept. Members act *for* the enterprise — the
case's applicant is the enterprise — and for items that ask for it an
operator's submission waits for a reviewer's confirmation
(:mod:`govhall.cases.enterprise`). Every change is in the platform audit log.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

import msgspec

from govhall import db
from govhall.audit.services import Actor, record
from govhall.errors import Conflict, Forbidden, InvalidInput, NotFound
from govhall.i18n import N_
from govhall.identity.access import require_account
from govhall.identity.tables import Account, EnterpriseMember
from govhall.identity.tokens import Principal

MemberRole = Literal["operator", "reviewer"]


class InviteIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    username: str
    role: MemberRole


class MemberOut(msgspec.Struct, kw_only=True):
    username: str
    name: str
    role: str
    status: str
    invited_at: datetime
    joined_at: datetime | None


class MembershipOut(msgspec.Struct, kw_only=True):
    enterprise: str
    """The enterprise account's username."""
    enterprise_name: str
    credit_code: str | None
    role: str
    status: str


async def _enterprise(principal: Principal) -> Account:
    account = None
    if principal.kind == "account":
        account = await Account.objects().where(Account.id == principal.id).first()
    if account is None or account.kind != "enterprise":
        raise Forbidden(N_("只有法人账号可以管理经办人和审核人"), code="enterprise_required")
    return account


async def _account_by_username(username: str) -> Account:
    account = await Account.objects().where(Account.username == username).first()
    if account is None or account.status != "active":
        raise NotFound(N_("找不到用户“{username}”"), code="account_not_found", username=username)
    return account


async def list_members(principal: Principal) -> list[MemberOut]:
    enterprise = await _enterprise(principal)
    rows = (
        await EnterpriseMember.select(
            EnterpriseMember.member.username,
            EnterpriseMember.member.name,
            EnterpriseMember.role,
            EnterpriseMember.status,
            EnterpriseMember.invited_at,
            EnterpriseMember.joined_at,
        )
        .where(
            (EnterpriseMember.enterprise == enterprise.id) & (EnterpriseMember.status != "removed")
        )
        .order_by(EnterpriseMember.invited_at)
    )
    return [
        MemberOut(
            username=r["member.username"],
            name=r["member.name"],
            role=r["role"],
            status=r["status"],
            invited_at=r["invited_at"],
            joined_at=r["joined_at"],
        )
        for r in rows
    ]


async def invite_member(principal: Principal, data: InviteIn, ip: str) -> MemberOut:
    enterprise = await _enterprise(principal)
    member = await _account_by_username(data.username)
    if member.kind != "individual":
        raise InvalidInput(
            N_("经办人和审核人须为实名认证的个人账号"), code="member_must_be_individual"
        )
    now = datetime.now(UTC)
    async with db.transaction():
        row = (
            await EnterpriseMember.objects()
            .where(
                (EnterpriseMember.enterprise == enterprise.id)
                & (EnterpriseMember.member == member.id)
            )
            .first()
        )
        if row is not None and row.status != "removed":
            raise Conflict(
                N_("{name}已是本单位成员或已被邀请"), code="already_member", name=member.name
            )
        if row is None:
            row = EnterpriseMember(id=uuid.uuid4(), enterprise=enterprise.id, member=member.id)
        row.role = data.role
        row.status = "invited"
        row.invited_at = now
        row.joined_at = None
        row.removed_at = None
        await row.save()
        await record(
            None,
            Actor.of(principal, ip),
            "member_invited",
            target=member.username,
            detail={"enterprise": enterprise.username, "role": data.role},
        )
    return MemberOut(
        username=member.username,
        name=member.name,
        role=data.role,
        status="invited",
        invited_at=now,
        joined_at=None,
    )


async def remove_member(principal: Principal, username: str, ip: str) -> None:
    enterprise = await _enterprise(principal)
    member = await _account_by_username(username)
    where: Any = (
        (EnterpriseMember.enterprise == enterprise.id)
        & (EnterpriseMember.member == member.id)
        & (EnterpriseMember.status != "removed")
    )
    async with db.transaction():
        if not await EnterpriseMember.exists().where(where):
            raise NotFound(N_("{name}不是本单位成员"), code="member_not_found", name=member.name)
        await EnterpriseMember.update(
            {EnterpriseMember.status: "removed", EnterpriseMember.removed_at: datetime.now(UTC)}
        ).where(where)
        await record(
            None,
            Actor.of(principal, ip),
            "member_removed",
            target=member.username,
            detail={"enterprise": enterprise.username},
        )


async def my_memberships(principal: Principal) -> list[MembershipOut]:
    """The enterprises the caller was invited to or acts for."""
    require_account(principal)
    rows = await EnterpriseMember.select(
        EnterpriseMember.enterprise.username,
        EnterpriseMember.enterprise.name,
        EnterpriseMember.enterprise.credit_code,
        EnterpriseMember.role,
        EnterpriseMember.status,
    ).where((EnterpriseMember.member == principal.id) & (EnterpriseMember.status != "removed"))
    return [
        MembershipOut(
            enterprise=r["enterprise.username"],
            enterprise_name=r["enterprise.name"],
            credit_code=r["enterprise.credit_code"],
            role=r["role"],
            status=r["status"],
        )
        for r in rows
    ]


async def accept_invitation(principal: Principal, enterprise_username: str, ip: str) -> None:
    require_account(principal)
    enterprise = await _account_by_username(enterprise_username)
    where: Any = (
        (EnterpriseMember.enterprise == enterprise.id)
        & (EnterpriseMember.member == principal.id)
        & (EnterpriseMember.status == "invited")
    )
    async with db.transaction():
        if principal.kind != "account" or not await EnterpriseMember.exists().where(where):
            raise NotFound(N_("没有来自该单位的待接受邀请"), code="invitation_not_found")
        await EnterpriseMember.update(
            {EnterpriseMember.status: "active", EnterpriseMember.joined_at: datetime.now(UTC)}
        ).where(where)
        await record(
            None,
            Actor.of(principal, ip),
            "member_joined",
            target=principal.username,
            detail={"enterprise": enterprise.username},
        )


async def acting_for(principal: Principal, enterprise_username: str) -> tuple[Principal, str]:
    """(the enterprise as a principal, the caller's role in it: operator, reviewer or
    admin for the enterprise account itself); 403 when the caller is not an active member."""
    require_account(principal)
    enterprise = await Account.objects().where(Account.username == enterprise_username).first()
    if enterprise is None or enterprise.kind != "enterprise" or enterprise.status != "active":
        raise NotFound(
            N_("找不到法人账号“{username}”"),
            code="enterprise_not_found",
            username=enterprise_username,
        )
    as_enterprise = Principal(
        kind="account", id=enterprise.id, username=enterprise.username, name=enterprise.name
    )
    if principal.kind == "account" and principal.id == enterprise.id:
        return as_enterprise, "admin"
    row = None
    if principal.kind == "account":
        row = (
            await EnterpriseMember.select(EnterpriseMember.role)
            .where(
                (EnterpriseMember.enterprise == enterprise.id)
                & (EnterpriseMember.member == principal.id)
                & (EnterpriseMember.status == "active")
            )
            .first()
        )
    if row is None:
        raise Forbidden(
            N_("您不是{name}的经办人或审核人"), code="not_a_member", name=enterprise.name
        )
    return as_enterprise, str(row["role"])
