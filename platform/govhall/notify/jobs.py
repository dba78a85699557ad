"""Notification jobs, run by the job queue (inline or an RQ worker)."""

from __future__ import annotations

import uuid
from typing import Any

from govhall.notify.tables import InboxMessage


async def deliver_inbox(
    *,
    dedupe_key: str,
    tenant_id: str,
    recipient_kind: str,
    recipient_id: str,
    template: str,
    params: dict[str, Any],
    case_id: str | None = None,
) -> None:
    """Write one inbox message. Safe to retry: a message is stored once per dedupe key."""
    await InboxMessage.insert(
        InboxMessage(
            dedupe_key=dedupe_key,
            tenant=uuid.UUID(tenant_id),
            recipient_kind=recipient_kind,
            recipient_id=uuid.UUID(recipient_id),
            case=uuid.UUID(case_id) if case_id else None,
            template=template,
            params=params,
        )
    ).on_conflict(action="DO NOTHING")
