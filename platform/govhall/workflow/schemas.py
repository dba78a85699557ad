"""Worklist API shapes."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import msgspec


class WorkItem(msgspec.Struct, kw_only=True):
    task_id: uuid.UUID
    serial_number: str
    item_code: str
    item_name: str
    applicant_name: str
    step: str
    step_label: str
    role: str
    status: str
    status_label: str
    submitted_at: datetime
    waiting_since: datetime
    due_on: date | None = None
    """The step's deadline (or the acceptance deadline at the first step)."""
    branch: str = ""


class WorklistPage(msgspec.Struct, kw_only=True):
    items: list[WorkItem]
    total: int
    page: int
    page_size: int
