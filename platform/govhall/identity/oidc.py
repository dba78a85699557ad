"""govhall as an OpenID Connect provider (R-I4), on Authlib's authorization server.

Clients are govhall's own consoles and department systems a tenant
administrator registers (``/t/{tenant}/api/v1/oidc-clients``): staff clients
sign in the tenant's staff, public clients the public accounts. The flow is
the authorization code flow (PKCE supported), the browser signed in by the
web session; ID tokens are ES256 JWTs, the access token is a govhall API
bearer token, and ``/oidc/userinfo`` answers for it.

Authlib's server is synchronous and framework-neutral; this module binds it to
Litestar. Everything Authlib asks for (the client, the code, the user) is read
from the database *before* Authlib runs and handed to it through a context
variable, and the codes it creates are written after, so no database call
happens inside its synchronous hooks. The code is consumed (deleted) as it is
read, so a code works once even when two requests race.
"""

from __future__ import annotations

import base64
import contextvars
import hashlib
import hmac
import os
import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import msgspec
from authlib.oauth2 import AuthorizationServer, OAuth2Error
from authlib.oauth2.rfc6749 import ClientMixin, OAuth2Request
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from joserfc.jwk import ECKey
from litestar import Request, Response

from govhall import db
from govhall.audit.services import Actor, record
from govhall.errors import FieldError, InvalidInput, NotFound
from govhall.i18n import N_
from govhall.identity.operators import require_operator
from govhall.identity.services import require_admin_scope
from govhall.identity.sessions import current_principal
from govhall.identity.tables import OidcClient, OidcCode
from govhall.identity.tokens import Principal, TokenService
from govhall.settings import Settings
from govhall.tenancy.schemas import TenantInfo

CODE_SECONDS = 300
ID_TOKEN_SECONDS = 3600


# --- signing key --------------------------------------------------------------------


def signing_key(secret_key: str) -> ECKey:
    """The provider's P-256 key, derived from the secret key (every process agrees on
    it without storing it; it changes when the secret key does)."""
    seed = HKDF(
        algorithm=hashes.SHA256(), length=48, salt=b"govhall-oidc", info=b"es256-signing-key"
    ).derive(secret_key.encode())
    order = int("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16)
    private = ec.derive_private_key(int.from_bytes(seed, "big") % (order - 1) + 1, ec.SECP256R1())
    key = ECKey.import_key(private)
    key.ensure_kid()
    return key


def jwks(secret_key: str) -> dict[str, Any]:
    return {"keys": [signing_key(secret_key).as_dict(private=False, use="sig", alg="ES256")]}


def discovery(settings: Settings) -> dict[str, Any]:
    issuer = f"{settings.public_url}/oidc"
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/token",
        "userinfo_endpoint": f"{issuer}/userinfo",
        "jwks_uri": f"{issuer}/jwks",
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "scopes_supported": ["openid", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": ["sub", "name", "preferred_username", "govhall_kind", "govhall_tenant"],
    }


# --- the models Authlib works on ---------------------------------------------------


class ClientModel(ClientMixin):  # type: ignore[misc]
    def __init__(self, row: dict[str, Any], tenant_slug: str | None) -> None:
        self.row = row
        self.client_id: str = row["client_id"]
        self.redirect_uris: list[str] = list(row["redirect_uris"])
        self.audience: str = row["audience"]
        self.tenant_id: uuid.UUID | None = row["tenant"]
        self.tenant_slug = tenant_slug

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str) -> str:
        allowed = set(str(self.row["scope"]).split())
        return " ".join(s for s in scope.split() if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        digest = hashlib.sha256(client_secret.encode()).hexdigest()
        return hmac.compare_digest(digest, str(self.row["client_secret_hash"]))

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint != "token" or method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class CodeModel:
    """A consumed authorization code as Authlib's grant reads it."""

    row: dict[str, Any]
    principal: Principal | None

    @property
    def code_challenge(self) -> str:
        return str(self.row["code_challenge"])

    @property
    def code_challenge_method(self) -> str:
        return str(self.row["code_challenge_method"])

    def get_redirect_uri(self) -> str:
        return str(self.row["redirect_uri"])

    def get_scope(self) -> str:
        return str(self.row["scope"])

    def get_nonce(self) -> str | None:
        return str(self.row["nonce"]) or None

    def get_auth_time(self) -> int:
        return int(self.row["auth_time"])

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> None:
        return None

    def is_expired(self) -> bool:
        expires: datetime = self.row["expires_at"]
        return expires <= datetime.now(UTC)


@dataclass
class _Exchange:
    """What one request prefetched for Authlib, and what Authlib produced."""

    clients: dict[str, ClientModel] = field(default_factory=dict)
    code: CodeModel | None = None
    new_codes: list[dict[str, Any]] = field(default_factory=list)


_exchange: contextvars.ContextVar[_Exchange] = contextvars.ContextVar("oidc_exchange")


def _user_info(principal: Principal, scope: str) -> UserInfo:
    info = UserInfo(sub=f"{principal.kind}:{principal.id}")
    if "profile" in scope.split():
        info["name"] = principal.name
        info["preferred_username"] = principal.username
        info["govhall_kind"] = principal.kind
        if principal.tenant_slug:
            info["govhall_tenant"] = principal.tenant_slug
    return info


class _CodeGrant(AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]  # noqa: RUF012

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        payload = request.payload.data
        principal: Principal = request.user
        _exchange.get().new_codes.append(
            {
                "code": code,
                "client_id": request.client.get_client_id(),
                "redirect_uri": payload.get("redirect_uri")
                or request.client.get_default_redirect_uri(),
                "scope": request.scope or "",
                "nonce": payload.get("nonce") or "",
                "code_challenge": payload.get("code_challenge") or "",
                "code_challenge_method": payload.get("code_challenge_method") or "",
                "principal": principal,
            }
        )

    def query_authorization_code(self, code: str, client: ClientModel) -> CodeModel | None:
        found = _exchange.get().code
        if found is None or found.row["code"] != code or found.is_expired():
            return None
        if found.row["client_id"] != client.get_client_id():
            return None
        return found

    def delete_authorization_code(self, authorization_code: CodeModel) -> None:
        return None  # consumed when it was read

    def authenticate_user(self, authorization_code: CodeModel) -> Principal | None:
        return authorization_code.principal


class _OpenID(OpenIDCode):  # type: ignore[misc]
    def __init__(self, settings: Settings) -> None:
        super().__init__(require_nonce=False)
        self.settings = settings
        self.key = signing_key(settings.secret_key)

    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        return False  # codes are single use; a nonce only binds the ID token to the request

    def resolve_client_private_key(self, client: ClientModel) -> ECKey:
        return self.key

    def get_client_algorithm(self, client: ClientModel) -> str:
        return "ES256"

    def get_encode_header(self, client: ClientModel) -> dict[str, Any]:
        return {"alg": "ES256", "kid": self.key.kid}

    def get_client_claims(self, client: ClientModel) -> dict[str, Any]:
        return {
            "iss": f"{self.settings.public_url}/oidc",
            "aud": [client.get_client_id()],
            "exp": int(time.time()) + ID_TOKEN_SECONDS,
        }

    def generate_user_info(self, user: Principal, scope: str) -> UserInfo:
        return _user_info(user, scope)


class _Request(OAuth2Request):  # type: ignore[misc]
    def __init__(self, method: str, uri: str, headers: Any, data: dict[str, str]) -> None:
        super().__init__(method, uri, headers=headers)
        self.payload = BasicOAuth2Payload(data)
        self._data = data

    @property
    def args(self) -> dict[str, str]:
        return self._data if self.method == "GET" else {}

    @property
    def form(self) -> dict[str, str]:
        return self._data if self.method != "GET" else {}


class Provider(AuthorizationServer):  # type: ignore[misc]
    def __init__(self, settings: Settings, tokens: TokenService) -> None:
        super().__init__(scopes_supported=["openid", "profile"])
        self.settings = settings
        self.tokens = tokens
        if settings.env != "prod" and not settings.public_url.startswith("https://"):
            # Authlib refuses plain http unless told: only a dev/test address runs so.
            os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")
        self.register_grant(_CodeGrant, [CodeChallenge(required=False), _OpenID(settings)])
        self.register_token_generator("default", self._generate_token)

    def _generate_token(
        self,
        grant_type: str,
        client: ClientModel,
        user: Principal | None = None,
        scope: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        assert user is not None
        return {
            "token_type": "Bearer",
            "access_token": self.tokens.issue(user),
            "expires_in": self.tokens.ttl_seconds,
            "scope": scope or "",
        }

    def query_client(self, client_id: str) -> ClientModel | None:
        return _exchange.get().clients.get(client_id)

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        return None  # access tokens are self-contained govhall bearer tokens

    def handle_response(self, status: int, body: Any, headers: Any) -> Response[Any]:
        return Response(
            content=body if isinstance(body, dict | str) else dict(body),
            status_code=status,
            headers=dict(headers),
        )

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None

    def create_oauth2_request(self, request: _Request) -> _Request:
        return request


async def load_client(client_id: str) -> ClientModel | None:
    row = (
        await OidcClient.select(*OidcClient.all_columns(), OidcClient.tenant.slug)
        .output(load_json=True)
        .where(OidcClient.client_id == client_id)
        .first()
    )
    return ClientModel(row, row["tenant.slug"]) if row else None


def _request(request: Request[Any, Any, Any], settings: Settings, data: dict[str, str]) -> _Request:
    uri = f"{settings.public_url}{request.url.path}"
    if request.method == "GET" and request.url.query:
        uri += f"?{request.url.query}"
    # Litestar's headers are case-insensitive, as Authlib expects ("Authorization").
    return _Request(request.method, uri, request.headers, data)


def audience_fits(client: ClientModel, principal: Principal) -> bool:
    """A tenant's staff client signs in that tenant's staff; a platform client (the
    consoles, registered by an operator) signs in staff of any tenant."""
    if client.audience == "staff":
        return principal.kind == "staff" and (
            client.tenant_id is None or principal.tenant_id == client.tenant_id
        )
    return principal.kind == "account"


async def authorize(
    provider: Provider, request: Request[Any, Any, Any], principal: Principal | None, auth_time: int
) -> Response[Any] | None:
    """The authorization endpoint; None means the browser must sign in first."""
    params = dict(request.query_params)
    exchange = _Exchange()
    client = await load_client(params.get("client_id", ""))
    if client is not None:
        exchange.clients[client.client_id] = client
    token = _exchange.set(exchange)
    try:
        oauth_request = _request(request, provider.settings, params)
        try:
            grant = provider.get_consent_grant(oauth_request)
        except OAuth2Error as error:
            # Without a valid client and redirect URI the error is shown here, never
            # sent to an address the client did not register.
            return Response(
                {"error": error.error, "error_description": error.description or ""},
                status_code=400,
            )
        if principal is None or client is None or not audience_fits(client, principal):
            return None
        response = provider.create_authorization_response(
            oauth_request, grant_user=principal, grant=grant
        )
    finally:
        _exchange.reset(token)
    for made in exchange.new_codes:
        who: Principal = made.pop("principal")
        await OidcCode(
            **made,
            principal_kind=who.kind,
            principal_id=who.id,
            tenant=who.tenant_id,
            auth_time=auth_time,
            expires_at=datetime.now(UTC) + timedelta(seconds=CODE_SECONDS),
        ).save()
    return response  # type: ignore[no-any-return]


async def _consume_code(code: str) -> CodeModel | None:
    """Delete the code and return it: it can be exchanged once."""
    rows = await OidcCode.delete().where(OidcCode.code == code).returning(*OidcCode.all_columns())
    if not rows:
        return None
    row = rows[0]
    principal = await current_principal(row["principal_kind"], row["principal_id"], row["tenant"])
    return CodeModel(row=row, principal=principal)


async def token(provider: Provider, request: Request[Any, Any, Any]) -> Response[Any]:
    form = {k: str(v) for k, v in (await request.form()).items()}
    exchange = _Exchange()
    client_id = form.get("client_id", "")
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:]).decode()
            client_id = unquote(decoded.partition(":")[0])
        except (ValueError, UnicodeDecodeError):
            client_id = ""
    client = await load_client(client_id)
    if client is not None:
        exchange.clients[client.client_id] = client
    if form.get("code"):
        exchange.code = await _consume_code(form["code"])
    reset = _exchange.set(exchange)
    try:
        return provider.create_token_response(_request(request, provider.settings, form))  # type: ignore[no-any-return]
    finally:
        _exchange.reset(reset)


def userinfo(principal: Principal) -> dict[str, Any]:
    return dict(_user_info(principal, "openid profile"))


# --- client registration ---------------------------------------------------------------


class ClientIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: str
    redirect_uris: list[str]
    audience: str = "staff"
    """staff (this tenant's staff sign in) | public (citizens and enterprises)."""


class ClientOut(msgspec.Struct, kw_only=True):
    client_id: str
    name: str
    redirect_uris: list[str]
    audience: str
    client_secret: str = ""
    """Shown once, at registration."""


async def register_client(
    tenant: TenantInfo | None, admin: Principal, data: ClientIn, ip: str
) -> ClientOut:
    """A tenant's client (its administrator) or, with no tenant, a platform client
    (an operator): the consoles every tenant's staff sign in to."""
    if tenant is not None:
        await require_admin_scope(tenant, admin)
    else:
        require_operator(admin)
    errors = []
    if not data.name.strip():
        errors.append(FieldError("name", N_("请填写系统名称")))
    if not data.redirect_uris or not all(
        u.startswith(("https://", "http://127.0.0.1", "http://localhost")) and "#" not in u
        for u in data.redirect_uris
    ):
        errors.append(
            FieldError(
                "redirect_uris", N_("回调地址须为 https 地址（本机调试可用 http://127.0.0.1）")
            )
        )
    if data.audience not in ("staff", "public"):
        errors.append(FieldError("audience", N_("登录对象须为 staff 或 public")))
    if errors:
        raise InvalidInput(
            N_("接入系统信息有误，请按提示修改"), code="invalid_oidc_client", errors=errors
        )
    client_id = f"gh-{secrets.token_hex(8)}"
    secret = secrets.token_urlsafe(32)
    tenant_id = tenant.id if tenant else None
    async with db.transaction():
        await OidcClient(
            tenant=tenant_id,
            client_id=client_id,
            client_secret_hash=hashlib.sha256(secret.encode()).hexdigest(),
            name=data.name.strip(),
            redirect_uris=data.redirect_uris,
            audience=data.audience,
        ).save()
        await record(
            tenant_id,
            Actor(kind=admin.kind, id=str(admin.id), name=admin.name, ip=ip),
            "oidc_client_registered",
            target=client_id,
            detail={"name": data.name, "redirect_uris": data.redirect_uris},
        )
    return ClientOut(
        client_id=client_id,
        name=data.name.strip(),
        redirect_uris=data.redirect_uris,
        audience=data.audience,
        client_secret=secret,
    )


async def list_clients(tenant: TenantInfo | None, admin: Principal) -> list[ClientOut]:
    if tenant is not None:
        await require_admin_scope(tenant, admin)
    else:
        require_operator(admin)
    rows = (
        await OidcClient.select(
            OidcClient.client_id, OidcClient.name, OidcClient.redirect_uris, OidcClient.audience
        )
        .output(load_json=True)
        .where(
            OidcClient.tenant == tenant.id if tenant is not None else OidcClient.tenant.is_null()
        )
    )
    return [ClientOut(**row) for row in rows]


async def remove_client(tenant: TenantInfo, admin: Principal, client_id: str, ip: str) -> None:
    await require_admin_scope(tenant, admin)
    async with db.transaction():
        gone = (
            await OidcClient.delete()
            .where((OidcClient.tenant == tenant.id) & (OidcClient.client_id == client_id))
            .returning(OidcClient.id)
        )
        if not gone:
            raise NotFound(N_("找不到该接入系统"), code="oidc_client_not_found")
        await record(
            tenant.id,
            Actor(kind="staff", id=str(admin.id), name=admin.name, ip=ip),
            "oidc_client_removed",
            target=client_id,
        )
