"""Fee assessment from declared rules."""

from govhall.fees.services import assess_fees, assess_rule, total_fen
from govhall.sdk import FeeRule
from govhall_natural_resources.plugin import FIRST_REGISTRATION


def test_registration_fees_per_2016_2559() -> None:
    residential = assess_fees(FIRST_REGISTRATION, {"property_use": "residential"})
    assert [(line.code, line.amount_fen) for line in residential] == [
        ("residential_registration", 8000)
    ]
    business = assess_fees(
        FIRST_REGISTRATION, {"property_use": "non_residential", "extra_certificates": 3}
    )
    assert total_fen(business) == 55000 + 3 * 1000
    assert all(line.basis.startswith("《国家发展改革委") for line in business)


def test_per_unit_free_units_cap_and_bad_counts() -> None:
    rule = FeeRule(
        code="copy",
        name="复印",
        basis="依据",
        standard="每页0.5元，前2页免费，最多5元",
        kind="per_unit",
        amount_fen=50,
        unit_field="pages",
        free_units=2,
        max_fen=500,
    )
    assert assess_rule(rule, {"pages": 2}) is None
    line = assess_rule(rule, {"pages": 6})
    assert line is not None and (line.quantity, line.amount_fen) == (4, 200)
    capped = assess_rule(rule, {"pages": 100})
    assert capped is not None and capped.amount_fen == 500
    assert assess_rule(rule, {"pages": True}) is None
    assert assess_rule(rule, {"pages": "7"}) is None
