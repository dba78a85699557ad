"""The SDK: declaration checks, rules, fees and discretion standards."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from govhall.fees.services import assess_fees, assess_rule, total_fen
from govhall.plugins import PluginRegistry
from govhall.sdk import (
    DiscretionBand,
    DiscretionStandard,
    F,
    FeeReduction,
    FeeRule,
    FeeTier,
    FormSpec,
    ItemSpec,
    MaterialSpec,
    Rule,
    check_discretion,
    check_item,
    describe,
    evaluate,
)
from govhall_housing.plugin import CONSTRUCTION_PERMIT
from govhall_natural_resources.plugin import FIRST_REGISTRATION
from govhall_urban_management.plugin import FINE_STANDARD


def _item(**changes: Any) -> ItemSpec:
    return msgspec.structs.replace(FIRST_REGISTRATION, **changes)


def test_every_first_party_item_is_sound(registry: PluginRegistry) -> None:
    assert len(registry.items) >= 15
    for installed in registry.items.values():
        assert check_item(installed.spec) == [], installed.spec.code


def test_fee_without_basis_is_refused() -> None:
    fee = FeeRule(code="f", name="费", basis=" ", standard="每件1元", amount_fen=100)
    problems = check_item(_item(fees=(fee,)))
    assert any("without a basis" in p for p in problems)
    free_without_reason = check_item(_item(fees=(), fee_free=True, fee_free_basis=""))
    assert any("states why it is free" in p for p in free_without_reason)
    neither = check_item(_item(fees=(), fee_free=False))
    assert any("declare fee rules, or fee_free" in p for p in neither)


def test_fee_rules_name_known_numeric_fields_and_sound_tiers() -> None:
    fee = FeeRule(
        code="f",
        name="费",
        basis="依据",
        standard="标准",
        kind="tiered",
        unit_field="applicant_name",
        tiers=(FeeTier(up_to=None, unit_fen=1), FeeTier(up_to=5, unit_fen=1)),
        when=F("nope") == 1,
        reductions=(FeeReduction(code="r", name="减", basis="", when=F("x").filled(), percent=0),),
    )
    text = "\n".join(check_item(_item(fees=(fee,))))
    for needle in (
        "unit_field must name a numeric or list form field",
        "the last tier must be open",
        "tiers must rise strictly",
        "condition names unknown form field 'nope'",
        "reduction 'r': an exemption or reduction needs its basis",
        "percent must be between 1 and 100",
    ):
        assert needle in text, needle


def test_bad_schema_type_material_and_limits() -> None:
    problems = check_item(
        _item(
            item_type="magic",
            promised_days=31,
            legal_basis=(),
            form=FormSpec(schema={"type": "array", "minItems": "x"}),
            materials=(
                MaterialSpec(code="a", name="A", formats=("doc",)),
                MaterialSpec(code="a", name="B", required_when=F("x").is_true()),
            ),
            fee_free=True,
        )
    )
    text = "\n".join(problems)
    for needle in (
        "item_type",
        "promised_days (31) exceeds statutory_days (30)",
        "legal_basis",
        "JSON Schema",
        "material codes repeat",
        "formats must be some of",
        "a conditional material must set required=False",
        "fee_free is set but fee rules are declared",
    ):
        assert needle in text, needle


def test_form_problems_are_named() -> None:
    form = FormSpec(
        schema={"type": "object", "properties": {"a": {"type": "string"}, "b": {"title": "B"}}},
        order=("zz",),
    )
    text = "\n".join(check_item(_item(form=form, fees=(), fee_free=True, fee_free_basis="免")))
    assert "form field 'a' needs a title" in text
    assert "form order names unknown field 'zz'" in text


def _standard(*bands: tuple[str, int, int]) -> DiscretionStandard:
    return DiscretionStandard(
        code="s",
        name="基准",
        basis="依据",
        subject="amount",
        field="fine_fen",
        low=0,
        high=100,
        bands=tuple(DiscretionBand(key=k, name=k, low=lo, high=hi) for k, lo, hi in bands),
        default_band=bands[0][0],
    )


@pytest.mark.parametrize(
    ("bands", "needle"),
    [
        ((("a", 0, 50), ("b", 50, 100)), "band 'b' overlaps the band before it"),
        ((("a", 0, 40), ("b", 50, 100)), "bands leave a gap from 41 to 49 before band 'b'"),
        ((("a", 0, 40), ("b", 41, 90)), "bands leave a gap from 91 to 100 at the top"),
        ((("a", 10, 40), ("b", 41, 100)), "bands leave a gap from 0 to 9 before band 'a'"),
        ((("a", 0, 40), ("b", 41, 120)), "bands reach beyond the legal maximum 100"),
    ],
)
def test_discretion_bands_must_cover_the_range_exactly(
    bands: tuple[tuple[str, int, int], ...], needle: str
) -> None:
    problems = check_item(_item(discretion=(_standard(*bands),)))
    assert any(needle in p for p in problems), problems


def test_sound_discretion_standard_passes() -> None:
    assert check_item(_item(discretion=(_standard(("a", 0, 40), ("b", 41, 100)),))) == []
    assert check_item(_item(discretion=(FINE_STANDARD,))) == []


@pytest.mark.parametrize(
    ("facts", "proposed", "band", "outcome"),
    [
        ({"area": 5, "corrected_promptly": True}, 300000, "lighter", "ok"),
        ({"area": 5, "corrected_promptly": True}, 800000, "lighter", "needs_reason"),
        ({"area": 20}, 500001, "ordinary", "ok"),
        ({"area": 20}, 500000, "ordinary", "needs_reason"),
        ({"area": 60}, 2000000, "heavier", "ok"),
        ({"area": 60}, 2000001, "heavier", "blocked"),
        ({"area": 60}, -1, "heavier", "blocked"),
    ],
)
def test_discretion_check(facts: dict[str, Any], proposed: int, band: str, outcome: str) -> None:
    result = check_discretion(FINE_STANDARD, facts, proposed)
    assert (result.band, result.outcome) == (band, outcome)
    assert result.explanation and result.explanation_en


def test_decision_standard() -> None:
    standard = DiscretionStandard(
        code="d",
        name="处理决定基准",
        basis="依据",
        subject="decision",
        field="decision",
        decisions=("warning", "fine", "suspend"),
        bands=(
            DiscretionBand(
                key="lighter", name="从轻", decisions=("warning",), when=F("first").is_true()
            ),
            DiscretionBand(key="ordinary", name="一般", decisions=("fine",)),
        ),
        default_band="ordinary",
    )
    assert check_item(_item(discretion=(standard,))) == []
    assert check_discretion(standard, {"first": True}, "warning").outcome == "ok"
    assert check_discretion(standard, {}, "suspend").outcome == "needs_reason"
    assert check_discretion(standard, {}, "revoke").outcome == "blocked"


def test_rules_evaluate_compare_fields_and_round_trip_as_data() -> None:
    rule: Rule = ((F("area") >= 50) | F("repeat").is_true()) & ~(F("end") < F("start"))
    assert evaluate(rule, {"area": 60, "start": "2026-01-01", "end": "2026-02-01"})
    assert not evaluate(rule, {"area": 60, "start": "2026-03-01", "end": "2026-02-01"})
    assert not evaluate(rule, {"area": "60", "start": "a", "end": "b"})  # text is not a number
    assert not evaluate(F("flag") == 1, {"flag": True})  # a ticked box is not the number one
    assert evaluate(F("kind").is_in(["a", "b"]), {"kind": "b"})
    assert evaluate(F("workers").contains("x"), {"workers": ["x"]})
    assert evaluate(F("owner.age") >= 18, {"owner": {"age": 20}})
    encoded = msgspec.json.encode(rule)
    assert msgspec.json.decode(encoded, type=Rule) == rule
    zh, en = describe(F("area") >= 50, {"area": ("面积", "Area")})
    assert (zh, en) == ("“面积”不小于50", "'Area' is at least 50")


def test_fee_tiers_caps_and_reductions() -> None:
    deposit = next(f for f in CONSTRUCTION_PERMIT.fees if f.code == "wage_deposit")
    line = assess_rule(deposit, {"contract_sum_wan": 6000})
    assert line is not None and line.amount_fen == 50000000 + 5000000
    halved = assess_rule(deposit, {"contract_sum_wan": 6000, "wage_record_clean": True})
    assert halved is not None and halved.gross_fen == 55000000 and halved.amount_fen == 27500000
    assert halved.reduction is not None and halved.reduction.percent == 50
    capped = assess_rule(deposit, {"contract_sum_wan": 1000000})
    assert capped is not None and capped.amount_fen == 300000000
    decimal = FeeRule(
        code="m",
        name="按面积",
        basis="依据",
        standard="每平方米0.35元",
        kind="per_unit",
        amount_fen=35,
        unit_field="area",
        min_fen=1000,
    )
    assert assess_rule(decimal, {"area": 100.5}) is not None
    assert assess_rule(decimal, {"area": 100.5}).amount_fen == 3518  # type: ignore[union-attr]
    assert assess_rule(decimal, {"area": 1}).amount_fen == 1000  # type: ignore[union-attr]


def test_exempt_lines_stay_on_the_receipt_with_their_basis() -> None:
    lines = assess_fees(
        FIRST_REGISTRATION, {"property_use": "non_residential", "small_micro_enterprise": True}
    )
    assert [(line.code, line.gross_fen, line.amount_fen) for line in lines] == [
        ("non_residential_registration", 55000, 0)
    ]
    assert lines[0].reduction is not None and "财税〔2019〕45号" in lines[0].reduction.basis
    assert total_fen(lines) == 0
