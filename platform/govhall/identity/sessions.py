"""Refresh tokens, rotation with reuse detection, and logout.

Access tokens are short-lived JWTs (``GOVHALL_TOKEN_TTL``); a refresh token is a
random opaque string, stored only as its SHA-256, valid for
:data:`REFRESH_DAYS` and usable once: each use returns a new pair in the same
family. Presenting a token that was already used means it was copied, so the
whole family is revoked (the thief and the owner both have to sign in again).
Logout revokes the family and puts the access token's id on a revocation list
(Redis in production, memory in the embedded default) until it would have
expired anyway.
"""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from datetime import UTC, datetime, timedelta

from litestar.stores.base import Store

from govhall import db
from govhall.audit.services import Actor, record
from govhall.errors import Unauthorized
from govhall.i18n import N_
from govhall.identity.schemas import TokenOut
from govhall.identity.tables import Account, Operator, RefreshToken, Staff
from govhall.identity.tokens import Principal, TokenService
from govhall.tenancy.tables import Tenant

REFRESH_DAYS = 14
_BAD_REFRESH = N_("登录已失效，请重新登录")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_pair(
    principal: Principal, tokens: TokenService, family: uuid.UUID | None = None
) -> TokenOut:
    refresh = secrets.token_urlsafe(32)
    await RefreshToken(
        family=family or uuid.uuid4(),
        principal_kind=principal.kind,
        principal_id=principal.id,
        tenant=principal.tenant_id,
        token_hash=_digest(refresh),
        expires_at=datetime.now(UTC) + timedelta(days=REFRESH_DAYS),
    ).save()
    return TokenOut(
        access_token=tokens.issue(principal),
        token_type="bearer",  # noqa: S106 - the OAuth token type, not a secret
        expires_in=tokens.ttl_seconds,
        refresh_token=refresh,
        refresh_expires_in=REFRESH_DAYS * 86400,
    )


async def current_principal(
    kind: str, principal_id: uuid.UUID, tenant_id: uuid.UUID | None
) -> Principal | None:
    """Who a stored sign-in (refresh token, authorization code) belongs to, as they
    are now: None when the account, operator, staff member or tenant is disabled."""
    if kind == "account":
        account = await Account.objects().where(Account.id == principal_id).first()
        if account is None or account.status != "active":
            return None
        return Principal(
            kind="account", id=account.id, username=account.username, name=account.name
        )
    if kind == "operator":
        operator = await Operator.objects().where(Operator.id == principal_id).first()
        if operator is None or operator.status != "active":
            return None
        return Principal(
            kind="operator", id=operator.id, username=operator.username, name=operator.name
        )
    staff = await Staff.objects().where(Staff.id == principal_id).first()
    tenant = await Tenant.objects().where(Tenant.id == tenant_id).first()
    if staff is None or tenant is None or staff.status != "active" or tenant.status != "active":
        return None
    return Principal(
        kind="staff",
        id=staff.id,
        username=staff.username,
        name=staff.name,
        tenant_id=tenant.id,
        tenant_slug=tenant.slug,
    )


async def refresh(token: str, tokens: TokenService, ip: str = "") -> TokenOut:
    now = datetime.now(UTC)
    async with db.transaction():
        row = await RefreshToken.objects().where(RefreshToken.token_hash == _digest(token)).first()
        if row is None or row.revoked_at is not None or row.expires_at <= now:
            raise Unauthorized(_BAD_REFRESH, code="refresh_invalid")
        used = (
            await RefreshToken.update({RefreshToken.used_at: now})
            .where((RefreshToken.id == row.id) & RefreshToken.used_at.is_null())
            .returning(RefreshToken.id)
        )
        if not used:  # a second use: the token was copied
            await RefreshToken.update({RefreshToken.revoked_at: now}).where(
                (RefreshToken.family == row.family) & RefreshToken.revoked_at.is_null()
            )
            await record(
                row.tenant,
                Actor(kind=row.principal_kind, id=str(row.principal_id), ip=ip),
                "refresh_reused",
                detail={"family": str(row.family)},
            )
            reused = True
        else:
            reused = False
            principal = await current_principal(row.principal_kind, row.principal_id, row.tenant)
    if reused:
        raise Unauthorized(_BAD_REFRESH, code="refresh_reused")
    if principal is None:
        raise Unauthorized(N_("该账号已停用，请联系管理员"), code="account_disabled")
    return await issue_pair(principal, tokens, family=row.family)


async def logout(principal: Principal, refresh_token: str | None, revoked: Store, ip: str) -> None:
    """Revoke the access token now, and the refresh family if its token is given."""
    remaining = max(1, principal.expires_at - int(time.time()))
    if principal.token_id:
        await revoked.set(f"jti:{principal.token_id}", b"1", expires_in=remaining)
    if refresh_token:
        row = (
            await RefreshToken.objects()
            .where(
                (RefreshToken.token_hash == _digest(refresh_token))
                & (RefreshToken.principal_id == principal.id)
            )
            .first()
        )
        if row is not None:
            await RefreshToken.update({RefreshToken.revoked_at: datetime.now(UTC)}).where(
                (RefreshToken.family == row.family) & RefreshToken.revoked_at.is_null()
            )
    await record(
        principal.tenant_id,
        Actor(kind=principal.kind, id=str(principal.id), name=principal.name, ip=ip),
        "logout",
        target=principal.username,
    )


async def is_revoked(principal: Principal, revoked: Store) -> bool:
    return bool(principal.token_id) and await revoked.exists(f"jti:{principal.token_id}")
