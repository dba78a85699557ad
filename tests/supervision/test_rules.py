"""Rule signals (R-S5): a red card at once when a complete application is not
accepted or a correction asks for materials the item does not list; supervisors
review and close them; the sweep leaves them alone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from govhall.supervision.sweep import sweep
from govhall.supervision.tables import Signal
from tests.conftest import Api
from tests.portal.test_apply import BASE, hidden
from tests.workbench.test_pages import staff_sign_in


async def test_rule_breaches_raise_red_cards_that_supervisors_review(api: Api, demo: None) -> None:
    citizen = await api.citizen()
    clerk, supervisor = await api.staff("clerk"), await api.staff("supervisor")
    complete = (await api.submit(citizen))["serial_number"]
    assert (await api.act(clerk, complete, "reject", "不属于本部门职权")).status_code == 200
    corrected = (await api.submit(citizen))["serial_number"]
    fine = await api.act(
        clerk, corrected, "request_correction", "请补正", items=["申请人身份证明：复印件不清晰"]
    )
    assert fine.status_code == 200
    assert await Signal.count().where(Signal.kind == "rule") == 1
    again = (await api.submit(citizen))["serial_number"]
    extra = await api.act(
        clerk,
        again,
        "request_correction",
        "请补正",
        items=["application_form", "村委会证明", {"text": "收入证明"}],
    )
    assert extra.status_code == 200

    listed = (
        await api.client.get(api.t("/signals"), headers=supervisor, params={"level": "red"})
    ).json()["items"]
    rules = {s["serial_number"]: s for s in listed if s["kind"] == "rule"}
    assert set(rules) == {complete, again}
    assert rules[complete]["subject"] == "rule" and "不属于本部门职权" in rules[complete]["reason"]
    assert rules[again]["reason"] == "要求提交事项清单以外的材料：村委会证明、收入证明"
    # The sweep clears deadline signals only.
    await sweep(datetime.now(UTC))
    assert await Signal.count().where((Signal.kind == "rule") & Signal.cleared_at.is_null()) == 2

    url = api.t(f"/signals/{rules[complete]['id']}/review")
    bare = await api.client.post(url, headers=supervisor, json={"comment": ""})
    assert bare.status_code == 422
    clerk_try = await api.client.post(url, headers=clerk, json={"comment": "x"})
    assert clerk_try.status_code == 403
    done = await api.client.post(
        url, headers=supervisor, json={"comment": "经核实确属越权，已纠正"}
    )
    assert done.status_code == 204
    twice = await api.client.post(url, headers=supervisor, json={"comment": "再次"})
    assert twice.status_code == 409

    await staff_sign_in(api, "supervisor")
    page = await api.client.get(f"{BASE}/work/supervision/")
    assert (
        "收入证明" in page.text
        and f"/work/supervision/signals/{rules[again]['id']}/review" in page.text
    )
    reviewed = await api.client.post(
        f"{BASE}/work/supervision/signals/{rules[again]['id']}/review",
        data={"_csrf_token": hidden(page.text, "_csrf_token"), "comment": "已责令改正"},
    )
    assert reviewed.status_code == 303
    assert await Signal.count().where((Signal.kind == "rule") & Signal.cleared_at.is_null()) == 0


def test_correction_items_are_materials_or_marked_free_text() -> None:
    """Compared by code and exact name, never by substring; a dict is data, not text."""
    from govhall.errors import InvalidInput
    from govhall.supervision.rules import correction_items
    from govhall_natural_resources.plugin import FIRST_REGISTRATION as spec

    assert correction_items(
        spec,
        [
            "identity_proof",
            "申请人身份证明：复印件不清晰",
            {"material_code": "application_form", "note": "未签字"},
            "身份证明",  # a substring of a declared name: not that material
            {"text": "宗地图"},
        ],
    ) == [
        "申请人身份证明",
        "申请人身份证明（复印件不清晰）",
        "不动产登记申请书（未签字）",
        "其他：身份证明",
        "其他：宗地图",
    ]
    with pytest.raises(InvalidInput) as bad:
        correction_items(spec, [{"material_code": "nope"}, {"x": 1}, 3])
    assert bad.value.code == "correction_items_invalid"
