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


class WorkFilter(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Narrowing the to-do list: by item, by handling unit (its code, with the units
    below it), by deadline signal, online submissions awaiting pre-review only; sorted."""

    item_code: str = ""
    unit: str = ""
    signal: str = ""
    """``overdue`` (past the deadline), ``near`` (due within the near-due days) or ""."""
    kind: str = ""
    """``pre_review``: online submissions not yet accepted; "" everything."""
    sort: str = "oldest"
    """``oldest`` waiting first, ``newest`` first, or ``due`` soonest deadline first."""


WORK_SIGNALS = ("", "overdue", "near")
WORK_KINDS = ("", "pre_review")
WORK_SORTS = ("oldest", "newest", "due")


class WorklistPage(msgspec.Struct, kw_only=True):
    items: list[WorkItem]
    total: int
    page: int
    page_size: int
