"""Real-time messages between staff (R-W7): one-to-one conversations, groups, and
each case's comments, with history and unread counts, delivered live.

Messages are rows first (history, unread counts, nothing lost when nobody is
connected); then each member's channel ``staff:{id}`` is told through Litestar's
channels plugin — Redis pub/sub in production, so a socket held by any app
process receives it; memory in the embedded default's single process.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import msgspec
from litestar.channels import ChannelsPlugin

from govhall import db
from govhall.cases.tables import Case
from govhall.errors import Forbidden, InvalidInput, NotFound
from govhall.i18n import N_
from govhall.identity.access import require_staff_of
from govhall.identity.services import covers, grants_of, org_unit_path
from govhall.identity.tables import Staff
from govhall.identity.tokens import Principal
from govhall.messaging.tables import Conversation, Member, Message
from govhall.tenancy.schemas import TenantInfo

if TYPE_CHECKING:
    from govhall.services import Services

#: The longest message taken (a paragraph or two, not a document).
MAX_BODY = 2000
MAX_GROUP = 200
#: Roles that handle cases and so may read and write a case's comments.
CASE_ROLES = ("clerk", "handler", "reviewer", "approver", "issuer", "supervisor")


def live(services: Services) -> ChannelsPlugin:
    assert services.live is not None, "Services.build always makes the channels"
    return services.live


def staff_channel(staff_id: uuid.UUID) -> str:
    return f"staff:{staff_id}"


class ConversationIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    members: list[str]
    """Usernames of the other staff; one makes a one-to-one conversation."""
    title: str = ""


class MessageIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    body: str


class MessageOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    conversation: uuid.UUID
    seq: int
    sender: str
    sender_name: str
    body: str
    created_at: datetime
    mine: bool = False


class ConversationOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    kind: str
    title: str
    members: list[str]
    unread: int
    last_at: datetime
    case: str | None = None


async def _staff_ids(tenant: TenantInfo, usernames: list[str]) -> dict[str, dict[str, Any]]:
    names = sorted({u.strip() for u in usernames if u.strip()})
    if not names:
        raise InvalidInput(N_("请选择要发消息的同事"), code="members_required")
    if len(names) > MAX_GROUP:
        raise InvalidInput(N_("一个群组最多 {limit} 人"), code="group_too_large", limit=MAX_GROUP)
    rows = await Staff.select(Staff.id, Staff.username, Staff.name).where(
        (Staff.tenant == tenant.id) & Staff.username.is_in(names)
    )
    found = {r["username"]: r for r in rows}
    missing = [n for n in names if n not in found]
    if missing:
        raise NotFound(
            N_("找不到工作人员：{names}"), code="staff_not_found", names="、".join(missing)
        )
    return found


async def start_conversation(
    tenant: TenantInfo, staff: Principal, data: ConversationIn
) -> ConversationOut:
    """One-to-one (found again if it exists) or a group with a title."""
    require_staff_of(staff, tenant)
    others = await _staff_ids(tenant, data.members)
    others.pop(staff.username, None)
    if not others:
        raise InvalidInput(N_("请选择要发消息的同事"), code="members_required")
    ids = sorted([staff.id, *(r["id"] for r in others.values())], key=str)
    pair = None
    if len(others) == 1 and not data.title.strip():
        pair = ":".join(str(i) for i in ids)
        existing = (
            await Conversation.select(Conversation.id).where(Conversation.pair == pair).first()
        )
        if existing:
            return await conversation_view(tenant, staff, existing["id"])
    elif not data.title.strip():
        raise InvalidInput(N_("请为群组起个名字"), code="group_title_required")
    conversation = Conversation(
        tenant=tenant.id,
        kind="direct" if pair else "group",
        title=data.title.strip()[:100],
        pair=pair,
        created_by=staff.id,
    )
    async with db.transaction():
        await conversation.save()
        await Member.insert(
            *[Member(tenant=tenant.id, conversation=conversation.id, staff=i) for i in ids]
        )
    return await conversation_view(tenant, staff, conversation.id)


async def _membership(tenant: TenantInfo, staff: Principal, conversation_id: uuid.UUID) -> Any:
    require_staff_of(staff, tenant)
    member = (
        await Member.select(Member.id, Member.read_seq)
        .where(
            (Member.tenant == tenant.id)
            & (Member.conversation == conversation_id)
            & (Member.staff == staff.id)
        )
        .first()
    )
    if member is None:
        raise NotFound(N_("找不到该会话"), code="conversation_not_found")
    return member


async def send_message(
    live: ChannelsPlugin,
    tenant: TenantInfo,
    staff: Principal,
    conversation_id: uuid.UUID,
    data: MessageIn,
) -> MessageOut:
    """Store the message (numbered within its conversation), then tell every member."""
    await _membership(tenant, staff, conversation_id)
    return await _post(live, tenant, staff, conversation_id, data)


async def _post(
    live: ChannelsPlugin,
    tenant: TenantInfo,
    staff: Principal,
    conversation_id: uuid.UUID,
    data: MessageIn,
) -> MessageOut:
    body = data.body.strip()
    if not body:
        raise InvalidInput(N_("消息不能为空"), code="message_empty")
    if len(body) > MAX_BODY:
        raise InvalidInput(
            N_("消息过长（最多 {limit} 字）"), code="message_too_long", limit=MAX_BODY
        )
    now = datetime.now(UTC)
    table = Conversation._meta.tablename
    cid: object = conversation_id if db.is_postgres() else str(conversation_id)
    async with db.transaction():
        # The counter is advanced atomically, so two messages sent at once get 1 and 2.
        rows = await Conversation.raw(
            f"UPDATE {table} SET last_seq = last_seq + 1, last_at = {{}} "  # noqa: S608
            "WHERE id = {} RETURNING last_seq",
            now,
            cid,
        )
        message = Message(
            tenant=tenant.id,
            conversation=conversation_id,
            seq=int(rows[0]["last_seq"]),
            sender=staff.id,
            sender_name=staff.name,
            body=body,
            created_at=now,
        )
        await message.save()
        # The sender has read their own message.
        await Member.update({Member.read_seq: message.seq}).where(
            (Member.conversation == conversation_id) & (Member.staff == staff.id)
        )
    out = MessageOut(
        id=message.id,
        conversation=conversation_id,
        seq=message.seq,
        sender=staff.username,
        sender_name=staff.name,
        body=body,
        created_at=now,
    )
    members = await Member.select(Member.staff).where(Member.conversation == conversation_id)
    event = {"type": "message", **msgspec.to_builtins(out)}
    live.publish(event, [staff_channel(m["staff"]) for m in members])
    return out


async def history(
    tenant: TenantInfo,
    staff: Principal,
    conversation_id: uuid.UUID,
    *,
    before: int | None = None,
    limit: int = 50,
    mark_read: bool = True,
) -> list[MessageOut]:
    """The latest messages (or those before ``before``), oldest first; reading them
    marks the conversation read."""
    await _membership(tenant, staff, conversation_id)
    where: Any = Message.conversation == conversation_id
    if before is not None:
        where &= Message.seq < before
    rows = (
        await Message.select(
            Message.id,
            Message.seq,
            Message.sender,
            Message.sender.username,
            Message.sender_name,
            Message.body,
            Message.created_at,
        )
        .where(where)
        .order_by(Message.seq, ascending=False)
        .limit(min(max(limit, 1), 200))
    )
    rows.reverse()
    if mark_read and rows and before is None:
        await mark_read_up_to(tenant, staff, conversation_id, rows[-1]["seq"])
    return [
        MessageOut(
            id=r["id"],
            conversation=conversation_id,
            seq=r["seq"],
            sender=r["sender.username"],
            sender_name=r["sender_name"],
            body=r["body"],
            created_at=r["created_at"],
            mine=r["sender"] == staff.id,
        )
        for r in rows
    ]


async def mark_read_up_to(
    tenant: TenantInfo, staff: Principal, conversation_id: uuid.UUID, seq: int
) -> None:
    await Member.update({Member.read_seq: seq}).where(
        (Member.tenant == tenant.id)
        & (Member.conversation == conversation_id)
        & (Member.staff == staff.id)
        & (Member.read_seq < seq)
    )


async def conversations_of(tenant: TenantInfo, staff: Principal) -> list[ConversationOut]:
    """The staff member's conversations, latest first, each with its unread count."""
    require_staff_of(staff, tenant)
    mine = (
        await Member.select(
            Member.conversation,
            Member.read_seq,
            Member.conversation.kind,
            Member.conversation.title,
            Member.conversation.last_seq,
            Member.conversation.last_at,
            Member.conversation.case.serial_number,  # type: ignore[union-attr]
        )
        .where((Member.tenant == tenant.id) & (Member.staff == staff.id))
        .order_by(Member.conversation.last_at, ascending=False)
        .limit(200)
    )
    ids = [m["conversation"] for m in mine]
    names: dict[Any, list[str]] = {}
    if ids:
        for row in await Member.select(Member.conversation, Member.staff.name).where(
            Member.conversation.is_in(ids) & (Member.staff != staff.id)
        ):
            names.setdefault(row["conversation"], []).append(row["staff.name"])
    return [
        ConversationOut(
            id=m["conversation"],
            kind=m["conversation.kind"],
            title=m["conversation.title"] or "、".join(sorted(names.get(m["conversation"], []))),
            members=sorted(names.get(m["conversation"], [])),
            unread=max(0, m["conversation.last_seq"] - m["read_seq"]),
            last_at=m["conversation.last_at"],
            case=m["conversation.case.serial_number"],
        )
        for m in mine
    ]


async def conversation_view(
    tenant: TenantInfo, staff: Principal, conversation_id: uuid.UUID
) -> ConversationOut:
    await _membership(tenant, staff, conversation_id)
    found = next(
        (c for c in await conversations_of(tenant, staff) if c.id == conversation_id), None
    )
    if found is None:
        raise NotFound(N_("找不到该会话"), code="conversation_not_found")
    return found


async def unread_total(tenant: TenantInfo, staff: Principal) -> int:
    return sum(c.unread for c in await conversations_of(tenant, staff))


# --- comments on a case ----------------------------------------------------------------


async def _case_thread(tenant: TenantInfo, staff: Principal, serial_number: str) -> uuid.UUID:
    """The case's comment conversation (made on first use); the caller joins it.
    Only staff holding a handling role over the case's unit read or write it."""
    require_staff_of(staff, tenant)
    case = (
        await Case.select(Case.id, Case.department, Case.serial_number)
        .where((Case.tenant == tenant.id) & (Case.serial_number == serial_number.strip()))
        .first()
    )
    if case is None:
        raise NotFound(
            N_("找不到办件 {serial_number}"), code="case_not_found", serial_number=serial_number
        )
    path = await org_unit_path(case["department"])
    grants = await grants_of(staff.id, tenant)
    if not any(covers(grants, role, path) for role in CASE_ROLES):
        raise Forbidden(N_("只有办理该办件的工作人员可以查看批注"), code="case_comments_forbidden")
    found = (
        await Conversation.select(Conversation.id)
        .where((Conversation.tenant == tenant.id) & (Conversation.case == case["id"]))
        .first()
    )
    if found is None:
        conversation = Conversation(
            tenant=tenant.id,
            kind="case",
            title=case["serial_number"],
            case=case["id"],
            created_by=staff.id,
        )
        await conversation.save()
        conversation_id = conversation.id
    else:
        conversation_id = found["id"]
    await Member.insert(
        Member(tenant=tenant.id, conversation=conversation_id, staff=staff.id)
    ).on_conflict(action="DO NOTHING")
    return uuid.UUID(str(conversation_id))


async def comment_on_case(
    live: ChannelsPlugin, tenant: TenantInfo, staff: Principal, serial_number: str, data: MessageIn
) -> MessageOut:
    conversation_id = await _case_thread(tenant, staff, serial_number)
    return await _post(live, tenant, staff, conversation_id, data)


async def case_comments(
    tenant: TenantInfo, staff: Principal, serial_number: str
) -> tuple[uuid.UUID, list[MessageOut]]:
    conversation_id = await _case_thread(tenant, staff, serial_number)
    return conversation_id, await history(tenant, staff, conversation_id, limit=200)
