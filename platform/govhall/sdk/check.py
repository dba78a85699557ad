"""Declaration checks: every problem of an item, as a sentence naming item and field.

The platform runs :func:`check_item` on every item at start-up and refuses to
start on any problem; ``govhall plugin check`` prints the same sentences.
"""

from __future__ import annotations

import re

import jinja2
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from govhall.sdk.discretion import DiscretionStandard
from govhall.sdk.fees import FeeRule
from govhall.sdk.flowcheck import flow_problems
from govhall.sdk.forms import WIDGETS, FormSpec
from govhall.sdk.items import (
    BATCH_FACTS,
    HANDLING_KINDS,
    ITEM_TYPES,
    MATERIAL_FORMATS,
    FlowTemplate,
    ItemSpec,
)
from govhall.sdk.rules import Rule, rule_fields, rule_problems

_ITEM_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,63}$")
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
#: Form field types a per-unit or tiered fee may count: a number, or a list's entries.
_COUNTABLE = ("integer", "number", "array")


def _rule(where: str, rule: Rule | None, fields: set[str] | None) -> list[str]:
    if rule is None:
        return []
    problems = [f"{where}: {p}" for p in rule_problems(rule)]
    if fields is not None:
        for name in sorted(rule_fields(rule)):
            if name.split(".")[0] not in fields:
                problems.append(f"{where}: condition names unknown form field {name!r}")
    return problems


def check_form(where: str, form: FormSpec) -> list[str]:
    problems: list[str] = []
    try:
        Draft202012Validator.check_schema(form.schema)
    except SchemaError as exc:
        problems.append(f"{where}: form schema is not valid JSON Schema 2020-12: {exc.message}")
        return problems
    if form.schema.get("type") != "object":
        problems.append(f"{where}: form schema must have type 'object'")
    fields = set(form.properties)
    for name, spec in form.properties.items():
        if not isinstance(spec, dict) or not spec.get("title"):
            problems.append(f"{where}: form field {name!r} needs a title (its zh-CN label)")
            continue
        widget = spec.get("x-widget")
        if widget is not None and widget not in WIDGETS:
            problems.append(
                f"{where}: form field {name!r} has unknown widget {widget!r} "
                f"(known: {sorted(WIDGETS)})"
            )
    for name in form.order:
        if name not in fields:
            problems.append(f"{where}: form order names unknown field {name!r}")
    required = set(form.schema.get("required", []))
    for name in required - fields:
        problems.append(f"{where}: form requires undeclared field {name!r}")
    for conditional in form.conditional:
        cwhere = f"{where} conditional field {conditional.field!r}"
        if conditional.field not in fields:
            problems.append(f"{cwhere}: no such form field")
        if conditional.field in required:
            problems.append(f"{cwhere}: must not also be in the schema's 'required' list")
        if conditional.field in rule_fields(conditional.when):
            problems.append(f"{cwhere}: its condition must not read the field itself")
        problems.extend(_rule(cwhere, conditional.when, fields))
    for index, check in enumerate(form.checks):
        cwhere = f"{where} form check {index + 1}"
        if check.field not in fields:
            problems.append(f"{cwhere}: shows its message on unknown field {check.field!r}")
        if not check.message.strip():
            problems.append(f"{cwhere}: needs a message")
        problems.extend(_rule(cwhere, check.rule, fields))
    for example in form.examples:
        for name in example.errors:
            if name not in fields:
                problems.append(
                    f"{where} form example {example.name!r}: expects an error on "
                    f"unknown field {name!r}"
                )
    return problems


def _check_fee(where: str, fee: FeeRule, form: FormSpec) -> list[str]:
    fields = set(form.properties)
    problems: list[str] = []
    if not fee.basis.strip() or not fee.standard.strip():
        problems.append(f"{where}: no fee may be charged without a basis and a standard")
    amounts = [fee.amount_fen, fee.min_fen, fee.max_fen, *(t.unit_fen for t in fee.tiers)]
    if any(a is not None and a < 0 for a in amounts) or fee.free_units < 0:
        problems.append(f"{where}: amounts must not be negative")
    if fee.min_fen is not None and fee.max_fen is not None and fee.min_fen > fee.max_fen:
        problems.append(f"{where}: min_fen exceeds max_fen")
    if fee.kind in ("per_unit", "tiered"):
        unit = form.properties.get(fee.unit_field or "")
        if unit is None or unit.get("type") not in _COUNTABLE:
            problems.append(f"{where}: unit_field must name a numeric or list form field")
    elif fee.unit_field or fee.tiers:
        problems.append(f"{where}: a fixed fee takes no unit_field or tiers")
    if fee.kind == "tiered":
        if not fee.tiers:
            problems.append(f"{where}: a tiered fee needs tiers")
        elif fee.tiers[-1].up_to is not None:
            problems.append(f"{where}: the last tier must be open (up_to=None)")
        bounds = [t.up_to for t in fee.tiers[:-1]]
        closed = [b for b in bounds if b is not None]
        if len(closed) != len(bounds) or closed != sorted(set(closed)):
            problems.append(f"{where}: tiers must rise strictly, only the last open")
    elif fee.tiers:
        problems.append(f"{where}: tiers are only for a tiered fee")
    problems.extend(_rule(where, fee.when, fields))
    codes = [r.code for r in fee.reductions]
    if len(set(codes)) != len(codes):
        problems.append(f"{where}: reduction codes repeat: {codes}")
    for reduction in fee.reductions:
        rwhere = f"{where} reduction {reduction.code!r}"
        if not reduction.basis.strip():
            problems.append(f"{rwhere}: an exemption or reduction needs its basis")
        if not 1 <= reduction.percent <= 100:
            problems.append(f"{rwhere}: percent must be between 1 and 100")
        problems.extend(_rule(rwhere, reduction.when, fields))
    return problems


def check_discretion_standard(where: str, standard: DiscretionStandard) -> list[str]:
    problems: list[str] = []
    if not standard.basis.strip():
        problems.append(f"{where}: a discretion standard needs its basis")
    keys = [b.key for b in standard.bands]
    if not keys:
        problems.append(f"{where}: needs at least one band")
        return problems
    if len(set(keys)) != len(keys):
        problems.append(f"{where}: band keys repeat: {keys}")
    if standard.default_band not in keys:
        problems.append(f"{where}: default_band {standard.default_band!r} is not a band")
    for band in standard.bands:
        problems.extend(_rule(f"{where} band {band.key!r}", band.when, None))
    if standard.subject == "decision":
        if not standard.decisions:
            problems.append(f"{where}: a decision standard lists its lawful decisions")
        for band in standard.bands:
            unknown = set(band.decisions) - set(standard.decisions)
            if not band.decisions or unknown:
                problems.append(
                    f"{where} band {band.key!r}: decisions must be a non-empty subset of "
                    f"{list(standard.decisions)}"
                )
        return problems
    if standard.low is None or standard.high is None or standard.low > standard.high:
        problems.append(f"{where}: an {standard.subject} standard needs a legal range low ≤ high")
        return problems
    if any(b.low is None or b.high is None for b in standard.bands):
        problems.append(f"{where}: every band needs low and high")
        return problems
    ranged = sorted(standard.bands, key=lambda b: b.low or 0)
    expected = standard.low
    for band in ranged:
        assert band.low is not None and band.high is not None
        if band.low > band.high:
            problems.append(f"{where} band {band.key!r}: low exceeds high")
        if band.low > expected:
            problems.append(
                f"{where}: bands leave a gap from {expected} to {band.low - 1} "
                f"before band {band.key!r}"
            )
        elif band.low < expected:
            problems.append(
                f"{where}: band {band.key!r} overlaps the band before it "
                f"(starts at {band.low}, should start at {expected})"
            )
        expected = max(expected, band.high + 1)
    if expected != standard.high + 1:
        if expected <= standard.high:
            problems.append(
                f"{where}: bands leave a gap from {expected} to {standard.high} at the top"
            )
        else:
            problems.append(f"{where}: bands reach beyond the legal maximum {standard.high}")
    return problems


def check_flow(where: str, flow: FlowTemplate, item: ItemSpec | None = None) -> list[str]:
    """English sentences for :func:`~govhall.sdk.flowcheck.flow_problems` (start-up)."""
    fields = None if item is None else list(item.form.schema.get("properties", {}))
    discretion = () if item is None else [d.code for d in item.discretion]
    return [f"{where} {p.path}: {p.message_en}" for p in flow_problems(flow, fields, discretion)]


def check_item(item: ItemSpec) -> list[str]:
    """Problems with a declaration, as sentences naming the item; empty when it is sound."""
    where = f"item {item.code!r}"
    problems: list[str] = []
    if not _ITEM_CODE.match(item.code):
        problems.append(f"{where}: code must be capitals, digits and '-'")
    if not item.version.strip():
        problems.append(f"{where}: version is empty")
    if item.item_type not in ITEM_TYPES:
        problems.append(f"{where}: item_type {item.item_type!r} is not one of {list(ITEM_TYPES)}")
    if item.handling_kind not in HANDLING_KINDS:
        problems.append(
            f"{where}: handling_kind {item.handling_kind!r} is not one of {list(HANDLING_KINDS)}"
        )
    if item.statutory_days < 0 or item.promised_days < 0:
        problems.append(f"{where}: time limits must not be negative")
    if item.promised_days > item.statutory_days:
        problems.append(
            f"{where}: promised_days ({item.promised_days}) exceeds statutory_days "
            f"({item.statutory_days})"
        )
    if not item.legal_basis or any(not b.title.strip() for b in item.legal_basis):
        problems.append(f"{where}: legal_basis is empty")
    if not item.audience:
        problems.append(f"{where}: audience is empty")
    if (item.handling_kind == "renew") != bool(item.renews):
        problems.append(
            f"{where}: a renewal item (handling_kind 'renew') names the certificate type it "
            "renews in 'renews', and only a renewal item does"
        )
    if item.result_valid_years < 0 or item.renewal_window_days < 0:
        problems.append(f"{where}: validity and renewal window must not be negative")
    if any(not part for path in item.scenarios for part in path.split("/")):
        problems.append(f"{where}: scenario paths must not have empty levels")
    for faq in item.faqs:
        if not faq.question.strip() or not faq.answer.strip():
            problems.append(f"{where}: an FAQ needs a question and an answer")

    problems.extend(check_form(where, item.form))
    fields = set(item.form.properties)

    material_codes = [m.code for m in item.materials]
    if len(set(material_codes)) != len(material_codes):
        problems.append(f"{where}: material codes repeat: {material_codes}")
    for material in item.materials:
        mwhere = f"{where} material {material.code!r}"
        if not _KEY.match(material.code):
            problems.append(f"{mwhere}: code must be lowercase letters, digits and '_'")
        unknown = set(material.formats) - set(MATERIAL_FORMATS)
        if unknown or not material.formats:
            problems.append(f"{mwhere}: formats must be some of {list(MATERIAL_FORMATS)}")
        if material.copies < 1:
            problems.append(f"{mwhere}: needs at least one copy")
        if not 1 <= material.max_size_mb <= 100:
            problems.append(f"{mwhere}: max_size_mb must be between 1 and 100")
        if material.required and material.required_when is not None:
            problems.append(f"{mwhere}: a conditional material must set required=False")
        if material.source == "e_certificate" and not material.certificate_type:
            problems.append(f"{mwhere}: an e-certificate material names its certificate_type")
        problems.extend(_rule(mwhere, material.required_when, fields))

    if item.fee_free and item.fees:
        problems.append(f"{where}: fee_free is set but fee rules are declared")
    if item.fee_free and not item.fee_free_basis.strip():
        problems.append(f"{where}: a free item states why it is free (fee_free_basis)")
    if not item.fee_free and not item.fees:
        problems.append(f"{where}: declare fee rules, or fee_free with its basis")
    fee_codes = [f.code for f in item.fees]
    if len(set(fee_codes)) != len(fee_codes):
        problems.append(f"{where}: fee codes repeat: {fee_codes}")
    for fee in item.fees:
        problems.extend(_check_fee(f"{where} fee {fee.code!r}", fee, item.form))
    for example in item.fee_examples:
        for code in example.lines:
            if code not in fee_codes:
                problems.append(
                    f"{where} fee example {example.name!r}: names unknown fee line {code!r}"
                )

    codes = [d.code for d in item.discretion]
    if len(set(codes)) != len(codes):
        problems.append(f"{where}: discretion codes repeat: {codes}")
    for standard in item.discretion:
        problems.extend(
            check_discretion_standard(f"{where} discretion {standard.code!r}", standard)
        )

    problems.extend(_check_batch(where, item))

    doc_codes = [d.code for d in item.documents]
    if len(set(doc_codes)) != len(doc_codes):
        problems.append(f"{where}: document codes repeat: {doc_codes}")
    environment = jinja2.Environment(autoescape=True)
    for document in item.documents:
        try:
            environment.parse(document.body)
        except jinja2.TemplateSyntaxError as exc:
            problems.append(
                f"{where} document {document.code!r}: template line {exc.lineno}: {exc.message}"
            )
    return problems


def _check_batch(where: str, item: ItemSpec) -> list[str]:
    """A batch item names a list field of objects; its checks read only that row's
    fields, the derived facts and their own parameters."""
    if not item.batch:
        if item.batch_rows or item.batch_checks:
            return [f"{where}: batch_rows and batch_checks need batch=True"]
        return []
    field = item.form.properties.get(item.batch_rows)
    if not item.batch_rows or field is None:
        return [f"{where}: a batch item names its list field of persons in batch_rows"]
    row = field.get("items", {}) if field.get("type") == "array" else {}
    if row.get("type") != "object" or not row.get("properties"):
        return [f"{where}: batch_rows {item.batch_rows!r} must be a list of objects"]
    problems: list[str] = []
    codes = [c.code for c in item.batch_checks]
    if len(set(codes)) != len(codes):
        problems.append(f"{where}: batch check codes repeat: {codes}")
    for check in item.batch_checks:
        cwhere = f"{where} batch check {check.code!r}"
        known = {*row["properties"], *BATCH_FACTS, *(f"param.{p.name}" for p in check.params)}
        problems.extend(f"{cwhere}: {p}" for p in rule_problems(check.rule))
        for name in sorted(rule_fields(check.rule) - known):
            problems.append(f"{cwhere}: rule names unknown row field or parameter {name!r}")
    return problems
