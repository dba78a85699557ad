"""The plugin SDK: everything a department plugin imports (``from govhall.sdk import …``).

Items, forms, materials, fees and flows are declared as data (msgspec Structs);
a plugin implements hooks from :mod:`govhall.hookspecs` with :data:`hookimpl`.
Declarations are checked when the platform starts (:func:`check_item`), so a
mistake stops the app with a clear message instead of failing a citizen later.
Money is always an integer number of fen (分) to avoid rounding errors.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec
import pluggy
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

__all__ = [
    "ITEM_TYPES",
    "FeeRule",
    "FlowAction",
    "FlowStep",
    "FlowTemplate",
    "FormSpec",
    "ItemSpec",
    "MaterialSpec",
    "Problem",
    "check_item",
    "hookimpl",
]

#: Marks a function as an implementation of a govhall hook.
hookimpl = pluggy.HookimplMarker("govhall")

#: The eight legal types of an administrative item (事项类型).
ITEM_TYPES: dict[str, str] = {
    "licensing": "行政许可",
    "confirmation": "行政确认",
    "payment": "行政给付",
    "award": "行政奖励",
    "adjudication": "行政裁决",
    "filing": "行政备案",
    "other_power": "其他行政权力",
    "public_service": "公共服务",
}

#: File formats a material may accept, with the content types they arrive as.
MATERIAL_FORMATS: dict[str, str] = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "png": "image/png",
}


class Problem(msgspec.Struct, frozen=True, kw_only=True):
    """A problem a plugin found in an application (returned by validation hooks)."""

    field: str
    message: str
    """The zh-CN text shown to the applicant."""
    message_en: str = ""
    """The English text (falls back to ``message``)."""


class FormSpec(msgspec.Struct, frozen=True, kw_only=True):
    """An application form: a JSON Schema (2020-12) plus UI hints.

    Field labels come from each property's ``title`` (zh-CN) and ``x-title-en``;
    ``ui`` holds presentation hints (``order``, widgets, help texts) for the portal.
    """

    schema: dict[str, Any]
    ui: dict[str, Any] = msgspec.field(default_factory=dict)


class MaterialSpec(msgspec.Struct, frozen=True, kw_only=True):
    """A material (申请材料) the applicant supplies."""

    code: str
    name: str
    name_en: str = ""
    required: bool = True
    copies: int = 1
    formats: tuple[str, ...] = ("pdf", "jpg", "png")
    source: Literal["applicant", "e_certificate", "data_sharing"] = "applicant"
    notes: str = ""


class FeeRule(msgspec.Struct, frozen=True, kw_only=True):
    """One fee line with its legal basis (收费依据) and standard (收费标准).

    ``fixed`` charges ``amount_fen`` once; ``per_unit`` charges ``amount_fen`` for each
    unit counted by the integer form field ``unit_field`` beyond ``free_units``,
    up to ``max_fen``. ``when`` limits the rule to forms whose fields equal the
    given values (all must match). A rule without a basis is refused.
    """

    code: str
    name: str
    name_en: str = ""
    basis: str
    """The law or document that allows the fee, e.g. 发改价格规〔2016〕2559号."""
    standard: str
    """The standard in words, e.g. 住宅类每件80元."""
    kind: Literal["fixed", "per_unit"] = "fixed"
    amount_fen: int
    unit_field: str | None = None
    free_units: int = 0
    max_fen: int | None = None
    when: dict[str, Any] = msgspec.field(default_factory=dict)


class FlowAction(msgspec.Struct, frozen=True, kw_only=True):
    """An action allowed at a step and what it does to the case."""

    name: str
    """``accept``, ``reject``, ``pass``, ``approve``, ``deny``, ``conclude`` …"""
    goto: str = "next"
    """``next`` (the following step), ``end`` (the case ends) or a step key."""
    status: str | None = None
    """The case status after the action, if it changes."""
    decision: Literal["approved", "denied"] | None = None
    opinion_required: bool = False


class FlowStep(msgspec.Struct, frozen=True, kw_only=True):
    key: str
    name: str
    name_en: str = ""
    role: str
    actions: tuple[FlowAction, ...]


class FlowTemplate(msgspec.Struct, frozen=True, kw_only=True):
    """The default flow of an item; tenants copy and change it (workflow issue)."""

    key: str
    steps: tuple[FlowStep, ...]


class ItemSpec(msgspec.Struct, frozen=True, kw_only=True):
    """An approval item (事项) with every element of its service guide (办事指南)."""

    code: str
    """事项编码, unique across all plugins."""
    name: str
    name_en: str = ""
    version: str
    item_type: str
    """A key of :data:`ITEM_TYPES`."""
    department_kind: str
    """Which kind of department handles it, e.g. ``natural_resources``."""
    legal_implementer: str
    """法定实施主体."""
    legal_basis: tuple[str, ...]
    """设定依据, each with its article."""
    conditions: tuple[str, ...] = ()
    procedure: tuple[str, ...] = ()
    statutory_days: int
    """法定时限 in working days."""
    promised_days: int
    """承诺时限 in working days (≤ statutory)."""
    on_the_spot: bool = False
    """即办件 (decided at once) rather than 承诺件."""
    form: FormSpec
    materials: tuple[MaterialSpec, ...] = ()
    fees: tuple[FeeRule, ...] = ()
    fee_free: bool = False
    """True when the item charges nothing (不收费); then ``fees`` must be empty."""
    result_name: str = ""
    keywords: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    audience: tuple[Literal["individual", "enterprise"], ...] = ("individual", "enterprise")
    consultation_phone: str = ""
    complaint_phone: str = ""


def _form_fields(form: FormSpec) -> dict[str, dict[str, Any]]:
    properties = form.schema.get("properties", {})
    return properties if isinstance(properties, dict) else {}


def check_item(item: ItemSpec) -> list[str]:
    """Problems with a declaration, as sentences naming the item; empty when it is sound."""
    where = f"item {item.code!r}"
    problems: list[str] = []
    if item.item_type not in ITEM_TYPES:
        problems.append(f"{where}: item_type {item.item_type!r} is not one of {list(ITEM_TYPES)}")
    if item.statutory_days < 0 or item.promised_days < 0:
        problems.append(f"{where}: time limits must not be negative")
    if item.promised_days > item.statutory_days:
        problems.append(
            f"{where}: promised_days ({item.promised_days}) exceeds statutory_days "
            f"({item.statutory_days})"
        )
    if not item.legal_basis:
        problems.append(f"{where}: legal_basis is empty")
    try:
        Draft202012Validator.check_schema(item.form.schema)
    except SchemaError as exc:
        problems.append(f"{where}: form schema is not valid JSON Schema 2020-12: {exc.message}")
    if item.form.schema.get("type") != "object":
        problems.append(f"{where}: form schema must have type 'object'")
    fields = _form_fields(item.form)

    material_codes = [m.code for m in item.materials]
    if len(set(material_codes)) != len(material_codes):
        problems.append(f"{where}: material codes repeat: {material_codes}")
    for material in item.materials:
        unknown = set(material.formats) - set(MATERIAL_FORMATS)
        if unknown:
            problems.append(f"{where}: material {material.code!r} has unknown formats {unknown}")
        if material.copies < 1:
            problems.append(f"{where}: material {material.code!r} needs at least one copy")

    if item.fee_free and item.fees:
        problems.append(f"{where}: fee_free is set but fee rules are declared")
    fee_codes = [f.code for f in item.fees]
    if len(set(fee_codes)) != len(fee_codes):
        problems.append(f"{where}: fee codes repeat: {fee_codes}")
    for fee in item.fees:
        fee_where = f"{where} fee {fee.code!r}"
        if not fee.basis.strip() or not fee.standard.strip():
            problems.append(f"{fee_where}: no fee may be charged without a basis and a standard")
        if fee.amount_fen < 0 or (fee.max_fen is not None and fee.max_fen < 0):
            problems.append(f"{fee_where}: amounts must not be negative")
        if fee.kind == "per_unit":
            unit = fields.get(fee.unit_field or "")
            if unit is None or unit.get("type") != "integer":
                problems.append(f"{fee_where}: unit_field must name an integer form field")
        for name in fee.when:
            if name not in fields:
                problems.append(f"{fee_where}: condition names unknown form field {name!r}")
    return problems
