"""Notifications: which message goes to whom, queued as jobs; reading the inbox."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import msgspec

from govhall.i18n import N_, Localized, translate
from govhall.identity.tokens import Principal
from govhall.jobs.queue import JobQueue
from govhall.notify.deliveries import queue_deliveries
from govhall.notify.tables import InboxMessage
from govhall.statements import new_row
from govhall.tenancy.schemas import TenantInfo

DELIVER_INBOX = "govhall.notify.jobs.deliver_inbox"

#: Inbox templates: zh-CN message ids filled with the message's params on reading.
TEMPLATES: dict[str, str] = {
    "case_submitted": N_("您的申请“{item}”已提交，办件编号 {serial_number}，请留意办理进度。"),
    "case_accept": N_("您的办件 {serial_number}（{item}）已受理。"),
    "case_reject": N_("您的办件 {serial_number}（{item}）不予受理，理由：{opinion}"),
    "case_approve": N_("您的办件 {serial_number}（{item}）已审批通过。"),
    "case_deny": N_("您的办件 {serial_number}（{item}）不予许可，理由：{opinion}"),
    "case_conclude": N_("您的办件 {serial_number}（{item}）已办结，请按告知方式领取结果。"),
    "case_confirm": N_("您预办理的申请 {serial_number}（{item}）已在窗口确认收件。"),
    "case_request_correction": N_(
        "您的办件 {serial_number}（{item}）需要补正材料，请按补正告知书一次性补齐：{opinion}"
    ),
    "case_return_to_applicant": N_("您的办件 {serial_number}（{item}）需要补充：{opinion}"),
    "case_receive_correction": N_("您的办件 {serial_number}（{item}）补正材料已收到。"),
    "case_pause": N_(
        "您的办件 {serial_number}（{item}）进入特别程序，所需时间不计入办理时限：{opinion}"
    ),
    "case_extend": N_("您的办件 {serial_number}（{item}）办理期限已依法延长，理由：{opinion}"),
    "case_deem_accept": N_(
        "您的办件 {serial_number} 在 5 个工作日内未收到受理决定，依法自收到申请材料之日起视为受理。"
    ),
    "case_deadline_moved": N_(
        "节假日安排调整后，您的办件 {serial_number} 的{clock}由 {before} 调整为 {after}。"
    ),
    "rating_rectified": N_("您对办件 {serial_number} 的评价已处理（{result}）：{explanation}"),
    "case_terminate": N_("您的办件 {serial_number}（{item}）已终止办理，理由：{opinion}"),
    # To staff, from the supervision sweep.
    "signal_warning": N_("预警：办件 {serial_number} 的办理期限 {deadline} 即将到期，请抓紧办理。"),
    "signal_yellow": N_("黄牌：办件 {serial_number} 已超过办理期限（{deadline}），请督促办理。"),
    "signal_red": N_("红牌：办件 {serial_number} 已严重超期（期限 {deadline}），请立即督办。"),
    # A text to a department's responsible leader, once per sweep that raised cards.
    "signal_digest": N_(
        "【电子监察】{unit}新增红牌 {red} 件、黄牌 {yellow} 件（如办件 {serial_number}），"
        "请登录网上审批系统督办。"
    ),
}


class InboxEntry(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    template: str
    text: str
    serial_number: str | None
    created_at: datetime
    read: bool


def applicant_params(item: Localized, serial_number: str, opinion: str = "") -> dict[str, Any]:
    """The params of an applicant's message about a case event."""
    return {"item": dict(item), "serial_number": serial_number, "opinion": opinion}


def _event_key(case_id: uuid.UUID, event_seq: int) -> str:
    return f"case:{case_id}:{event_seq}"


def _inbox_key(case_id: uuid.UUID, event_seq: int) -> str:
    """The applicant's inbox message's dedupe key, however the message is written."""
    return f"{_event_key(case_id, event_seq)}:account"


def applicant_message(
    *,
    tenant_id: uuid.UUID,
    applicant_id: uuid.UUID,
    case_id: uuid.UUID,
    event_seq: int,
    template: str,
    params: dict[str, Any],
) -> InboxMessage:
    """The applicant's inbox row for one case event, for writing in the event's own
    transaction; its dedupe key is the one :func:`notify_applicant`'s job uses, so the
    message is stored once whichever way it comes."""
    return new_row(
        InboxMessage,
        dedupe_key=_inbox_key(case_id, event_seq),
        tenant=tenant_id,
        recipient_kind="account",
        recipient_id=applicant_id,
        case=case_id,
        template=template,
        params=params,
    )


async def queue_applicant_deliveries(
    queue: JobQueue,
    *,
    tenant: TenantInfo,
    applicant_id: uuid.UUID,
    case_id: uuid.UUID,
    event_seq: int,
    template: str,
    params: dict[str, Any],
) -> None:
    """The texts and e-mails of one case event, on the channels the applicant chose."""
    await queue_deliveries(
        queue,
        tenant=tenant,
        account_id=applicant_id,
        event_key=_event_key(case_id, event_seq),
        template=template,
        params=params,
    )


async def notify_applicant(
    queue: JobQueue,
    *,
    tenant: TenantInfo,
    applicant_id: uuid.UUID | None,
    case_id: uuid.UUID,
    event_seq: int,
    template: str,
    item: Localized,
    serial_number: str,
    opinion: str = "",
) -> None:
    """Queue the applicant's inbox message for one case event (if it has a template)
    and its deliveries on the applicant's channels."""
    if applicant_id is None or template not in TEMPLATES:
        return
    params = applicant_params(item, serial_number, opinion)
    await queue.enqueue(
        DELIVER_INBOX,
        dedupe_key=_inbox_key(case_id, event_seq),
        tenant_id=str(tenant.id),
        recipient_kind="account",
        recipient_id=str(applicant_id),
        template=template,
        params=params,
        case_id=str(case_id),
    )
    await queue_applicant_deliveries(
        queue,
        tenant=tenant,
        applicant_id=applicant_id,
        case_id=case_id,
        event_seq=event_seq,
        template=template,
        params=params,
    )


def resolve_params(params: dict[str, Any]) -> dict[str, Any]:
    """Stored params with bilingual values ({"zh-CN": …, "en": …}) as Localized."""
    return {
        key: Localized(value["zh-CN"], value.get("en", "")) if isinstance(value, dict) else value
        for key, value in params.items()
    }


def render(template: str, params: dict[str, Any], locale: str) -> str:
    return translate(TEMPLATES.get(template, template), locale, **resolve_params(params))


async def inbox(
    tenant: TenantInfo, reader: Principal, locale: str, limit: int = 50
) -> list[InboxEntry]:
    rows = (
        await InboxMessage.select(
            InboxMessage.id,
            InboxMessage.template,
            InboxMessage.params,
            InboxMessage.created_at,
            InboxMessage.read_at,
        )
        .output(load_json=True)
        .where(
            (InboxMessage.tenant == tenant.id)
            & (InboxMessage.recipient_kind == reader.kind)
            & (InboxMessage.recipient_id == reader.id)
        )
        .order_by(InboxMessage.created_at, ascending=False)
        .limit(limit)
    )
    entries = []
    for row in rows:
        params = row["params"]
        entries.append(
            InboxEntry(
                id=row["id"],
                template=row["template"],
                text=render(row["template"], params, locale),
                serial_number=params.get("serial_number"),
                created_at=row["created_at"],
                read=row["read_at"] is not None,
            )
        )
    return entries


async def mark_read(tenant: TenantInfo, reader: Principal, message_id: uuid.UUID) -> None:
    await InboxMessage.update({InboxMessage.read_at: datetime.now(UTC)}).where(
        (InboxMessage.id == message_id)
        & (InboxMessage.tenant == tenant.id)
        & (InboxMessage.recipient_kind == reader.kind)
        & (InboxMessage.recipient_id == reader.id)
        & InboxMessage.read_at.is_null()
    )


async def mark_all_read(tenant: TenantInfo, reader: Principal) -> None:
    await InboxMessage.update({InboxMessage.read_at: datetime.now(UTC)}).where(
        (InboxMessage.tenant == tenant.id)
        & (InboxMessage.recipient_kind == reader.kind)
        & (InboxMessage.recipient_id == reader.id)
        & InboxMessage.read_at.is_null()
    )
