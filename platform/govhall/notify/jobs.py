"""Notification jobs, run by the job queue (inline or an RQ worker)."""

from __future__ import annotations

import uuid
from typing import Any

from govhall.jobs.queue import batched_by
from govhall.notify.tables import InboxMessage
from govhall.statements import insert, new_row


@batched_by("govhall.notify.jobs.deliver_inbox_many")
async def deliver_inbox(**message: Any) -> None:
    """Write one inbox message (the keywords of :func:`_message`). Safe to retry: a
    message is stored once per dedupe key."""
    await deliver_inbox_many(items=[message])


async def deliver_inbox_many(*, items: list[dict[str, Any]]) -> None:
    """:func:`deliver_inbox` for many messages in one statement (the queue merges the
    deliveries enqueued together). Safe to retry whole, for the same reason."""
    for start in range(0, len(items), 1000):
        rows = [_message(**item) for item in items[start : start + 1000]]
        await insert(*rows, skip_conflicts=True)


def _message(
    *,
    dedupe_key: str,
    tenant_id: str,
    recipient_kind: str,
    recipient_id: str,
    template: str,
    params: dict[str, Any],
    case_id: str | None = None,
) -> InboxMessage:
    return new_row(
        InboxMessage,
        dedupe_key=dedupe_key,
        tenant=uuid.UUID(tenant_id),
        recipient_kind=recipient_kind,
        recipient_id=uuid.UUID(recipient_id),
        case=uuid.UUID(case_id) if case_id else None,
        template=template,
        params=params,
    )
