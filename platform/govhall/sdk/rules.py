"""Declarative conditions over form data: conditional fields and materials, fee
conditions, discretion circumstances and (later) flow transitions.

Written here rather than taken from a library because nothing well kept fits:
JSON Schema cannot compare two fields (``$data`` never reached a draft), the
json-logic ports are unmaintained and untyped, and an expression string would
need a parser or ``eval`` — which a government system must never run on
declarations. Rules are msgspec Structs, so they are plain data: they are
frozen with an item version, sent to the portal to show and hide fields, and
checked at declaration time for unknown field names.

Authors build rules with :class:`F`::

    F("property_use") == "residential"
    (F("floor_area") > 300) & F("has_basement").is_true()
    F("end_date") >= F("start_date")          # compares two fields
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal, Union

import msgspec

Op = Literal["eq", "ne", "gt", "ge", "lt", "le", "in", "not_in", "contains", "filled", "empty"]

_OP_WORDS: dict[str, tuple[str, str]] = {
    "eq": ("等于", "is"),
    "ne": ("不等于", "is not"),
    "gt": ("大于", "is greater than"),
    "ge": ("不小于", "is at least"),
    "lt": ("小于", "is less than"),
    "le": ("不大于", "is at most"),
    "in": ("属于", "is one of"),
    "not_in": ("不属于", "is not one of"),
    "contains": ("包含", "contains"),
    "filled": ("已填写", "is filled in"),
    "empty": ("未填写", "is empty"),
}


class _Combinable:
    """``&``, ``|`` and ``~`` for every rule kind."""

    def __and__(self, other: Rule) -> AllOf:
        return AllOf(rules=(*_flatten(self, AllOf), *_flatten(other, AllOf)))

    def __or__(self, other: Rule) -> AnyOf:
        return AnyOf(rules=(*_flatten(self, AnyOf), *_flatten(other, AnyOf)))

    def __invert__(self) -> Not:
        return Not(rule=self)  # type: ignore[arg-type]


class Compare(_Combinable, msgspec.Struct, frozen=True, kw_only=True, tag="compare"):
    """``field`` compared with a literal ``value`` or with another field ``other``."""

    field: str
    op: Op
    value: Any = None
    other: str | None = None


class AllOf(_Combinable, msgspec.Struct, frozen=True, kw_only=True, tag="all"):
    rules: tuple[Rule, ...]


class AnyOf(_Combinable, msgspec.Struct, frozen=True, kw_only=True, tag="any"):
    rules: tuple[Rule, ...]


class Not(_Combinable, msgspec.Struct, frozen=True, kw_only=True, tag="not"):
    rule: Rule


Rule = Union[Compare, AllOf, AnyOf, Not]  # noqa: UP007 - msgspec resolves this alias at runtime


def _flatten(rule: object, kind: type) -> tuple[Rule, ...]:
    if isinstance(rule, kind):
        return tuple(rule.rules)  # type: ignore[attr-defined]
    return (rule,)  # type: ignore[return-value]


class F:
    """A form field in a rule: ``F("age") >= 18``, ``F("kind").is_in(["a", "b"])``."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def _compare(self, op: Op, value: Any) -> Compare:
        if isinstance(value, F):
            return Compare(field=self.name, op=op, other=value.name)
        return Compare(field=self.name, op=op, value=value)

    def __eq__(self, value: Any) -> Compare:  # type: ignore[override]
        return self._compare("eq", value)

    def __ne__(self, value: Any) -> Compare:  # type: ignore[override]
        return self._compare("ne", value)

    def __gt__(self, value: Any) -> Compare:
        return self._compare("gt", value)

    def __ge__(self, value: Any) -> Compare:
        return self._compare("ge", value)

    def __lt__(self, value: Any) -> Compare:
        return self._compare("lt", value)

    def __le__(self, value: Any) -> Compare:
        return self._compare("le", value)

    __hash__ = None  # type: ignore[assignment]

    def is_in(self, values: Iterable[Any]) -> Compare:
        return Compare(field=self.name, op="in", value=list(values))

    def not_in(self, values: Iterable[Any]) -> Compare:
        return Compare(field=self.name, op="not_in", value=list(values))

    def contains(self, value: Any) -> Compare:
        return Compare(field=self.name, op="contains", value=value)

    def filled(self) -> Compare:
        return Compare(field=self.name, op="filled")

    def empty(self) -> Compare:
        return Compare(field=self.name, op="empty")

    def is_true(self) -> Compare:
        return Compare(field=self.name, op="eq", value=True)


def lookup(facts: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted ``path`` (``applicant.age``), or None when absent."""
    value: Any = facts
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _ordered(left: Any, right: Any) -> bool:
    # Order only like with like: numbers with numbers, text with text (ISO dates sort as
    # text). Anything else (a missing field, a number against text) is simply not true.
    return (_is_number(left) and _is_number(right)) or (
        isinstance(left, str) and isinstance(right, str)
    )


def _same(left: Any, right: Any) -> bool:
    # In Python True == 1; in a form a ticked box is not the number one.
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right
    return bool(left == right)


def _filled(value: Any) -> bool:
    return value is not None and value != "" and value != [] and value != {}


def evaluate(rule: Rule, facts: Mapping[str, Any]) -> bool:
    """Whether ``rule`` holds for ``facts`` (a form, plus any case facts)."""
    if isinstance(rule, AllOf):
        return all(evaluate(r, facts) for r in rule.rules)
    if isinstance(rule, AnyOf):
        return any(evaluate(r, facts) for r in rule.rules)
    if isinstance(rule, Not):
        return not evaluate(rule.rule, facts)
    left = lookup(facts, rule.field)
    right = lookup(facts, rule.other) if rule.other is not None else rule.value
    op = rule.op
    if op == "filled":
        return _filled(left)
    if op == "empty":
        return not _filled(left)
    if op == "eq":
        return _same(left, right)
    if op == "ne":
        return not _same(left, right)
    if op in ("in", "not_in"):
        found = isinstance(right, list | tuple) and any(_same(left, c) for c in right)
        return found if op == "in" else not found
    if op == "contains":
        return isinstance(left, list | tuple | str) and right in left
    if not _ordered(left, right):
        return False
    if op == "gt":
        return bool(left > right)
    if op == "ge":
        return bool(left >= right)
    if op == "lt":
        return bool(left < right)
    return bool(left <= right)  # "le"


def rule_fields(rule: Rule) -> set[str]:
    """Every field a rule reads (for declaration checks)."""
    if isinstance(rule, AllOf | AnyOf):
        return set().union(*(rule_fields(r) for r in rule.rules))
    if isinstance(rule, Not):
        return rule_fields(rule.rule)
    return {rule.field} | ({rule.other} if rule.other else set())


def rule_problems(rule: Rule) -> list[str]:
    """Structural problems: empty combinations, operators given the wrong operand."""
    if isinstance(rule, AllOf | AnyOf):
        if not rule.rules:
            return ["a combined rule needs at least one rule"]
        return [p for r in rule.rules for p in rule_problems(r)]
    if isinstance(rule, Not):
        return rule_problems(rule.rule)
    if rule.op in ("in", "not_in") and not isinstance(rule.value, list | tuple):
        return [f"rule on {rule.field!r}: '{rule.op}' needs a list of values"]
    if rule.op in ("filled", "empty") and (rule.value is not None or rule.other):
        return [f"rule on {rule.field!r}: '{rule.op}' takes no value"]
    return []


def describe(rule: Rule, labels: Mapping[str, tuple[str, str]] | None = None) -> tuple[str, str]:
    """The rule in words, (zh-CN, en), naming fields by their labels when given."""
    labels = labels or {}

    def name(field: str) -> tuple[str, str]:
        return labels.get(field, (field, field))

    if isinstance(rule, AllOf | AnyOf):
        parts = [
            (f"（{zh}）", f"({en})") if isinstance(r, AllOf | AnyOf) else (zh, en)
            for r in rule.rules
            for zh, en in [describe(r, labels)]
        ]
        zh_join, en_join = ("且", " and ") if isinstance(rule, AllOf) else ("或", " or ")
        return zh_join.join(p[0] for p in parts), en_join.join(p[1] for p in parts)
    if isinstance(rule, Not):
        zh, en = describe(rule.rule, labels)
        return f"并非（{zh}）", f"not ({en})"
    zh_op, en_op = _OP_WORDS[rule.op]
    field_zh, field_en = name(rule.field)
    if rule.op in ("filled", "empty"):
        return f"“{field_zh}”{zh_op}", f"'{field_en}' {en_op}"
    if rule.other is not None:
        other_zh, other_en = name(rule.other)
        return f"“{field_zh}”{zh_op}“{other_zh}”", f"'{field_en}' {en_op} '{other_en}'"
    shown = "、".join(map(str, rule.value)) if isinstance(rule.value, list) else str(rule.value)
    shown_en = ", ".join(map(str, rule.value)) if isinstance(rule.value, list) else str(rule.value)
    return f"“{field_zh}”{zh_op}{shown}", f"'{field_en}' {en_op} {shown_en}"
