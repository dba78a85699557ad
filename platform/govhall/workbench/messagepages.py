"""The workbench's messages (R-W7): conversations with unread counts, a
conversation's history with a send box, comments on the case screen, and the
WebSocket at ``/t/{slug}/work/live`` that pushes every new message to the staff
member's open pages (portal.js appends it, or raises the unread badge)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import urlsplit

import msgspec
from litestar import Controller, Request, Response, WebSocket, get, post, websocket
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.exceptions import WebSocketDisconnect
from litestar.params import Body, FromPath
from litestar.response import Redirect

from govhall.errors import GovhallError
from govhall.identity.tables import Staff
from govhall.identity.tokens import Principal
from govhall.messaging.services import (
    ConversationIn,
    MessageIn,
    comment_on_case,
    conversation_view,
    conversations_of,
    history,
    live,
    send_message,
    staff_channel,
    start_conversation,
    unread_total,
)
from govhall.portal.rendering import render, request_locale
from govhall.portal.services import Portal
from govhall.portal.visitors import error_messages
from govhall.services import Services
from govhall.web.websession import SESSION_KEY
from govhall.workbench.pages import _login, signed_in_staff

FormPost = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


def _wants_json(request: Request[Any, Any, Any]) -> bool:
    return "application/json" in request.headers.get("accept", "")


class MessagePages(Controller):
    path = "/work"
    tags = ("workbench",)
    include_in_schema = False

    async def _list(
        self,
        request: Request[Any, Any, Any],
        portal: Portal,
        staff: Principal,
        status: int = 200,
        errors: dict[str, str] | None = None,
    ) -> Response[Any]:
        colleagues = (
            await Staff.select(Staff.username, Staff.name)
            .where((Staff.tenant == portal.tenant.id) & (Staff.id != staff.id))
            .order_by(Staff.name)
        )
        return render(
            request,
            "work/messages.html",
            status=status,
            portal=portal,
            staff=staff,
            conversations=await conversations_of(portal.tenant, staff),
            colleagues=colleagues,
            errors=errors or {},
        )

    @get("/messages")
    async def conversations(
        self, request: Request[Any, Any, Any], portal: NamedDependency[Portal]
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        return await self._list(request, portal, staff)

    @get("/messages/unread")
    async def unread(
        self, request: Request[Any, Any, Any], portal: NamedDependency[Portal]
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return Response({"unread": 0}, status_code=401)
        return Response({"unread": await unread_total(portal.tenant, staff)})

    @post("/messages")
    async def start(
        self, request: Request[Any, Any, Any], data: FormPost, portal: NamedDependency[Portal]
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        members = data.get("members") or []
        members = members if isinstance(members, list) else [members]
        try:
            made = await start_conversation(
                portal.tenant,
                staff,
                ConversationIn(
                    members=[str(m) for m in members], title=str(data.get("title") or "")
                ),
            )
        except GovhallError as exc:
            errors = error_messages(exc, request_locale(request))
            return await self._list(request, portal, staff, exc.status_code, errors)
        return Redirect(f"{portal.base}/work/messages/{made.id}", status_code=303)

    @get("/messages/{conversation_id:uuid}")
    async def conversation(
        self,
        request: Request[Any, Any, Any],
        conversation_id: FromPath[uuid.UUID],
        portal: NamedDependency[Portal],
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        return render(
            request,
            "work/conversation.html",
            portal=portal,
            staff=staff,
            conversation=await conversation_view(portal.tenant, staff, conversation_id),
            messages=await history(portal.tenant, staff, conversation_id),
        )

    @post("/messages/{conversation_id:uuid}")
    async def send(
        self,
        request: Request[Any, Any, Any],
        conversation_id: FromPath[uuid.UUID],
        data: FormPost,
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        body = MessageIn(body=str(data.get("body") or ""))
        sent = await send_message(live(services), portal.tenant, staff, conversation_id, body)
        if _wants_json(request):
            return Response(msgspec.to_builtins(sent), status_code=201)
        return Redirect(f"{portal.base}/work/messages/{conversation_id}", status_code=303)

    @post("/cases/{serial_number:str}/comments")
    async def comment(
        self,
        request: Request[Any, Any, Any],
        serial_number: FromPath[str],
        data: FormPost,
        portal: NamedDependency[Portal],
        services: NamedDependency[Services],
    ) -> Response[Any]:
        staff = signed_in_staff(request, portal)
        if staff is None:
            return _login(request, portal)
        body = MessageIn(body=str(data.get("body") or ""))
        sent = await comment_on_case(live(services), portal.tenant, staff, serial_number, body)
        if _wants_json(request):
            return Response(msgspec.to_builtins(sent), status_code=201)
        return Redirect(f"{portal.base}/work/cases/{serial_number}#comments", status_code=303)


def _same_origin(socket: WebSocket[Any, Any, Any]) -> bool:
    """Browsers send cookies with any site's WebSocket: refuse other sites' pages."""
    origin = socket.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == socket.headers.get("host", "")


@websocket("/work/live")
async def live_socket(
    socket: WebSocket[Any, Any, Any],
    portal: NamedDependency[Portal],
) -> None:
    """Push this staff member's new messages while a workbench page is open."""
    session = socket.scope.get("session") or {}
    found = session.get(SESSION_KEY) if isinstance(session, dict) else None
    staff = msgspec.convert(found, Principal) if found else None
    if (
        staff is None
        or staff.kind != "staff"
        or staff.tenant_id != portal.tenant.id
        or not _same_origin(socket)
    ):
        await socket.close(code=4403)
        return
    await socket.accept()

    async def forward(event: bytes) -> None:
        await socket.send_text(event.decode())

    channels = live(socket.app.state.services)
    async with (
        channels.start_subscription([staff_channel(staff.id)]) as subscriber,
        subscriber.run_in_background(forward),
    ):
        while True:
            try:
                await socket.receive_text()  # pings; returns when the page closes
            except WebSocketDisconnect:
                break
