"""Parallel approval (并联审批) and bundles (一件事): one form, several independent cases."""

from __future__ import annotations

from typing import Any

from govhall.cases.tables import Case, Project
from tests.conftest import Api

ITEMS = ["SC-GTGS-0001", "WJ-GGCS-0001", "CG-ZDXK-0001"]  # 市场监管局, 卫健委, 城管局
FORM: dict[str, Any] = {
    # 个体工商户设立登记
    "operator_name": "王五",
    "id_number": "11010519491231002X",
    "phone": "13800138000",
    "organisation": "individual",
    "business_name": "城关镇王五小吃店",
    "business_scope": "小餐饮",
    "premises": "城关镇人民路8号",
    "capital_wan": 5,
    "employees": 4,
    # 公共场所卫生许可
    "unit_name": "城关镇王五小吃店",
    "credit_code": "91110000600037341L",
    "legal_representative": "王五",
    "address": "城关镇人民路8号",
    "place_kind": "hotel",
    "floor_area": 120,
    "central_air_conditioning": False,
    # 临时占用道路
    "applicant_name": "王五",
    "location": "城关镇人民路8号门前人行道",
    "purpose": "construction",
    "area": 10,
    "start_date": "2026-12-01",
    "end_date": "2026-12-10",
}
MATERIALS = [
    "application_form",
    "premises_proof",
    "layout",
    "hygiene_rules",
    "hygiene_test",
    "site_plan",
]


async def _create(api: Api, citizen: dict[str, str], **extra: Any) -> Any:
    materials = []
    for code in MATERIALS:
        blob = await api.upload(citizen)
        materials.append({"material_code": code, "blob_id": blob["blob_id"]})
    return await api.client.post(
        api.t("/projects"),
        headers=citizen,
        json={
            "name": "我要开小吃店",
            "kind": "bundle",
            "items": ITEMS,
            "form": FORM,
            "materials": materials,
            **extra,
        },
    )


async def _handle_to_end(api: Api, serial: str) -> None:
    steps = [("clerk", "accept"), ("dept-handler", "pass"), ("dept-approver", "approve")]
    steps.append(("dept-handler", "conclude"))
    for who, action in steps:
        response = await api.act(await api.staff(who), serial, action, "同意")
        assert response.status_code == 200, response.text


async def test_three_departments_one_removed_midway_concludes(api: Api, demo: None) -> None:
    citizen = await api.citizen()
    created = await _create(api, citizen)
    assert created.status_code == 201, created.text
    project = created.json()
    assert project["open_parts"] == 3 and project["status"] == "open"
    parts = {p["item_code"]: p for p in project["parts"]}
    assert sorted(parts) == sorted(ITEMS)
    assert {p["department"] for p in parts.values()} == {"scjgj", "wjj", "cgj"}
    assert all(p["query_code"] for p in parts.values())
    # Each case got only its own item's fields.
    street = (
        await Case.objects().output(load_json=True).where(Case.item_code == "CG-ZDXK-0001").first()
    )
    assert street is not None and "business_name" not in street.form
    number = project["number"]

    await _handle_to_end(api, parts["SC-GTGS-0001"]["serial_number"])
    clerk = await api.staff("clerk")
    assert (
        await api.act(clerk, parts["CG-ZDXK-0001"]["serial_number"], "accept")
    ).status_code == 200

    remove_url = api.t(f"/projects/{number}/parts/CG-ZDXK-0001/remove")
    assert (
        await api.client.post(remove_url, headers=clerk, json={"reason": "x"})
    ).status_code == 403
    lead = await api.staff("dept-handler")
    assert (
        await api.client.post(remove_url, headers=lead, json={"reason": " "})
    ).status_code == 422
    removed = await api.client.post(remove_url, headers=lead, json={"reason": "选址不再占道"})
    assert removed.status_code == 200, removed.text
    after = {p["item_code"]: p for p in removed.json()["parts"]}
    assert after["CG-ZDXK-0001"]["status"] == "terminated"
    assert after["WJ-GGCS-0001"]["status"] == "submitted"  # untouched
    assert removed.json()["open_parts"] == 1 and removed.json()["status"] == "open"
    lead_removal = await api.client.post(
        api.t(f"/projects/{number}/parts/SC-GTGS-0001/remove"), headers=lead, json={"reason": "x"}
    )
    assert lead_removal.status_code == 404  # already concluded: no open part to remove

    await _handle_to_end(api, parts["WJ-GGCS-0001"]["serial_number"])
    final = await api.client.get(api.t(f"/projects/{number}"), headers=citizen)
    assert final.status_code == 200
    assert final.json()["status"] == "concluded" and final.json()["open_parts"] == 0
    assert final.json()["concluded_at"]
    stranger = await api.citizen("lisi")
    assert (await api.client.get(api.t(f"/projects/{number}"), headers=stranger)).status_code == 403


async def test_the_lead_adds_a_part_from_the_shared_data(api: Api, demo: None) -> None:
    citizen = await api.citizen()
    created = await _create(api, citizen, items=ITEMS[:2], kind="parallel", joint=True)
    assert created.status_code == 201, created.text
    number = created.json()["number"]
    lead = await api.staff("dept-handler")
    added = await api.client.post(
        api.t(f"/projects/{number}/parts"), headers=lead, json={"item_code": "CG-ZDXK-0001"}
    )
    assert added.status_code == 201, added.text
    assert added.json()["open_parts"] == 3 and len(added.json()["parts"]) == 3
    again = await api.client.post(
        api.t(f"/projects/{number}/parts"), headers=lead, json={"item_code": "CG-ZDXK-0001"}
    )
    assert again.status_code == 409
    project = await Project.objects().first()
    assert project is not None and project.joint
    case = (
        await Case.objects().output(load_json=True).where(Case.item_code == "CG-ZDXK-0001").first()
    )
    assert case is not None and case.state["clock"]["limit_days"] == 45  # type: ignore[index]
    nope = await api.client.post(
        api.t(f"/projects/{number}/parts/SC-GTGS-0001/remove"), headers=lead, json={"reason": "x"}
    )
    assert nope.status_code == 409 and nope.json()["code"] == "lead_part"


async def test_one_problem_names_its_item(api: Api, demo: None) -> None:
    citizen = await api.citizen()
    response = await _create(api, citizen, form={**FORM, "phone": "12"})
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"SC-GTGS-0001.phone", "WJ-GGCS-0001.phone"} <= fields
    assert await Project.count() == 0 and await Case.count() == 0
    single = await _create(api, citizen, items=["SC-GTGS-0001"])
    assert single.status_code == 422 and single.json()["code"] == "project_needs_items"


async def test_a_joint_limit_is_extended_once_for_the_whole_project(api: Api, demo: None) -> None:
    """§42: 45 working days for joint handling, extended by 15 with the approval of the
    head of the people's government at that level — not a department's approver."""
    citizen = await api.citizen()
    created = await _create(api, citizen, items=ITEMS[:2], kind="parallel", joint=True)
    assert created.status_code == 201, created.text
    serials = [p["serial_number"] for p in created.json()["parts"]]
    clerk = await api.staff("clerk")
    for serial in serials:
        assert (await api.act(clerk, serial, "accept", "同意")).status_code == 200
    approver = await api.staff("dept-approver")
    refused = await api.act(approver, serials[0], "extend", "多部门联合核查")
    assert refused.status_code == 403 and "本级人民政府负责人" in refused.json()["detail"]
    head = await api.staff("countyhead")
    extended = await api.act(head, serials[0], "extend", "多部门联合核查")
    assert extended.status_code == 200, extended.text
    for serial in serials:
        case = (
            await Case.objects().output(load_json=True).where(Case.serial_number == serial).first()
        )
        assert case is not None
        assert case.state["clock"]["extension_days"] == 15, serial  # type: ignore[index]
