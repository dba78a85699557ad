"""Catalogue API shapes: item summaries, full service guides (办事指南), libraries.

Conditions (plain-data rules in the declaration) are given both as data, for a
screen to evaluate, and in words in both languages, for a person to read.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec

from govhall.sdk import FAQ, LegalBasis


class DepartmentRef(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    code: str
    name: str
    name_en: str
    kind: str = "department"


class ItemSummary(msgspec.Struct, kw_only=True):
    code: str
    name: str
    name_en: str
    item_type: str
    item_type_label: str
    parent_code: str
    handling_kind: str
    handling_kind_label: str
    department: DepartmentRef
    """The first (usually the only) unit offering the item."""
    handling_units: list[DepartmentRef]
    """Every unit offering it (several towns for a town-level item)."""
    statutory_days: int
    promised_days: int
    """The tenant's promise when it set one, else the plugin's."""
    on_the_spot: bool
    fee_free: bool
    categories: tuple[str, ...]
    audience: tuple[str, ...]
    keywords: tuple[str, ...]


class FlowStepOut(msgspec.Struct, kw_only=True):
    key: str
    name: str
    name_en: str


class Condition(msgspec.Struct, kw_only=True):
    rule: dict[str, Any]
    text: str
    text_en: str


class MaterialOut(msgspec.Struct, kw_only=True):
    code: str
    name: str
    name_en: str
    required: bool
    required_when: Condition | None
    copies: int
    original_check: bool
    formats: tuple[str, ...]
    max_size_mb: int
    sample_url: str | None
    source: str
    trust_level: str
    certificate_type: str
    supplementable: bool
    notes: str
    notes_en: str


class ReductionOut(msgspec.Struct, kw_only=True):
    code: str
    name: str
    name_en: str
    basis: str
    percent: int
    when: Condition


class FeeRuleOut(msgspec.Struct, kw_only=True):
    code: str
    name: str
    name_en: str
    basis: str
    standard: str
    category: str
    kind: str
    amount_fen: int
    unit_name: str
    free_units: float
    tiers: list[dict[str, Any]]
    min_fen: int | None
    max_fen: int | None
    when: Condition | None
    reductions: list[ReductionOut]


class BandOut(msgspec.Struct, kw_only=True):
    key: str
    name: str
    name_en: str
    low: int | None
    high: int | None
    decisions: tuple[str, ...]
    circumstances: tuple[str, ...]


class DiscretionOut(msgspec.Struct, kw_only=True):
    code: str
    name: str
    name_en: str
    basis: str
    subject: str
    unit: str
    low: int | None
    high: int | None
    decisions: tuple[str, ...]
    bands: list[BandOut]


class DocumentOut(msgspec.Struct, kw_only=True):
    code: str
    kind: str
    name: str
    name_en: str


class ItemGuide(ItemSummary, kw_only=True):
    version: str
    department_kind: str
    handling_level: str
    legal_implementer: str
    legal_basis: tuple[LegalBasis, ...]
    conditions: tuple[str, ...]
    procedure: tuple[str, ...]
    plugin_promised_days: int
    visits: int
    form: dict[str, Any]
    """The application form as JSON Schema 2020-12."""
    form_fields: list[dict[str, Any]]
    """The form described field by field, in display order, for a screen to draw."""
    materials: list[MaterialOut]
    fees: list[FeeRuleOut]
    fee_free_basis: str
    discretion: list[DiscretionOut]
    annual_inspection: bool
    annual_inspection_note: str
    place: str
    hours: str
    window: DepartmentRef | None
    consultation_phone: str
    complaint_phone: str
    local_notes: str
    result_name: str
    result_sample_url: str | None
    documents: list[DocumentOut]
    faqs: tuple[FAQ, ...]
    scenarios: tuple[str, ...]
    batch: bool
    flow: list[FlowStepOut]


class LibraryItem(msgspec.Struct, kw_only=True):
    """An item of the platform's item library (事项库 / 便民服务事项库, R-L1)."""

    code: str
    name: str
    name_en: str
    item_type: str
    item_type_label: str
    plugin: str
    plugin_version: str
    version: str
    department_kind: str
    statutory_days: int
    promised_days: int
    legal_basis: tuple[LegalBasis, ...]


class Regulation(msgspec.Struct, kw_only=True):
    """A law or document of the regulation library (法律法规库, R-L1) with the items
    that rely on it and the articles they cite."""

    title: str
    level: str
    issuer: str
    document_number: str
    citations: list[dict[str, Any]]


class ItemVersionOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    version: str
    plugin: str
    digest: str
    published_at: datetime
    current: bool
