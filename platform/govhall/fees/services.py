"""Fee assessment: apply an item's declared rules to an application's form.

Only declared rules can produce a charge, and every rule carries its legal
basis (checked when the plugin loads), so no fee is ever charged without one.
Quantities may be decimal (m², 万元); amounts are computed with ``Decimal`` and
rounded half-up to the fen once per line, as a receipt would show them.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from govhall.sdk import AppliedReduction, FeeLine, FeeRule, ItemSpec, evaluate


def _quantity(rule: FeeRule, form: dict[str, Any]) -> Decimal:
    counted = form.get(rule.unit_field or "", 0)
    if isinstance(counted, list):  # e.g. the workers of a batch application, one unit each
        counted = len(counted)
    if isinstance(counted, bool) or not isinstance(counted, int | float):
        return Decimal(0)
    return max(Decimal(str(counted)) - Decimal(str(rule.free_units)), Decimal(0))


def _tiered(rule: FeeRule, quantity: Decimal) -> Decimal:
    total = Decimal(0)
    floor = Decimal(0)
    for tier in rule.tiers:
        ceiling = quantity if tier.up_to is None else min(quantity, Decimal(str(tier.up_to)))
        if ceiling > floor:
            total += (ceiling - floor) * tier.unit_fen
        if tier.up_to is None or quantity <= Decimal(str(tier.up_to)):
            break
        floor = Decimal(str(tier.up_to))
    return total


def _fen(amount: Decimal) -> int:
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def assess_rule(rule: FeeRule, form: dict[str, Any]) -> FeeLine | None:
    """The line ``rule`` charges for ``form``, or None when it does not apply."""
    if rule.when is not None and not evaluate(rule.when, form):
        return None
    if rule.kind == "fixed":
        quantity, gross = Decimal(1), rule.amount_fen
    else:
        quantity = _quantity(rule, form)
        raw = quantity * rule.amount_fen if rule.kind == "per_unit" else _tiered(rule, quantity)
        gross = _fen(raw)
    if rule.min_fen is not None:
        gross = max(gross, rule.min_fen)
    if rule.max_fen is not None:
        gross = min(gross, rule.max_fen)
    applied = None
    best = max(
        (r for r in rule.reductions if evaluate(r.when, form)),
        key=lambda r: r.percent,
        default=None,
    )
    amount = gross
    if best is not None:
        off = _fen(Decimal(gross) * best.percent / 100)
        amount = gross - off
        applied = AppliedReduction(
            code=best.code,
            name=best.name,
            name_en=best.name_en,
            basis=best.basis,
            percent=best.percent,
            amount_fen=off,
        )
    if gross == 0:
        return None
    return FeeLine(
        code=rule.code,
        name=rule.name,
        name_en=rule.name_en,
        basis=rule.basis,
        standard=rule.standard,
        category=rule.category,
        quantity=float(quantity),
        gross_fen=gross,
        amount_fen=amount,
        reduction=applied,
    )


def assess_fees(item: ItemSpec, form: dict[str, Any]) -> list[FeeLine]:
    """The fee lines an application owes by the declared rules (empty for a free item).
    Exempted lines stay on the list with their exemption, so the receipt shows why."""
    lines = (assess_rule(rule, form) for rule in item.fees)
    return [line for line in lines if line is not None]


def total_fen(lines: list[FeeLine]) -> int:
    return sum(line.amount_fen for line in lines)
