"""Built-in application behaviour: prefill from the account, and the band check of
discretionary standards. Both ``trylast`` so a department plugin can do better."""

from __future__ import annotations

from typing import Any

from govhall.sdk import (
    DiscretionResult,
    DiscretionStandard,
    ItemSpec,
    check_discretion,
    hookimpl,
)

# Which account value fills a field drawn with which widget.
_BY_WIDGET = {"id_number": "id_number", "credit_code": "credit_code", "phone": "phone"}
_BY_NAME = {"applicant_name": "name", "enterprise_name": "name", "operator_name": "name"}


@hookimpl(trylast=True)
def govhall_prefill(item: ItemSpec, applicant: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, field in item.form.properties.items():
        source = _BY_NAME.get(name) or _BY_WIDGET.get(str(field.get("x-widget", "")))
        value = applicant.get(source) if source else None
        if value:
            values[name] = value
    return values


@hookimpl(trylast=True)
def govhall_check_discretion(
    standard: DiscretionStandard, facts: dict[str, Any], proposed: int | str
) -> DiscretionResult:
    return check_discretion(standard, facts, proposed)
