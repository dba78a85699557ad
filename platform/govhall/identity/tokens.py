"""Bearer tokens: JWTs signed with HS256 through joserfc (Authlib's JOSE layer)."""

from __future__ import annotations

import functools
import time
import uuid
from typing import Any, Literal

import msgspec
from joserfc import jwt
from joserfc.errors import BadSignatureError, ExpiredTokenError, JoseError
from joserfc.jwk import OctKey

from govhall.errors import Unauthorized
from govhall.i18n import N_

ISSUER = "govhall"


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    """Who is calling: a public account, a staff member of one tenant, or a platform
    operator."""

    kind: Literal["account", "staff", "operator"]
    id: uuid.UUID
    username: str
    name: str
    tenant_id: uuid.UUID | None = None
    tenant_slug: str | None = None
    token_id: str = ""
    """The access token's ``jti`` (for revocation at logout)."""
    expires_at: int = 0


#: Tokens whose signature and claims this process has checked, kept by their exact
#: text: a client sends the same token with every request until it expires.
VERIFIED_KEPT = 4096


class TokenService:
    def __init__(self, secret_key: str, ttl_seconds: int) -> None:
        self._key = OctKey.import_key(secret_key.encode())
        self.ttl_seconds = ttl_seconds
        # Checking a token (JSON, base64, HMAC, the claims registry) was 5 % of a
        # submission's CPU. The same text verified once with this key is the same
        # principal; only its expiry moves, and it is checked on every use. Failures
        # are not kept (lru_cache keeps no exceptions). Revocation is checked apart,
        # per request, by the caller (sessions.is_revoked).
        self._verified = functools.lru_cache(maxsize=VERIFIED_KEPT)(self._decode)

    def issue(self, principal: Principal) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "sub": str(principal.id),
            "kind": principal.kind,
            "username": principal.username,
            "name": principal.name,
            "iat": now,
            "exp": now + self.ttl_seconds,
            "jti": uuid.uuid4().hex,
        }
        if principal.tenant_id is not None:
            claims["tenant"] = str(principal.tenant_id)
            claims["tenant_slug"] = principal.tenant_slug
        return jwt.encode({"alg": "HS256"}, claims, self._key)

    def verify(self, token: str) -> Principal:
        principal = self._verified(token)
        if principal.expires_at < int(time.time()):
            return self._decode(token)  # raises token_expired, as for any expired token
        return principal

    def _decode(self, token: str) -> Principal:
        try:
            decoded = jwt.decode(token, self._key, algorithms=["HS256"])
            registry = jwt.JWTClaimsRegistry(
                iss={"essential": True, "value": ISSUER},
                exp={"essential": True},
                sub={"essential": True},
            )
            registry.validate(decoded.claims)
        except ExpiredTokenError as exc:
            raise Unauthorized(N_("登录已过期，请重新登录"), code="token_expired") from exc
        except (BadSignatureError, JoseError, ValueError) as exc:
            raise Unauthorized(N_("登录凭证无效，请重新登录"), code="token_invalid") from exc
        claims = decoded.claims
        try:
            tenant = claims.get("tenant")
            return Principal(
                kind=claims["kind"],
                id=uuid.UUID(claims["sub"]),
                username=claims["username"],
                name=claims["name"],
                tenant_id=uuid.UUID(tenant) if tenant else None,
                tenant_slug=claims.get("tenant_slug"),
                token_id=str(claims.get("jti", "")),
                expires_at=int(claims["exp"]),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise Unauthorized(N_("登录凭证无效，请重新登录"), code="token_invalid") from exc
