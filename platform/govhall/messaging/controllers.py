"""Staff messages and case comments under ``/t/{tenant}/api/v1`` (R-W7)."""

from __future__ import annotations

import uuid

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from govhall.identity.tokens import Principal
from govhall.messaging.services import (
    ConversationIn,
    ConversationOut,
    MessageIn,
    MessageOut,
    case_comments,
    comment_on_case,
    conversations_of,
    history,
    live,
    send_message,
    start_conversation,
)
from govhall.services import Services
from govhall.tenancy.schemas import TenantInfo


class MessagingController(Controller):
    tags = ("messaging",)

    @get("/messages/conversations", summary="My conversations with unread counts")
    async def conversations(
        self, tenant: NamedDependency[TenantInfo], principal: NamedDependency[Principal]
    ) -> list[ConversationOut]:
        return await conversations_of(tenant, principal)

    @post("/messages/conversations", status_code=201, summary="Start a one-to-one or group chat")
    async def start(
        self,
        data: JSONBody[ConversationIn],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
    ) -> ConversationOut:
        return await start_conversation(tenant, principal, data)

    @get(
        "/messages/conversations/{conversation_id:uuid}/messages",
        summary="A conversation's messages (latest, or before a number); marks it read",
    )
    async def messages(
        self,
        conversation_id: FromPath[uuid.UUID],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        before: FromQuery[int | None] = None,
    ) -> list[MessageOut]:
        return await history(tenant, principal, conversation_id, before=before)

    @post(
        "/messages/conversations/{conversation_id:uuid}/messages",
        status_code=201,
        summary="Send a message (delivered live to every member)",
    )
    async def send(
        self,
        conversation_id: FromPath[uuid.UUID],
        data: JSONBody[MessageIn],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> MessageOut:
        return await send_message(live(services), tenant, principal, conversation_id, data)

    @get("/cases/{serial_number:str}/comments", summary="A case's comments (its handling staff)")
    async def comments(
        self,
        serial_number: FromPath[str],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
    ) -> list[MessageOut]:
        return (await case_comments(tenant, principal, serial_number))[1]

    @post("/cases/{serial_number:str}/comments", status_code=201, summary="Comment on a case")
    async def comment(
        self,
        serial_number: FromPath[str],
        data: JSONBody[MessageIn],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> MessageOut:
        return await comment_on_case(live(services), tenant, principal, serial_number, data)
