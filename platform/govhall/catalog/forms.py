"""Server-side validation of application forms, and their description for screens.

jsonschema checks the schema; this module adds what the declaration says beyond
it (conditional fields, cross-field checks, ID and credit-code checksums) and
turns every error into a message in the applicant's language that names the
field by its declared label.
"""

from __future__ import annotations

import functools
from typing import Any

import msgspec
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from govhall.errors import FieldError
from govhall.i18n import N_, Localized
from govhall.identity.realname import is_valid_credit_code, is_valid_id_number
from govhall.sdk import FormSpec, evaluate
from govhall.sdk.rules import rule_fields

_MESSAGES: dict[str, str] = {
    "required": N_("请填写“{label}”"),
    "type": N_("“{label}”的格式不正确"),
    "minLength": N_("“{label}”至少需要 {limit} 个字"),
    "maxLength": N_("“{label}”不能超过 {limit} 个字"),
    "minimum": N_("“{label}”不能小于 {limit}"),
    "maximum": N_("“{label}”不能大于 {limit}"),
    "exclusiveMinimum": N_("“{label}”必须大于 {limit}"),
    "exclusiveMaximum": N_("“{label}”必须小于 {limit}"),
    "enum": N_("“{label}”的取值不在可选范围内"),
    "const": N_("“{label}”的取值不在可选范围内"),
    "pattern": N_("“{label}”的格式不正确"),
    "format": N_("“{label}”的格式不正确"),
}
_UNKNOWN_FIELDS = N_("表单包含未定义的字段：{names}")
_BAD_ID_NUMBER = N_("“{label}”不是有效的18位居民身份证号码（校验位或出生日期不符）")
_BAD_CREDIT_CODE = N_("“{label}”不是有效的统一社会信用代码（校验位不符）")
_FORMAT_CHECKS = {
    "cn_resident_id": (is_valid_id_number, _BAD_ID_NUMBER),
    "cn_credit_code": (is_valid_credit_code, _BAD_CREDIT_CODE),
}
_GENERIC = N_("“{label}”不符合要求")


@functools.lru_cache(maxsize=1024)
def _compiled(schema_json: bytes) -> Draft202012Validator:
    return Draft202012Validator(msgspec.json.decode(schema_json))


def _validator(form: FormSpec) -> Draft202012Validator:
    # Keyed by content, not identity: pinned item versions decode fresh FormSpecs.
    return _compiled(msgspec.json.encode(form.schema))


def field_label(form: FormSpec, name: str) -> Localized:
    spec = form.schema.get("properties", {}).get(name, {})
    title = spec.get("title") or name
    return Localized(title, spec.get("x-title-en") or title)


def _field_error(form: FormSpec, error: ValidationError) -> FieldError:
    keyword = str(error.validator)
    if keyword == "additionalProperties":
        declared = set(form.schema.get("properties", {}))
        extra = sorted(set(error.instance) - declared) if isinstance(error.instance, dict) else []
        return FieldError("", _UNKNOWN_FIELDS, names="、".join(extra))
    path = ".".join(str(part) for part in error.absolute_path)
    top = str(error.absolute_path[0]) if error.absolute_path else path
    message = _MESSAGES.get(keyword, _GENERIC)
    return FieldError(path, message, label=field_label(form, top), limit=error.validator_value)


def _filled(value: Any) -> bool:
    return value is not None and value != "" and value != []


def strip_hidden(form: FormSpec, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` without the conditional fields whose condition does not hold: the
    portal hides them, so a value sent for one is a stale answer, not a decision."""
    visible = dict(data)
    # A condition may read another conditional field (shelter area ← builds a shelter ←
    # shelter required): strip until nothing more hides, at most once per condition.
    for _ in range(len(form.conditional)):
        hidden = {
            c.field
            for c in form.conditional
            if c.field in visible and not evaluate(c.when, visible)
        }
        if not hidden:
            break
        visible = {name: value for name, value in visible.items() if name not in hidden}
    return visible


def validate_form(form: FormSpec, data: Any) -> list[FieldError]:
    """Every problem of ``data`` (already passed through :func:`strip_hidden`)
    against ``form``, one per field and problem."""
    if not isinstance(data, dict):
        return [FieldError("form", N_("表单内容必须是一个对象"))]
    out = _schema_errors(form, data)
    failed = {error.field.split(".")[0] for error in out}
    for conditional in form.conditional:
        name = conditional.field
        if (
            conditional.required
            and name not in failed
            and not _filled(data.get(name))
            and evaluate(conditional.when, data)
        ):
            failed.add(name)
            out.append(FieldError(name, _MESSAGES["required"], label=field_label(form, name)))
    for name, spec in form.properties.items():
        check = _FORMAT_CHECKS.get(str(spec.get("x-format", "")))
        value = data.get(name)
        if check and name not in failed and isinstance(value, str) and not check[0](value):
            failed.add(name)
            out.append(FieldError(name, check[1], label=field_label(form, name)))
    for name, spec in form.properties.items():
        # Rows of a list (a batch's persons) carry ID numbers and credit codes too.
        rows = data.get(name)
        row_spec = spec.get("items", {}) if spec.get("type") == "array" else {}
        if name in failed or not isinstance(rows, list) or not row_spec.get("properties"):
            continue
        for field, fspec in row_spec["properties"].items():
            check = _FORMAT_CHECKS.get(str(fspec.get("x-format", "")))
            if check is None:
                continue
            for i, row in enumerate(rows):
                value = row.get(field) if isinstance(row, dict) else None
                if isinstance(value, str) and not check[0](value):
                    title = fspec.get("title") or field
                    label = Localized(title, fspec.get("x-title-en") or title)
                    out.append(FieldError(f"{name}.{i}.{field}", check[1], label=label))
    for cross in form.checks:
        names = {n.split(".")[0] for n in rule_fields(cross.rule)}
        if names & failed or not all(_filled(data.get(n)) for n in names):
            continue
        if not evaluate(cross.rule, data):
            text = Localized(cross.message, cross.message_en or cross.message)
            out.append(FieldError(cross.field, "{text}", text=text))
    return out


def _schema_errors(form: FormSpec, data: dict[str, Any]) -> list[FieldError]:
    errors = sorted(_validator(form).iter_errors(data), key=lambda e: list(e.absolute_path))
    out: list[FieldError] = []
    reported_missing: set[str] = set()
    for error in errors:
        if error.validator == "required" and isinstance(error.instance, dict):
            # jsonschema raises one "required" error per missing property, each naming the
            # whole list: report each missing property once, by its own label.
            for name in error.validator_value:
                if name not in error.instance and name not in reported_missing:
                    reported_missing.add(name)
                    out.append(
                        FieldError(name, _MESSAGES["required"], label=field_label(form, name))
                    )
            continue
        out.append(_field_error(form, error))
    return out


def describe_fields(form: FormSpec) -> list[dict[str, Any]]:
    """The form as a list of fields for a screen to draw, in display order: name,
    labels, widget, help, options, whether required and when it is shown."""
    required = set(form.schema.get("required", []))
    conditions = {c.field: c for c in form.conditional}
    fields = []
    for name in form.field_order():
        spec = form.properties[name]
        conditional = conditions.get(name)
        options = [
            {
                "value": value,
                "label": spec.get("x-enum-titles", {}).get(value, str(value)),
                "label_en": spec.get("x-enum-titles-en", {}).get(value, str(value)),
            }
            for value in spec.get("enum", [])
        ]
        fields.append(
            {
                "name": name,
                "label": spec.get("title", name),
                "label_en": spec.get("x-title-en", spec.get("title", name)),
                "type": spec.get("type", "string"),
                "widget": spec.get("x-widget", "text"),
                "help": spec.get("description", ""),
                "help_en": spec.get("x-description-en", spec.get("description", "")),
                "placeholder": spec.get("x-placeholder", ""),
                "options": options,
                "required": name in required
                or bool(conditional is not None and conditional.required),
                "visible_when": msgspec.to_builtins(conditional.when) if conditional else None,
            }
        )
    return fields
