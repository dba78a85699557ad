"""Server-side validation of application forms against the item's JSON Schema.

jsonschema does the checking; this module turns its errors into messages in the
applicant's language that name the field by its declared label.
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from govhall.errors import FieldError
from govhall.i18n import N_, Localized
from govhall.sdk import FormSpec

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
_GENERIC = N_("“{label}”不符合要求")

_validators: dict[int, Draft202012Validator] = {}


def _validator(form: FormSpec) -> Draft202012Validator:
    # FormSpecs are frozen and live as long as the plugin registry: cache by identity.
    key = id(form)
    validator = _validators.get(key)
    if validator is None:
        validator = Draft202012Validator(form.schema)
        _validators[key] = validator
    return validator


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


def validate_form(form: FormSpec, data: Any) -> list[FieldError]:
    """Every problem of ``data`` against ``form``, one per field and problem."""
    if not isinstance(data, dict):
        return [FieldError("form", N_("表单内容必须是一个对象"))]
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
