"""Fee declarations (R-P4): every line carries its legal basis and standard.

Money is an integer number of fen (分) so that no rounding error reaches a
receipt; quantities (an area in m², a contract sum in 万元) may be decimal and
the amount is rounded half-up to the fen.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from govhall.sdk.rules import Rule


class FeeTier(msgspec.Struct, frozen=True, kw_only=True):
    """A slab of a tiered fee: units up to ``up_to`` (inclusive, counted from where
    the previous slab ended; ``None`` for the last, open slab) cost ``unit_fen``."""

    up_to: float | None
    unit_fen: int


class FeeReduction(msgspec.Struct, frozen=True, kw_only=True):
    """An exemption (免收, ``percent=100``) or reduction (减收) with its own basis.

    When several apply to one line, the most favourable one is granted; they are
    not added together."""

    code: str
    name: str
    name_en: str = ""
    basis: str
    when: Rule
    percent: int = 100


class FeeRule(msgspec.Struct, frozen=True, kw_only=True):
    """One fee line with its legal basis (收费依据) and standard (收费标准).

    - ``fixed``: ``amount_fen`` once;
    - ``per_unit``: ``amount_fen`` for each unit counted by the form field
      ``unit_field`` (a number, or a list counted by its entries) beyond ``free_units``;
    - ``tiered``: the units beyond ``free_units`` priced slab by slab (``tiers``).

    The amount is then held between ``min_fen`` and ``max_fen``, and the most
    favourable matching reduction applies. ``when`` limits the rule to some
    applications. A rule without a basis or standard is refused at start-up.
    """

    code: str
    name: str
    name_en: str = ""
    basis: str
    """The law or document that allows the fee, e.g. 发改价格规〔2016〕2559号."""
    standard: str
    """The standard in words, e.g. 住宅类每件80元."""
    category: Literal["fee", "deposit", "fund"] = "fee"
    """行政事业性收费, 保证金 (refundable) or 政府性基金."""
    kind: Literal["fixed", "per_unit", "tiered"] = "fixed"
    amount_fen: int = 0
    unit_field: str | None = None
    unit_name: str = ""
    """The unit in words, e.g. 平方米, 人, 万元."""
    free_units: float = 0
    tiers: tuple[FeeTier, ...] = ()
    min_fen: int | None = None
    max_fen: int | None = None
    when: Rule | None = None
    reductions: tuple[FeeReduction, ...] = ()


class AppliedReduction(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    name: str
    name_en: str
    basis: str
    percent: int
    amount_fen: int
    """How much was taken off."""


class FeeLine(msgspec.Struct, frozen=True, kw_only=True):
    """One line of an assessed fee, as shown on the receipt (and returned by the
    ``govhall_adjust_fees`` hook, which must keep a basis on every line)."""

    code: str
    name: str
    name_en: str = ""
    basis: str
    standard: str
    category: str = "fee"
    quantity: float = 1
    gross_fen: int
    """Before any reduction."""
    amount_fen: int
    """What is owed."""
    reduction: AppliedReduction | None = None


class FeeExample(msgspec.Struct, frozen=True, kw_only=True):
    """An example for ``govhall plugin check``: this form must owe ``total_fen``, and
    (when given) exactly these amounts per line code."""

    name: str
    form: dict[str, object]
    total_fen: int
    lines: dict[str, int] = msgspec.field(default_factory=dict)
