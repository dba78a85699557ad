"""Application and case API shapes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec

from govhall.sdk import FeeLine


class MaterialRef(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    material_code: str
    blob_id: uuid.UUID


class ApplicationCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    item_code: str
    form: dict[str, Any]
    materials: list[MaterialRef] = msgspec.field(default_factory=list)
    handling_unit: str | None = None
    """Code of the unit to apply to, when several offer the item (e.g. the town)."""


class ApplicationOut(msgspec.Struct, kw_only=True):
    serial_number: str
    query_code: str
    """Shown once: keep it to check progress without logging in."""
    status: str
    status_label: str
    fees: list[FeeLine]
    fee_total_fen: int
    handling_unit: str
    promised_days: int
    outstanding_materials: list[str]
    """Codes of materials allowed to follow by correction (容缺受理) that were not sent."""


class TimelineEntry(msgspec.Struct, kw_only=True):
    seq: int
    action: str
    action_label: str
    step: str
    step_label: str
    to_status: str
    at: datetime
    opinion: str | None
    """Reasons are shown to the applicant for refusals and denials only."""


class ProgressOut(msgspec.Struct, kw_only=True):
    serial_number: str
    item_code: str
    item_name: str
    status: str
    status_label: str
    decision: str | None
    submitted_at: datetime
    concluded_at: datetime | None
    timeline: list[TimelineEntry]


class CaseAction(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    action: str
    opinion: str = ""


class CaseActionOut(msgspec.Struct, kw_only=True):
    serial_number: str
    action: str
    status: str
    status_label: str
    step: str | None
    decision: str | None
