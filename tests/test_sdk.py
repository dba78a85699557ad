"""Declaration checks in the SDK."""

from __future__ import annotations

from typing import Any

from govhall.sdk import FeeRule, FormSpec, ItemSpec, MaterialSpec, check_item
from govhall_natural_resources.plugin import FIRST_REGISTRATION


def _item(**changes: Any) -> ItemSpec:
    fields = {
        name: getattr(FIRST_REGISTRATION, name) for name in FIRST_REGISTRATION.__struct_fields__
    }
    return ItemSpec(**{**fields, **changes})


def test_the_first_party_item_is_sound() -> None:
    assert check_item(FIRST_REGISTRATION) == []


def test_fee_without_basis_is_refused() -> None:
    fee = FeeRule(code="f", name="费", basis=" ", standard="每件1元", amount_fen=100)
    problems = check_item(_item(fees=(fee,)))
    assert any("without a basis" in p for p in problems)


def test_per_unit_fee_needs_integer_field_and_conditions_known_fields() -> None:
    fee = FeeRule(
        code="f",
        name="费",
        basis="依据",
        standard="标准",
        kind="per_unit",
        amount_fen=100,
        unit_field="floor_area",
        when={"nope": 1},
    )
    problems = check_item(_item(fees=(fee,)))
    assert any("integer form field" in p for p in problems)
    assert any("unknown form field 'nope'" in p for p in problems)


def test_bad_schema_type_material_and_limits() -> None:
    problems = check_item(
        _item(
            item_type="magic",
            promised_days=31,
            legal_basis=(),
            form=FormSpec(schema={"type": "array", "minItems": "x"}),
            materials=(
                MaterialSpec(code="a", name="A", formats=("doc",)),
                MaterialSpec(code="a", name="B"),
            ),
            fee_free=True,
        )
    )
    text = "\n".join(problems)
    for needle in (
        "item_type",
        "promised_days",
        "legal_basis",
        "JSON Schema",
        "type 'object'",
        "unknown formats",
        "repeat",
        "fee_free",
    ):
        assert needle in text, needle
