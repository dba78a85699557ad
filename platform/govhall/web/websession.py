"""Web sessions for pages: sign-in form, who is signed in, sign-out.

Sessions are server-side (Litestar's session middleware over the app's store:
Redis in production, memory in the embedded default); the cookie is HttpOnly,
SameSite=Lax and Secure when govhall is served over https. Forms carry
Litestar's CSRF token (double-submit cookie, checked on every unsafe request
that is not a bearer-token API call). The API keeps using bearer tokens.
"""

from __future__ import annotations

import secrets
import time
from typing import Any
from urllib.parse import quote

import msgspec
from litestar import Request, Response, get, post
from litestar.connection import ASGIConnection
from litestar.middleware.session.server_side import (
    ServerSideSessionBackend,
    ServerSideSessionConfig,
)
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Redirect

from govhall.errors import GovhallError, Unauthorized
from govhall.i18n import N_, translate
from govhall.identity.schemas import AccountCreate, TokenRequest
from govhall.identity.services import authenticate, register_account
from govhall.identity.tokens import Principal
from govhall.portal.rendering import render, request_locale
from govhall.web.deps import client_ip

SESSION_KEY = "principal"


class LoginForm(msgspec.Struct, kw_only=True):
    username: str
    password: str
    tenant: str = ""
    next: str = "/"
    operator: str = ""
    """"1" on the platform operators' sign-in form."""


class SessionOut(msgspec.Struct, kw_only=True):
    kind: str
    username: str
    name: str
    tenant: str | None
    auth_time: int


def safe_next(target: str) -> str:
    """Only same-site paths: no scheme, no host, no protocol-relative '//' tricks."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


SESSION_COOKIE = "govhall_session"
SESSION_STORE = "sessions"
_NEW_SESSION_ID = "govhall.new_session_id"


class RotatingSessionBackend(ServerSideSessionBackend):
    """Litestar's server-side sessions keep the id from the cookie for good; a sign-in
    must get a new one, or a session id planted before it (session fixation) would be
    signed in too. :func:`sign_in` chooses the new id; this backend uses it."""

    def get_session_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        fresh = connection.scope.get(_NEW_SESSION_ID)
        return str(fresh) if fresh else super().get_session_id(connection)


class SessionConfig(ServerSideSessionConfig):
    _backend_class = RotatingSessionBackend


#: Session keys that survive signing in: work a signed-out visitor had in hand.
CARRIED_OVER = ("pending_form",)


async def sign_in(request: Request[Any, Any, Any], principal: Principal) -> None:
    before = request.session if "session" in request.scope and request.session else {}
    carried = {key: before[key] for key in CARRIED_OVER if key in before}
    old = request.cookies.get(SESSION_COOKIE)
    if old and old != "null":
        await request.app.stores.get(SESSION_STORE).delete(old)
    request.scope[_NEW_SESSION_ID] = secrets.token_hex(32)  # type: ignore[literal-required]
    request.set_session(
        {SESSION_KEY: msgspec.to_builtins(principal), "auth_time": int(time.time()), **carried}
    )


def session_principal(request: Request[Any, Any, Any]) -> tuple[Principal, int] | None:
    data = request.session if "session" in request.scope else None
    if not data or SESSION_KEY not in data:
        return None
    return msgspec.convert(data[SESSION_KEY], Principal), int(data.get("auth_time", 0))


def login_page(
    request: Request[Any, Any, Any],
    *,
    next_url: str,
    tenant: str,
    error: str = "",
    status: int = 200,
    operator: bool = False,
) -> Response[str]:
    return render(
        request,
        "auth/login.html",
        status=status,
        next=next_url,
        tenant=tenant,
        error=error,
        operator=operator,
    )


@get("/login", summary="Sign-in page", include_in_schema=False)
async def login_form(
    request: Request[Any, Any, Any],
    next: FromQuery[str] = "/",
    tenant: FromQuery[str] = "",
    operator: FromQuery[str] = "",
) -> Response[str]:
    return login_page(request, next_url=safe_next(next), tenant=tenant, operator=operator == "1")


@post("/login", summary="Sign in to a web session", include_in_schema=False)
async def login_submit(
    request: Request[Any, Any, Any],
    data: URLEncodedBody[LoginForm],
) -> Response[Any]:
    target = safe_next(data.next)
    try:
        principal = await authenticate(
            TokenRequest(
                username=data.username,
                password=data.password,
                tenant=None if data.operator == "1" else data.tenant or None,
                operator=data.operator == "1",
            ),
            client_ip(request),
        )
    except GovhallError as error:
        locale = request_locale(request)
        return login_page(
            request,
            next_url=target,
            tenant=data.tenant,
            error=translate(error.message, locale, **error.params),
            status=error.status_code,
            operator=data.operator == "1",
        )
    await sign_in(request, principal)
    return Redirect(target, status_code=303)


class RegisterForm(msgspec.Struct, kw_only=True):
    username: str = ""
    password: str = ""
    kind: str = "individual"
    name: str = ""
    id_number: str = ""
    credit_code: str = ""
    phone: str = ""
    email: str = ""
    next: str = "/"


def _home_tenant(target: str) -> str | None:
    """The portal the visitor came from (``/t/{slug}/…``): their account's home."""
    parts = target.split("/")
    return parts[2] if len(parts) > 2 and parts[1] == "t" and parts[2] else None


@get("/register", summary="Registration page", include_in_schema=False)
async def register_form(
    request: Request[Any, Any, Any], next: FromQuery[str] = "/"
) -> Response[str]:
    return render(request, "auth/register.html", next=safe_next(next), errors={}, typed={})


@post("/register", summary="Register a public account and sign in", include_in_schema=False)
async def register_submit(
    request: Request[Any, Any, Any], data: URLEncodedBody[RegisterForm]
) -> Response[Any]:
    """实名注册 on the portal: the same checks as the API; every problem is shown next
    to its field and what was typed is kept (never the password)."""
    target = safe_next(data.next)
    kind = data.kind if data.kind in ("individual", "enterprise") else "individual"
    try:
        await register_account(
            AccountCreate(
                username=data.username.strip(),
                password=data.password,
                kind=kind,  # type: ignore[arg-type]
                name=data.name,
                id_number=data.id_number.strip() or None if kind == "individual" else None,
                credit_code=data.credit_code.strip() or None if kind == "enterprise" else None,
                phone=data.phone.strip() or None,
                email=data.email.strip() or None,
                tenant=_home_tenant(target),
            )
        )
        principal = await authenticate(
            TokenRequest(username=data.username.strip(), password=data.password),
            client_ip(request),
        )
    except GovhallError as error:
        locale = request_locale(request)
        errors = {
            problem.field or "form": translate(problem.message, locale, **problem.params)
            for problem in reversed(error.errors)
        }
        errors.setdefault("form", translate(error.message, locale, **error.params))
        if error.code == "username_taken":
            errors["username"] = errors["form"]
        typed = {k: v for k, v in msgspec.structs.asdict(data).items() if k != "password"}
        return render(
            request,
            "auth/register.html",
            status=error.status_code,
            next=target,
            errors=errors,
            typed=typed,
        )
    await sign_in(request, principal)
    return Redirect(target, status_code=303)


@post("/logout", status_code=303, summary="Sign out of the web session", include_in_schema=False)
async def logout_submit(request: Request[Any, Any, Any]) -> Redirect:
    request.clear_session()
    return Redirect("/login", status_code=303)


@get("/session", summary="Who is signed in to this web session")
async def whoami(request: Request[Any, Any, Any]) -> SessionOut:
    found = session_principal(request)
    if found is None:
        raise Unauthorized(N_("请先登录"), code="login_required")
    principal, auth_time = found
    return SessionOut(
        kind=principal.kind,
        username=principal.username,
        name=principal.name,
        tenant=principal.tenant_slug,
        auth_time=auth_time,
    )


def login_redirect(
    request: Request[Any, Any, Any], tenant: str = "", next_path: str | None = None
) -> Redirect:
    """Send the browser to sign in, and back here (or to ``next_path``) afterwards."""
    here = next_path or request.url.path + (f"?{request.url.query}" if request.url.query else "")
    suffix = f"&tenant={quote(tenant)}" if tenant else ""
    return Redirect(f"/login?next={quote(here, safe='')}{suffix}", status_code=302)
