"""Federated sign-in to an upstream OpenID provider configured per tenant (R-I4),
e.g. a provincial identity platform, for the tenant's staff or the public.

Authlib's httpx client runs the authorization code flow with PKCE, state and
nonce; the ID token is checked with joserfc against the provider's published
keys (issuer, audience, expiry, nonce). An upstream subject is linked to a
govhall account or staff member the first time: by the configured username
claim; later sign-ins follow the link. The result is a govhall web session.
"""

from __future__ import annotations

import secrets
from typing import Any

import httpx2 as httpx
import msgspec
from authlib.integrations.httpx_client import AsyncOAuth2Client
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from govhall import db
from govhall.audit.services import Actor, record
from govhall.errors import Forbidden, InvalidInput, NotFound, Unauthorized, Unavailable
from govhall.i18n import N_
from govhall.identity import fieldcrypt
from govhall.identity.services import require_admin_scope
from govhall.identity.tables import Account, FederatedIdentity, Staff, UpstreamProvider
from govhall.identity.tokens import Principal
from govhall.settings import Settings
from govhall.tenancy.schemas import TenantInfo

SEALED_COLUMN = "identity_upstream_provider.client_secret"


class ProviderIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    key: str
    name: str
    audience: str
    """staff | public"""
    issuer: str
    client_id: str
    client_secret: str
    scope: str = "openid profile"
    username_claim: str = "preferred_username"


class ProviderOut(msgspec.Struct, kw_only=True):
    key: str
    name: str
    audience: str
    issuer: str
    client_id: str
    login_url: str


async def add_provider(
    tenant: TenantInfo, admin: Principal, data: ProviderIn, ip: str
) -> ProviderOut:
    await require_admin_scope(tenant, admin)
    if data.audience not in ("staff", "public") or not data.key.isidentifier():
        raise InvalidInput(N_("单点登录配置有误，请按提示修改"), code="invalid_sso_provider")
    async with db.transaction():
        await UpstreamProvider(
            tenant=tenant.id,
            key=data.key,
            name=data.name,
            audience=data.audience,
            issuer=data.issuer.rstrip("/"),
            client_id=data.client_id,
            client_secret_sealed=fieldcrypt.cipher().seal(data.client_secret, SEALED_COLUMN),
            scope=data.scope,
            username_claim=data.username_claim,
        ).save()
        await record(
            tenant.id,
            Actor(kind="staff", id=str(admin.id), name=admin.name, ip=ip),
            "sso_provider_added",
            target=data.key,
            detail={"issuer": data.issuer, "audience": data.audience},
        )
    return _out(tenant, data.key, data.name, data.audience, data.issuer, data.client_id)


def _out(
    tenant: TenantInfo, key: str, name: str, audience: str, issuer: str, client_id: str
) -> ProviderOut:
    return ProviderOut(
        key=key,
        name=name,
        audience=audience,
        issuer=issuer,
        client_id=client_id,
        login_url=f"/t/{tenant.slug}/sso/{key}/login",
    )


async def list_providers(tenant: TenantInfo, admin: Principal) -> list[ProviderOut]:
    await require_admin_scope(tenant, admin)
    rows = await UpstreamProvider.objects().where(UpstreamProvider.tenant == tenant.id)
    return [_out(tenant, r.key, r.name, r.audience, r.issuer, r.client_id) for r in rows]


async def _provider(tenant: TenantInfo, key: str) -> UpstreamProvider:
    row = (
        await UpstreamProvider.objects()
        .where(
            (UpstreamProvider.tenant == tenant.id)
            & (UpstreamProvider.key == key)
            & (UpstreamProvider.enabled == True)  # noqa: E712 - a Piccolo expression
        )
        .first()
    )
    if row is None:
        raise NotFound(N_("找不到该单点登录方式"), code="sso_provider_not_found")
    return row


async def _metadata(issuer: str) -> dict[str, Any]:
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.get(f"{issuer}/.well-known/openid-configuration")
            response.raise_for_status()
            data: dict[str, Any] = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise Unavailable(
            N_("统一身份认证平台暂时无法访问，请稍后再试"), code="sso_unavailable"
        ) from exc
    if data.get("issuer", "").rstrip("/") != issuer:
        raise Unavailable(N_("统一身份认证平台的配置与登记不符"), code="sso_issuer_mismatch")
    return data


def _client(row: UpstreamProvider, settings: Settings, tenant: TenantInfo) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(
        client_id=row.client_id,
        client_secret=fieldcrypt.cipher().open(row.client_secret_sealed, SEALED_COLUMN),
        scope=row.scope,
        redirect_uri=f"{settings.public_url}/t/{tenant.slug}/sso/{row.key}/callback",
        code_challenge_method="S256",
        timeout=10,
    )


async def begin(
    tenant: TenantInfo, key: str, settings: Settings, session: dict[str, Any], next_url: str
) -> str:
    """The upstream authorization URL; state, nonce and verifier go in the session."""
    row = await _provider(tenant, key)
    metadata = await _metadata(row.issuer)
    verifier = secrets.token_urlsafe(48)
    nonce = secrets.token_urlsafe(16)
    async with _client(row, settings, tenant) as client:
        url, state = client.create_authorization_url(
            metadata["authorization_endpoint"], code_verifier=verifier, nonce=nonce
        )
    session["sso"] = {
        "state": state,
        "nonce": nonce,
        "verifier": verifier,
        "key": key,
        "tenant": tenant.slug,
        "next": next_url,
    }
    return str(url)


async def finish(
    tenant: TenantInfo,
    key: str,
    settings: Settings,
    pending: dict[str, Any] | None,
    params: dict[str, str],
    ip: str,
) -> tuple[Principal, str]:
    """Check the callback, exchange the code, verify the ID token; the local principal
    and where to go next."""
    if (
        not pending
        or pending.get("key") != key
        or pending.get("tenant") != tenant.slug
        or not params.get("state")
        or params["state"] != pending.get("state")
    ):
        raise Unauthorized(N_("登录请求已失效，请重新登录"), code="sso_state_invalid")
    if params.get("error") or not params.get("code"):
        raise Unauthorized(N_("统一身份认证平台未完成登录"), code="sso_denied")
    row = await _provider(tenant, key)
    metadata = await _metadata(row.issuer)
    try:
        async with _client(row, settings, tenant) as client:
            token = await client.fetch_token(
                metadata["token_endpoint"],
                code=params["code"],
                code_verifier=pending["verifier"],
            )
            keys = (await client.get(metadata["jwks_uri"])).json()
        decoded = jwt.decode(token["id_token"], KeySet.import_key_set(keys))
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": row.issuer},
            aud={"essential": True, "value": row.client_id},
            sub={"essential": True},
            exp={"essential": True},
            nonce={"essential": True, "value": pending["nonce"]},
        ).validate(decoded.claims)
    except (JoseError, KeyError, ValueError, httpx.HTTPError) as exc:
        await record(
            tenant.id,
            Actor(kind="anonymous", ip=ip),
            "login_failed",
            target=key,
            detail={"method": "sso", "reason": type(exc).__name__},
        )
        raise Unauthorized(
            N_("统一身份认证平台返回的身份无法验证"), code="sso_token_invalid"
        ) from exc
    claims = decoded.claims
    principal = await _local_principal(tenant, row, str(claims["sub"]), claims, ip)
    await record(
        tenant.id,
        Actor(kind=principal.kind, id=str(principal.id), name=principal.name, ip=ip),
        "login",
        target=principal.username,
        detail={"method": "sso", "provider": key},
    )
    return principal, str(pending.get("next") or "/")


async def _local_principal(
    tenant: TenantInfo, row: UpstreamProvider, subject: str, claims: dict[str, Any], ip: str
) -> Principal:
    link = (
        await FederatedIdentity.objects()
        .where((FederatedIdentity.provider == row.id) & (FederatedIdentity.subject == subject))
        .first()
    )
    username = str(claims.get(row.username_claim) or "")
    if row.audience == "staff":
        where: Any = Staff.tenant == tenant.id
        where &= (Staff.id == link.principal_id) if link else (Staff.username == username)
        staff = await Staff.objects().where(where).first()
        found = staff is not None and staff.status == "active"
        principal = (
            Principal(
                kind="staff",
                id=staff.id,
                username=staff.username,
                name=staff.name,
                tenant_id=tenant.id,
                tenant_slug=tenant.slug,
            )
            if staff is not None and found
            else None
        )
    else:
        account_where: Any = (
            (Account.id == link.principal_id) if link else (Account.username == username)
        )
        account = await Account.objects().where(account_where).first()
        principal = (
            Principal(kind="account", id=account.id, username=account.username, name=account.name)
            if account is not None and account.status == "active"
            else None
        )
    if principal is None:
        await record(
            tenant.id,
            Actor(kind="anonymous", ip=ip),
            "login_failed",
            target=username[:64],
            detail={"method": "sso", "reason": "no_local_account"},
        )
        raise Forbidden(
            N_("统一身份认证平台的用户在本系统没有对应账号，请联系管理员"),
            code="sso_no_local_account",
        )
    if link is None:
        await FederatedIdentity(
            provider=row.id,
            subject=subject,
            principal_kind=principal.kind,
            principal_id=principal.id,
        ).save()
        await record(
            tenant.id,
            Actor(kind="system", name="sso"),
            "federated_identity_linked",
            target=principal.username,
            detail={"provider": row.key, "subject": subject},
        )
    return principal
