"""Discretionary standards (自由裁量基准, R-P5) and the built-in way to check them.

A standard bounds a decision made at a step — an amount (fen), a term (days) or
a choice among decisions — by bands of circumstances (从轻/一般/从重). The
circumstances select a band; a proposal inside that band is ``ok``, one outside
the band but inside the legal range ``needs_reason`` (recorded, and raised to
supervision), one outside the legal range is ``blocked``.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from govhall.sdk.rules import Rule, evaluate

Outcome = Literal["ok", "needs_reason", "blocked"]


class DiscretionBand(msgspec.Struct, frozen=True, kw_only=True):
    """One band. ``low``/``high`` are inclusive integers (fen or days) for an amount
    or a term; ``decisions`` are the allowed decisions for a ``decision`` standard.
    ``when`` selects the band from the facts; bands are tried in declared order."""

    key: str
    """``lighter`` / ``ordinary`` / ``heavier``, or ``low`` / ``middle`` / ``high``."""
    name: str
    """从轻 / 一般 / 从重 …"""
    name_en: str = ""
    low: int | None = None
    high: int | None = None
    decisions: tuple[str, ...] = ()
    circumstances: tuple[str, ...] = ()
    """The circumstances in words, as the published standard lists them."""
    when: Rule | None = None


class DiscretionExample(msgspec.Struct, frozen=True, kw_only=True):
    """An example for ``govhall plugin check``: these facts and this proposal must
    select ``band`` and give ``outcome``."""

    name: str
    facts: dict[str, Any]
    proposed: int | str
    band: str
    outcome: Outcome


class DiscretionStandard(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    name: str
    name_en: str = ""
    basis: str
    """The law setting the range and the document publishing the bands."""
    subject: Literal["amount", "term", "decision"]
    unit: str = ""
    """In words: 元 (amounts are declared in fen), 日, 月."""
    field: str
    """The key of the proposed value in the decision's data, e.g. ``fine_fen``."""
    low: int | None = None
    high: int | None = None
    """The legal range (amount or term), inclusive."""
    decisions: tuple[str, ...] = ()
    """Every lawful decision (for a ``decision`` standard)."""
    bands: tuple[DiscretionBand, ...]
    default_band: str
    """The band used when no band's ``when`` holds (usually ``ordinary``)."""
    examples: tuple[DiscretionExample, ...] = ()


class DiscretionResult(msgspec.Struct, frozen=True, kw_only=True):
    outcome: Outcome
    band: str
    band_name: str
    band_name_en: str
    explanation: str
    explanation_en: str


def select_band(standard: DiscretionStandard, facts: dict[str, Any]) -> DiscretionBand:
    for band in standard.bands:
        if band.when is not None and evaluate(band.when, facts):
            return band
    return next(b for b in standard.bands if b.key == standard.default_band)


def _fmt(standard: DiscretionStandard, value: int | None) -> str:
    if value is None:
        return "—"
    if standard.subject == "amount":
        yuan, fen = divmod(value, 100)
        return f"{yuan}.{fen:02d}" if fen else str(yuan)
    return str(value)


def check_discretion(
    standard: DiscretionStandard, facts: dict[str, Any], proposed: int | str
) -> DiscretionResult:
    """Where ``proposed`` falls for ``facts``: ``ok``, ``needs_reason`` or ``blocked``."""
    band = select_band(standard, facts)
    unit = standard.unit

    def result(outcome: Outcome, zh: str, en: str) -> DiscretionResult:
        return DiscretionResult(
            outcome=outcome,
            band=band.key,
            band_name=band.name,
            band_name_en=band.name_en or band.name,
            explanation=zh,
            explanation_en=en,
        )

    band_zh = f"适用“{band.name}”档"
    band_en = f"the '{band.name_en or band.name}' band applies"
    if standard.subject == "decision":
        if proposed not in standard.decisions:
            return result(
                "blocked",
                f"“{proposed}”不是法定的处理决定（可选：{'、'.join(standard.decisions)}）",
                f"'{proposed}' is not a lawful decision (one of: {', '.join(standard.decisions)})",
            )
        if proposed in band.decisions:
            return result("ok", f"{band_zh}，决定在基准范围内", f"{band_en}; within the band")
        return result(
            "needs_reason",
            f"{band_zh}（{'、'.join(band.decisions)}），所作决定超出该档，须说明理由",
            f"{band_en} ({', '.join(band.decisions)}); a decision outside it needs a reason",
        )
    if not isinstance(proposed, int) or isinstance(proposed, bool):
        return result("blocked", "拟作决定须为整数", "The proposed value must be a whole number")
    lo, hi = standard.low, standard.high
    if (lo is not None and proposed < lo) or (hi is not None and proposed > hi):
        return result(
            "blocked",
            f"{_fmt(standard, proposed)}{unit}超出法定幅度（{_fmt(standard, lo)}—"
            f"{_fmt(standard, hi)}{unit}）",
            f"{_fmt(standard, proposed)} {unit} is outside the legal range "
            f"({_fmt(standard, lo)}–{_fmt(standard, hi)} {unit})",
        )
    band_range = f"{_fmt(standard, band.low)}—{_fmt(standard, band.high)}{unit}"
    inside = (band.low is None or proposed >= band.low) and (
        band.high is None or proposed <= band.high
    )
    if inside:
        return result(
            "ok",
            f"{band_zh}（{band_range}），拟作决定在基准范围内",
            f"{band_en} ({band_range}); the proposal is within it",
        )
    return result(
        "needs_reason",
        f"{band_zh}（{band_range}），拟作决定{_fmt(standard, proposed)}{unit}超出该档，须说明理由",
        f"{band_en} ({band_range}); {_fmt(standard, proposed)} {unit} is outside it "
        "and needs a recorded reason",
    )
