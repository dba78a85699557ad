"""Application forms (R-P3): one declaration renders the portal form and validates
on the server.

A form is a JSON Schema (2020-12) object whose properties carry their labels and
UI hints as annotations (``title``/``x-title-en``, ``description``/``x-description-en``
for help text, ``x-widget``, ``x-enum-titles``/``x-enum-titles-en``,
``x-placeholder``), plus what JSON Schema cannot say well: fields shown only
under a condition, and rules across fields. The field builders below
(:func:`text`, :func:`choice` …) write those annotations for you.
"""

from __future__ import annotations

from typing import Any

import msgspec

from govhall.sdk.rules import Rule

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

#: Widgets the portal and the window screen know how to draw.
WIDGETS = frozenset(
    {
        "text",
        "textarea",
        "number",
        "integer",
        "money",
        "area",
        "date",
        "select",
        "radio",
        "checkbox",
        "checkboxes",
        "id_number",
        "credit_code",
        "phone",
        "email",
        "address",
        "division",
    }
)


class ConditionalField(msgspec.Struct, frozen=True, kw_only=True):
    """A field shown, and required when ``required``, only while ``when`` holds.

    While the condition is false the field is hidden on the portal and any value
    sent for it is dropped on the server, so a stale hidden answer never decides
    a case.
    """

    field: str
    when: Rule
    required: bool = True


class CrossCheck(msgspec.Struct, frozen=True, kw_only=True):
    """A rule across fields that every application must satisfy, e.g. an end date
    not before the start date. Checked only when every field it reads is filled;
    the message is shown on ``field``."""

    rule: Rule
    field: str
    message: str
    message_en: str = ""


class FormExample(msgspec.Struct, frozen=True, kw_only=True):
    """A sample application for ``govhall plugin check``: ``valid`` says whether it
    must be accepted; for a rejected sample ``errors`` lists the fields that must
    be reported."""

    name: str
    data: dict[str, Any]
    valid: bool
    errors: tuple[str, ...] = ()


class FormSpec(msgspec.Struct, frozen=True, kw_only=True):
    """An application form (表单)."""

    schema: dict[str, Any]
    """JSON Schema 2020-12 of type ``object``; each property has a ``title``."""
    order: tuple[str, ...] = ()
    """Field order on screen; defaults to the order of ``properties``."""
    conditional: tuple[ConditionalField, ...] = ()
    checks: tuple[CrossCheck, ...] = ()
    examples: tuple[FormExample, ...] = ()

    @property
    def properties(self) -> dict[str, dict[str, Any]]:
        properties = self.schema.get("properties", {})
        return properties if isinstance(properties, dict) else {}

    def field_order(self) -> list[str]:
        listed = [name for name in self.order if name in self.properties]
        return listed + [name for name in self.properties if name not in listed]

    def labels(self) -> dict[str, tuple[str, str]]:
        """Field name → (zh-CN label, English label)."""
        out = {}
        for name, spec in self.properties.items():
            title = str(spec.get("title") or name)
            out[name] = (title, str(spec.get("x-title-en") or title))
        return out


# --- field builders ------------------------------------------------------------


def _annotated(
    schema: dict[str, Any],
    title: str,
    title_en: str,
    widget: str,
    help: str,
    help_en: str,
    placeholder: str,
) -> dict[str, Any]:
    schema = {**schema, "title": title, "x-title-en": title_en or title, "x-widget": widget}
    if help:
        schema["description"] = help
        schema["x-description-en"] = help_en or help
    if placeholder:
        schema["x-placeholder"] = placeholder
    return schema


def text(
    title: str,
    title_en: str = "",
    *,
    min_length: int = 1,
    max_length: int = 200,
    pattern: str | None = None,
    widget: str = "text",
    help: str = "",
    help_en: str = "",
    placeholder: str = "",
) -> dict[str, Any]:
    """A line of text (``widget="textarea"`` for several lines)."""
    schema: dict[str, Any] = {"type": "string", "minLength": min_length, "maxLength": max_length}
    if pattern:
        schema["pattern"] = pattern
    return _annotated(schema, title, title_en, widget, help, help_en, placeholder)


def integer(
    title: str,
    title_en: str = "",
    *,
    minimum: int | None = 0,
    maximum: int | None = None,
    default: int | None = None,
    widget: str = "integer",
    help: str = "",
    help_en: str = "",
) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "integer"}
    if minimum is not None:
        schema["minimum"] = minimum
    if maximum is not None:
        schema["maximum"] = maximum
    if default is not None:
        schema["default"] = default
    return _annotated(schema, title, title_en, widget, help, help_en, "")


def number(
    title: str,
    title_en: str = "",
    *,
    exclusive_minimum: float | None = 0,
    maximum: float | None = None,
    widget: str = "number",
    help: str = "",
    help_en: str = "",
) -> dict[str, Any]:
    """A decimal number, e.g. an area in square metres (``widget="area"``)."""
    schema: dict[str, Any] = {"type": "number"}
    if exclusive_minimum is not None:
        schema["exclusiveMinimum"] = exclusive_minimum
    if maximum is not None:
        schema["maximum"] = maximum
    return _annotated(schema, title, title_en, widget, help, help_en, "")


def date(
    title: str,
    title_en: str = "",
    *,
    help: str = "",
    help_en: str = "",
) -> dict[str, Any]:
    """A calendar date as ``YYYY-MM-DD`` (sorts as text, so rules can compare dates)."""
    schema = {"type": "string", "pattern": r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"}
    return _annotated(schema, title, title_en, "date", help, help_en, "YYYY-MM-DD")


def boolean(
    title: str,
    title_en: str = "",
    *,
    default: bool = False,
    help: str = "",
    help_en: str = "",
) -> dict[str, Any]:
    return _annotated(
        {"type": "boolean", "default": default}, title, title_en, "checkbox", help, help_en, ""
    )


def choice(
    title: str,
    title_en: str = "",
    *,
    options: dict[str, tuple[str, str]],
    widget: str = "select",
    help: str = "",
    help_en: str = "",
) -> dict[str, Any]:
    """One of ``options`` (value → (zh-CN label, English label))."""
    schema = {
        "type": "string",
        "enum": list(options),
        "x-enum-titles": {value: labels[0] for value, labels in options.items()},
        "x-enum-titles-en": {value: labels[1] for value, labels in options.items()},
    }
    return _annotated(schema, title, title_en, widget, help, help_en, "")


def id_number(title: str = "身份证号码", title_en: str = "Resident ID number") -> dict[str, Any]:
    """An 18-digit resident ID number (the checksum is checked by the platform)."""
    schema = {"type": "string", "pattern": r"^\d{17}[\dXx]$", "x-format": "cn_resident_id"}
    return _annotated(schema, title, title_en, "id_number", "", "", "")


def credit_code(
    title: str = "统一社会信用代码", title_en: str = "Unified social credit code"
) -> dict[str, Any]:
    """An 18-character unified social credit code (checksum checked by the platform)."""
    schema = {
        "type": "string",
        "pattern": r"^[0-9A-HJ-NPQRTUWXY]{18}$",
        "x-format": "cn_credit_code",
    }
    return _annotated(schema, title, title_en, "credit_code", "", "", "")


def phone(title: str = "联系电话", title_en: str = "Phone") -> dict[str, Any]:
    schema = {"type": "string", "pattern": r"^(1\d{10}|0\d{2,3}-?\d{7,8})$"}
    return _annotated(schema, title, title_en, "phone", "", "", "")


def form(
    fields: dict[str, dict[str, Any]],
    *,
    required: tuple[str, ...] | list[str] = (),
    conditional: tuple[ConditionalField, ...] = (),
    checks: tuple[CrossCheck, ...] = (),
    examples: tuple[FormExample, ...] = (),
) -> FormSpec:
    """A closed form (unknown fields are refused) in the order ``fields`` are given."""
    return FormSpec(
        schema={
            "$schema": SCHEMA_DIALECT,
            "type": "object",
            "additionalProperties": False,
            "required": list(required),
            "properties": fields,
        },
        order=tuple(fields),
        conditional=conditional,
        checks=checks,
        examples=examples,
    )
