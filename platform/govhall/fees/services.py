"""Fee assessment: apply an item's declared rules to an application's form.

Only declared rules can produce a charge, and every rule carries its legal
basis (checked when the plugin loads), so no fee is ever charged without one.
"""

from __future__ import annotations

from typing import Any

import msgspec

from govhall.sdk import FeeRule, ItemSpec


class FeeLine(msgspec.Struct, kw_only=True):
    code: str
    name: str
    name_en: str
    basis: str
    standard: str
    quantity: int
    amount_fen: int


def rule_applies(rule: FeeRule, form: dict[str, Any]) -> bool:
    return all(form.get(name) == value for name, value in rule.when.items())


def assess_rule(rule: FeeRule, form: dict[str, Any]) -> FeeLine | None:
    if not rule_applies(rule, form):
        return None
    if rule.kind == "fixed":
        quantity, amount = 1, rule.amount_fen
    else:
        counted = form.get(rule.unit_field or "", 0)
        units = counted if isinstance(counted, int) and not isinstance(counted, bool) else 0
        quantity = max(units - rule.free_units, 0)
        amount = quantity * rule.amount_fen
    if rule.max_fen is not None:
        amount = min(amount, rule.max_fen)
    if amount == 0:
        return None
    return FeeLine(
        code=rule.code,
        name=rule.name,
        name_en=rule.name_en,
        basis=rule.basis,
        standard=rule.standard,
        quantity=quantity,
        amount_fen=amount,
    )


def assess_fees(item: ItemSpec, form: dict[str, Any]) -> list[FeeLine]:
    """The fee lines an application owes (an empty list for a free item)."""
    lines = (assess_rule(rule, form) for rule in item.fees)
    return [line for line in lines if line is not None]


def total_fen(lines: list[FeeLine]) -> int:
    return sum(line.amount_fen for line in lines)
