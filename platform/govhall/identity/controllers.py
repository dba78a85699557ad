"""Account registration and token issue: ``/api/v1/accounts``, ``/api/v1/auth/token``."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from govhall.identity.enterprise import (
    InviteIn,
    MemberOut,
    MembershipOut,
    accept_invitation,
    invite_member,
    list_members,
    my_memberships,
    remove_member,
)
from govhall.identity.otp import (
    ChannelName,
    CodeConfirm,
    CodeSent,
    ResetConfirm,
    ResetRequest,
    confirm_verification,
    request_reset,
    reset_password,
    send_verification,
)
from govhall.identity.schemas import (
    AccountCreate,
    AccountOut,
    LogoutRequest,
    RefreshRequest,
    TokenOut,
    TokenRequest,
)
from govhall.identity.services import issue_token, register_account
from govhall.identity.sessions import logout, refresh
from govhall.identity.tokens import Principal
from govhall.services import Services
from govhall.web.deps import client_ip


class AccountController(Controller):
    path = "/api/v1"
    tags = ("identity",)

    @post("/accounts", status_code=201, summary="Register a public account (个人/法人注册)")
    async def register(self, data: JSONBody[AccountCreate]) -> AccountOut:
        return await register_account(data)

    @post("/auth/token", status_code=200, summary="Log in and get a bearer token")
    async def token(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[TokenRequest],
        services: NamedDependency[Services],
    ) -> TokenOut:
        return await issue_token(data, services.tokens, client_ip(request))

    @post("/auth/refresh", status_code=200, summary="Exchange a refresh token for a new pair")
    async def refresh_token(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[RefreshRequest],
        services: NamedDependency[Services],
    ) -> TokenOut:
        return await refresh(data.refresh_token, services.tokens, client_ip(request))

    @post("/auth/logout", status_code=204, summary="Revoke this access token and its refresh chain")
    async def logout(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[LogoutRequest],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> None:
        await logout(principal, data.refresh_token, services.revoked, client_ip(request))


class VerificationController(Controller):
    """Phone and e-mail verification, and password reset by a verified channel."""

    path = "/api/v1"
    tags = ("identity",)

    @post("/me/verify/{channel:str}", status_code=202, summary="Send a code to the phone/e-mail")
    async def send(
        self,
        channel: FromPath[ChannelName],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
        locale: NamedDependency[str],
    ) -> CodeSent:
        return await send_verification(
            principal, channel, services.queue, services.settings.secret_key, locale
        )

    @post("/me/verify/{channel:str}/confirm", status_code=204, summary="Confirm with the code")
    async def confirm(
        self,
        request: Request[Any, Any, Any],
        channel: FromPath[ChannelName],
        data: JSONBody[CodeConfirm],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> None:
        await confirm_verification(
            principal, channel, data, services.settings.secret_key, client_ip(request)
        )

    @post("/auth/password-reset", status_code=202, summary="Send a reset code (verified channel)")
    async def reset_request(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[ResetRequest],
        services: NamedDependency[Services],
        locale: NamedDependency[str],
    ) -> CodeSent:
        return await request_reset(
            data, services.queue, services.settings.secret_key, locale, client_ip(request)
        )

    @post("/auth/password-reset/confirm", status_code=204, summary="Set a new password by code")
    async def reset_confirm(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[ResetConfirm],
        services: NamedDependency[Services],
    ) -> None:
        await reset_password(data, services.settings.secret_key, client_ip(request))


class EnterpriseController(Controller):
    """An enterprise's operators and reviewers (R-I5); invitations for individuals."""

    path = "/api/v1"
    tags = ("identity",)

    @get("/enterprise/members", summary="The enterprise's members and invitations")
    async def members(self, principal: NamedDependency[Principal]) -> list[MemberOut]:
        return await list_members(principal)

    @post("/enterprise/members", status_code=201, summary="Invite an operator or reviewer")
    async def invite(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[InviteIn],
        principal: NamedDependency[Principal],
    ) -> MemberOut:
        return await invite_member(principal, data, client_ip(request))

    @post("/enterprise/members/{username:str}/remove", status_code=204, summary="Remove a member")
    async def remove(
        self,
        request: Request[Any, Any, Any],
        username: FromPath[str],
        principal: NamedDependency[Principal],
    ) -> None:
        await remove_member(principal, username, client_ip(request))

    @get("/me/enterprises", summary="Enterprises the caller acts for or is invited to")
    async def memberships(self, principal: NamedDependency[Principal]) -> list[MembershipOut]:
        return await my_memberships(principal)

    @post(
        "/me/enterprises/{enterprise:str}/accept",
        status_code=204,
        summary="Accept an enterprise's invitation",
    )
    async def accept(
        self,
        request: Request[Any, Any, Any],
        enterprise: FromPath[str],
        principal: NamedDependency[Principal],
    ) -> None:
        await accept_invitation(principal, enterprise, client_ip(request))
