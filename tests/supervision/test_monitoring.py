"""Process, logic and anomaly monitoring (R-S1, R-S3, R-S4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from govhall.cases.tables import Case, CaseEvent
from tests.conftest import ID_NUMBER, PNG_BYTES, Api
from tests.engagement.test_engagement import concluded_case
from tests.portal.test_apply import BASE
from tests.workbench.test_pages import staff_sign_in


async def _cases(api: Api) -> dict[str, str]:
    citizen = await api.citizen()
    clerk = await api.staff("clerk")
    waiting = (await api.submit(citizen))["serial_number"]
    handling = (await api.submit(citizen))["serial_number"]
    assert (await api.act(clerk, handling, "accept", "同意")).status_code == 200
    rejected = (await api.submit(citizen))["serial_number"]
    assert (await api.act(clerk, rejected, "reject", "不属于本部门职权")).status_code == 200
    abandoned = (await api.submit(citizen))["serial_number"]
    asked = await api.act(clerk, abandoned, "request_correction", "请补正", items=["宗地图"])
    assert asked.status_code == 200
    # Submitted and asked forty days ago, and never answered.
    case_id = (await Case.select(Case.id).where(Case.serial_number == abandoned))[0]["id"]
    for event in await CaseEvent.select(CaseEvent.id, CaseEvent.created_at).where(
        CaseEvent.case == case_id
    ):
        await CaseEvent.update(
            {CaseEvent.created_at: event["created_at"] - timedelta(days=40)}
        ).where(CaseEvent.id == event["id"])
    fine = await concluded_case(api, citizen)
    broken = await concluded_case(api, citizen)
    broken_id = (await Case.select(Case.id).where(Case.serial_number == broken))[0]["id"]
    # A record that cannot be right: the approval step gone, one event back-dated.
    await CaseEvent.update({CaseEvent.action: "pass"}).where(
        (CaseEvent.case == broken_id) & (CaseEvent.action == "approve")
    )
    await CaseEvent.update({CaseEvent.created_at: datetime(2020, 1, 1, tzinfo=UTC)}).where(
        (CaseEvent.case == broken_id) & (CaseEvent.seq == 3)
    )
    return {
        "waiting": waiting,
        "handling": handling,
        "rejected": rejected,
        "abandoned": abandoned,
        "fine": fine,
        "broken": broken,
    }


async def test_process_logic_and_anomalies(api: Api, demo: None) -> None:
    made = await _cases(api)
    supervisor = await api.staff("supervisor")
    stages = (await api.client.get(api.t("/monitoring/process"), headers=supervisor)).json()
    by_stage = {s["stage"]: s["count"] for s in stages}
    assert by_stage == {"acceptance": 1, "handling": 1, "paused": 1}
    assert {s["department"] for s in stages} == {"zrzyj"}

    logic = (await api.client.get(api.t("/monitoring/logic"), headers=supervisor)).json()
    flagged = {(f["kind"], f["serial_number"]) for f in logic["items"]}
    assert flagged == {
        ("concluded_undecided", made["broken"]),
        ("time_order", made["broken"]),
    }
    assert logic["counts"] == {
        "concluded_unaccepted": 0,
        "concluded_undecided": 1,
        "time_order": 1,
        "after_end": 0,
    }
    only = await api.client.get(
        api.t("/monitoring/logic"), headers=supervisor, params={"check": "time_order"}
    )
    assert [f["kind"] for f in only.json()["items"]] == ["time_order"]

    anomalies = (await api.client.get(api.t("/monitoring/anomalies"), headers=supervisor)).json()
    assert anomalies["counts"] == {
        "returned": 0,
        "voided": 0,
        "withdrawn": 0,
        "abandoned": 1,
        "rejected": 1,
    }
    found = {(f["kind"], f["serial_number"]) for f in anomalies["items"]}
    assert found == {("abandoned", made["abandoned"]), ("rejected", made["rejected"])}
    rejected = await api.client.get(
        api.t("/monitoring/anomalies"), headers=supervisor, params={"kind": "rejected"}
    )
    assert [f["serial_number"] for f in rejected.json()["items"]] == [made["rejected"]]

    bad = await api.client.get(
        api.t("/monitoring/anomalies"),
        headers={**supervisor, "Accept-Language": "en"},
        params={"kind": "lost"},
    )
    assert bad.status_code == 422 and "rejected" in bad.json()["detail"]
    clerk = await api.staff("clerk")
    assert (await api.client.get(api.t("/monitoring/logic"), headers=clerk)).status_code == 403


async def test_the_monitoring_page(api: Api, demo: None) -> None:
    made = await _cases(api)
    await staff_sign_in(api, "supervisor")
    process = await api.client.get(f"{BASE}/work/supervision/monitor/")
    assert process.status_code == 200 and 'data-stage="acceptance-zrzyj"' in process.text
    logic = await api.client.get(f"{BASE}/work/supervision/monitor/?view=logic")
    assert f'data-flag="time_order-{made["broken"]}"' in logic.text
    anomalies = await api.client.get(
        f"{BASE}/work/supervision/monitor/?view=anomalies&kind=abandoned"
    )
    assert f'data-flag="abandoned-{made["abandoned"]}"' in anomalies.text
    assert f'data-flag="rejected-{made["rejected"]}"' not in anomalies.text
    wrong = await api.client.get(f"{BASE}/work/supervision/monitor/?view=anomalies&kind=x")
    assert wrong.status_code == 422 and 'id="monitor-error"' in wrong.text


async def test_an_on_the_spot_case_is_no_anomaly(api: Api, demo: None) -> None:
    """即办件: the window's one conclusion is its acceptance and its decision."""
    citizen = await api.citizen("elder")
    blob = (await api.upload(citizen, PNG_BYTES, "photo.png"))["blob_id"]
    submitted = await api.client.post(
        api.t("/applications"),
        headers=citizen,
        json={
            "item_code": "MZ-LNYD-0001",
            "form": {
                "elder_name": "张三",
                "elder_id_number": ID_NUMBER,
                "phone": "13800138000",
                "delivery": "window",
            },
            "materials": [{"material_code": "photo", "blob_id": blob}],
        },
    )
    assert submitted.status_code == 201, submitted.text
    serial = submitted.json()["serial_number"]
    done = await api.act(await api.staff("clerk"), serial, "conclude", "当场办结")
    assert done.status_code == 200 and done.json()["status"] == "concluded", done.text
    supervisor = await api.staff("supervisor")
    logic = (await api.client.get(api.t("/monitoring/logic"), headers=supervisor)).json()
    assert serial not in {f["serial_number"] for f in logic["items"]}
