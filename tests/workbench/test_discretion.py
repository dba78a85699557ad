"""Discretionary standards at the deciding step (R-W6): the band the facts select is
shown; a value inside it passes, outside it but within the law needs a reason,
outside the law is refused — through the API and on the workbench."""

from __future__ import annotations

from govhall.cases.tables import CaseEvent
from tests.conftest import Api
from tests.portal.test_apply import BASE, csrf
from tests.workbench.test_pages import staff_sign_in

PENALTY = {
    "party_name": "城关镇某某超市",
    "location": "城关镇人民路20号门前",
    "area": 12,
    "found_date": "2026-11-20",
}


async def _penalty_at_decision(api: Api) -> str:
    citizen = await api.citizen()
    blob = await api.upload(citizen)
    made = await api.client.post(
        api.t("/applications"),
        headers=citizen,
        json={
            "item_code": "CG-CF-0001",
            "form": PENALTY,
            "materials": [{"material_code": "inspection_record", "blob_id": blob["blob_id"]}],
        },
    )
    assert made.status_code == 201, made.text
    serial = str(made.json()["serial_number"])
    for who, action in (("clerk", "accept"), ("dept-handler", "pass")):
        done = await api.act(await api.staff(who), serial, action, "同意")
        assert done.status_code == 200, done.text
    return serial


async def test_the_band_decides_what_needs_a_reason_and_what_is_refused(
    api: Api, demo: None
) -> None:
    serial = await _penalty_at_decision(api)
    approver = await api.staff("dept-approver")
    missing = await api.act(approver, serial, "approve", "同意")
    assert missing.status_code == 422 and missing.json()["code"] == "discretion_value_required"
    unlawful = await api.act(approver, serial, "approve", "同意", fine_fen=3_000_000)
    assert unlawful.status_code == 422 and unlawful.json()["code"] == "discretion_blocked"
    below = await api.act(approver, serial, "approve", "", fine_fen=300_000)
    assert below.status_code == 422 and below.json()["code"] == "discretion_reason_required"
    reasoned = await api.act(
        approver, serial, "approve", "当事人主动消除影响，酌情减轻", fine_fen=300_000
    )
    assert reasoned.status_code == 200, reasoned.text
    event = (
        await CaseEvent.select(CaseEvent.data)
        .output(load_json=True)
        .where(CaseEvent.action == "approve")
        .first()
    )
    assert event is not None
    assert event["data"]["discretion"] == [
        {
            "standard": "road_occupation_fine",
            "proposed": 300000,
            "band": "ordinary",
            "outcome": "needs_reason",
        }
    ]


async def test_the_workbench_shows_the_band_and_keeps_the_refusal_in_place(
    api: Api, demo: None
) -> None:
    serial = await _penalty_at_decision(api)
    await staff_sign_in(api, "dept-approver")
    screen = await api.client.get(f"{BASE}/work/cases/{serial}")
    assert "适用裁量档次：一般" in screen.text and "5000.01—10000.00" in screen.text
    refused = await api.client.post(
        f"{BASE}/work/cases/{serial}/act",
        data={
            "action": "approve",
            "opinion": "同意",
            "d.fine_fen": "3000000",
            "_csrf_token": csrf(api.client),
        },
    )
    assert refused.status_code == 422 and 'id="err-fine_fen"' in refused.text
    decided = await api.client.post(
        f"{BASE}/work/cases/{serial}/act",
        data={
            "action": "approve",
            "opinion": "同意",
            "d.fine_fen": "800000",
            "_csrf_token": csrf(api.client),
        },
    )
    assert decided.status_code == 303


async def test_a_fine_typed_in_yuan_on_the_workbench(api: Api, demo: None) -> None:
    serial = await _penalty_at_decision(api)
    await staff_sign_in(api, "dept-approver")
    await api.client.get(f"{BASE}/work/cases/{serial}")
    typo = await api.client.post(
        f"{BASE}/work/cases/{serial}/act",
        data={
            "action": "approve",
            "opinion": "同意",
            "y.fine_fen": "八千",
            "_csrf_token": csrf(api.client),
        },
    )
    assert typo.status_code == 422 and "两位小数" in typo.text
    decided = await api.client.post(
        f"{BASE}/work/cases/{serial}/act",
        data={
            "action": "approve",
            "opinion": "同意",
            "y.fine_fen": "8000",
            "_csrf_token": csrf(api.client),
        },
    )
    assert decided.status_code == 303, decided.text
    event = (
        await CaseEvent.select(CaseEvent.data)
        .output(load_json=True)
        .where(CaseEvent.action == "approve")
        .first()
    )
    assert event is not None and event["data"]["discretion"][0]["proposed"] == 800000
