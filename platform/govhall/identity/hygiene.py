"""Account hygiene (R-I3): disabling, deleting and forcing password resets of public
accounts, and deleting accounts never used.

Public accounts are platform-wide; the tenant an account registered on (its
home tenant) looks after it — that tenant's administrators (holding 管理 on
its root unit) and the platform operator may act on it. Deleting an account
keeps the cases it made (the law requires their records): its personal data is
erased and its sign-in removed. ``purge_inactive_accounts`` runs daily (RQ cron
in production, the in-process scheduler in the embedded default) and deletes
accounts that never signed in within their home tenant's
``account_inactive_days``.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import msgspec

from govhall import db
from govhall.audit.services import Actor, record
from govhall.errors import Forbidden, InvalidInput, NotFound
from govhall.i18n import N_
from govhall.identity.passwords import hash_password
from govhall.identity.services import masked_id_number, require_admin_scope, tenant_wide
from govhall.identity.tables import Account, EnterpriseMember, RefreshToken
from govhall.identity.tokens import Principal
from govhall.tenancy.schemas import TenantInfo
from govhall.tenancy.tables import Tenant

AccountAction = Literal["disable", "enable", "force-reset", "delete"]


class ManagedAccount(msgspec.Struct, kw_only=True):
    username: str
    kind: str
    name: str
    id_number_masked: str | None
    status: str
    must_reset_password: bool
    created_at: datetime
    last_login_at: datetime | None


class AccountPolicy(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    inactive_days: int
    """Delete accounts registered here and never signed in after this many days; 0 = keep."""


async def _tenant_wide_admin(tenant: TenantInfo, principal: Principal) -> None:
    scope = await require_admin_scope(tenant, principal)
    if not tenant_wide(scope):
        raise Forbidden(
            N_("只有本级政府的管理员可以管理公众账号"), code="tenant_wide_admin_required"
        )


def _managed(row: Account) -> ManagedAccount:
    return ManagedAccount(
        username=row.username,
        kind=row.kind,
        name=row.name,
        id_number_masked=masked_id_number(row),
        status=row.status,
        must_reset_password=row.must_reset_password,
        created_at=row.created_at,
        last_login_at=row.last_login_at,
    )


async def list_accounts(
    tenant: TenantInfo | None, principal: Principal, query: str = "", limit: int = 50
) -> list[ManagedAccount]:
    """Accounts registered on ``tenant`` (all accounts for the operator, tenant None)."""
    where: Any = Account.status != "deleted"
    if tenant is not None:
        await _tenant_wide_admin(tenant, principal)
        where &= Account.home_tenant == tenant.id
    if query:
        where &= Account.username.ilike(f"%{query}%") | Account.name.ilike(f"%{query}%")
    rows = await Account.objects().where(where).order_by(Account.username).limit(limit)
    return [_managed(r) for r in rows]


async def _target(tenant: TenantInfo | None, username: str) -> Account:
    where: Any = (Account.username == username) & (Account.status != "deleted")
    if tenant is not None:
        where &= Account.home_tenant == tenant.id
    row = await Account.objects().where(where).first()
    if row is None:
        raise NotFound(N_("找不到用户“{username}”"), code="account_not_found", username=username)
    return row


async def erase_account(account: Account) -> None:
    """Erase personal data and sign-in, keep the row for the cases that name it."""
    now = datetime.now(UTC)
    await Account.update(
        {
            Account.username: f"deleted-{account.id.hex[:12]}",
            Account.password_hash: hash_password(secrets.token_urlsafe(24)),
            Account.name: "已注销用户",
            Account.id_number_sealed: None,
            Account.id_number_index: None,
            Account.phone: None,
            Account.email: None,
            Account.phone_verified_at: None,
            Account.email_verified_at: None,
            Account.status: "deleted",
        }
    ).where(Account.id == account.id)
    await RefreshToken.update({RefreshToken.revoked_at: now}).where(
        (RefreshToken.principal_id == account.id) & RefreshToken.revoked_at.is_null()
    )
    await EnterpriseMember.update(
        {EnterpriseMember.status: "removed", EnterpriseMember.removed_at: now}
    ).where(
        ((EnterpriseMember.member == account.id) | (EnterpriseMember.enterprise == account.id))
        & (EnterpriseMember.status != "removed")
    )


async def act_on_account(
    tenant: TenantInfo | None, principal: Principal, username: str, action: str, ip: str
) -> ManagedAccount | None:
    """Disable, enable, force a reset or delete; the tenant admin (for accounts
    registered on the tenant) or the operator (tenant None, any account)."""
    if tenant is not None:
        await _tenant_wide_admin(tenant, principal)
    elif principal.kind != "operator":
        raise Forbidden(N_("只有平台运营人员可以办理"), code="operator_required")
    account = await _target(tenant, username)
    now = datetime.now(UTC)
    async with db.transaction():
        if action == "disable":
            await Account.update({Account.status: "disabled"}).where(Account.id == account.id)
            await RefreshToken.update({RefreshToken.revoked_at: now}).where(
                (RefreshToken.principal_id == account.id) & RefreshToken.revoked_at.is_null()
            )
        elif action == "enable":
            await Account.update({Account.status: "active"}).where(Account.id == account.id)
        elif action == "force-reset":
            await Account.update({Account.must_reset_password: True}).where(
                Account.id == account.id
            )
        elif action == "delete":
            await erase_account(account)
        else:
            raise InvalidInput(
                N_("未知的操作“{action}”"), code="unknown_account_action", action=action
            )
        await record(
            tenant.id if tenant else None,
            Actor(kind=principal.kind, id=str(principal.id), name=principal.name, ip=ip),
            f"account_{action.replace('-', '_')}",
            target=username,
        )
    if action == "delete":
        return None
    return _managed(await _target(tenant, username))


async def set_policy(
    tenant: TenantInfo, principal: Principal, data: AccountPolicy, ip: str
) -> AccountPolicy:
    await _tenant_wide_admin(tenant, principal)
    if not 0 <= data.inactive_days <= 3650:
        raise InvalidInput(
            N_("未登录账号的保留天数应在 0 到 3650 之间（0 表示不清理）"),
            code="invalid_account_policy",
        )
    async with db.transaction():
        await Tenant.update({Tenant.account_inactive_days: data.inactive_days}).where(
            Tenant.id == tenant.id
        )
        await record(
            tenant.id,
            Actor(kind="staff", id=str(principal.id), name=principal.name, ip=ip),
            "account_policy_changed",
            detail={"inactive_days": data.inactive_days},
        )
    return data


async def purge_inactive_accounts(now: datetime | None = None) -> int:
    """Scheduled job: delete accounts never signed in within their home tenant's
    ``account_inactive_days``. Each deletion is audited in the tenant's log."""
    now = now or datetime.now(UTC)
    system = Actor(kind="system", name="account hygiene")
    purged = 0
    for tenant in await Tenant.select(Tenant.id, Tenant.account_inactive_days).where(
        Tenant.account_inactive_days > 0
    ):
        cutoff = now - timedelta(days=int(tenant["account_inactive_days"]))
        stale = await Account.objects().where(
            (Account.home_tenant == tenant["id"])
            & (Account.status != "deleted")
            & Account.last_login_at.is_null()
            & (Account.created_at < cutoff)
        )
        for account in stale:
            async with db.transaction():
                await erase_account(account)
                await record(
                    tenant["id"],
                    system,
                    "account_purged_inactive",
                    target=account.username,
                    detail={
                        "account": str(account.id),
                        "created_at": account.created_at.isoformat(),
                        "inactive_days": int(tenant["account_inactive_days"]),
                    },
                )
            purged += 1
    return purged
