"""Catalogue API shapes: item summaries and full service guides (办事指南)."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec

from govhall.sdk import FeeRule, MaterialSpec


class DepartmentRef(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    code: str
    name: str
    name_en: str


class ItemSummary(msgspec.Struct, kw_only=True):
    code: str
    name: str
    name_en: str
    item_type: str
    item_type_label: str
    department: DepartmentRef
    statutory_days: int
    promised_days: int
    on_the_spot: bool
    categories: tuple[str, ...]
    audience: tuple[str, ...]


class FlowStepOut(msgspec.Struct, kw_only=True):
    key: str
    name: str
    name_en: str


class ItemGuide(ItemSummary, kw_only=True):
    version: str
    legal_implementer: str
    legal_basis: tuple[str, ...]
    conditions: tuple[str, ...]
    procedure: tuple[str, ...]
    form: dict[str, Any]
    """The application form as JSON Schema 2020-12."""
    form_ui: dict[str, Any]
    materials: tuple[MaterialSpec, ...]
    fees: tuple[FeeRule, ...]
    fee_free: bool
    result_name: str
    keywords: tuple[str, ...]
    consultation_phone: str
    complaint_phone: str
    flow: list[FlowStepOut]
