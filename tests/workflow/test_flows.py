"""Tenant and department copies of an item's flow: checked, versioned, pinned per case."""

from __future__ import annotations

from typing import Any

import msgspec

from govhall.builtin.flow import STANDARD_FLOW
from tests.conftest import Api

ITEM = "NR-BDC-0001"


def standard() -> dict[str, Any]:
    return msgspec.json.decode(msgspec.json.encode(STANDARD_FLOW))  # type: ignore[no-any-return]


def with_countersign() -> dict[str, Any]:
    flow = standard()
    review = {
        "key": "plan_review",
        "name": "规划意见",
        "role": "reviewer",
        "actions": [{"name": "agree", "goto": "end"}, {"name": "disagree", "goto": "end"}],
    }
    flow["steps"].insert(
        2,
        {
            "key": "countersign",
            "name": "会签",
            "branches": [
                {"key": "plan", "name": "规划", "steps": [review]},
                {
                    "key": "survey",
                    "name": "测绘",
                    "when": {"type": "compare", "field": "floor_area", "op": "gt", "value": 500},
                    "steps": [{**review, "key": "survey_review", "name": "测绘意见"}],
                },
            ],
            "join": "all",
        },
    )
    flow["steps"][1]["limit_days"] = 3
    return flow


async def test_the_default_flow_is_version_zero(api: Api, demo: None) -> None:
    response = await api.client.get(api.t(f"/flows/{ITEM}"), headers=await api.staff("clerk"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["effective"]["version"] == 0
    assert [s["key"] for s in body["effective"]["flow"]["steps"]] == [
        "accept",
        "handle",
        "approve",
        "conclude",
    ]


async def test_only_admins_save_and_bad_flows_are_refused_with_reasons(
    api: Api, demo: None
) -> None:
    url = api.t(f"/flows/{ITEM}")
    clerk, admin = await api.staff("clerk"), await api.staff("tenantadmin")
    assert (await api.client.post(url, headers=clerk, json={"flow": standard()})).status_code == 403
    bad = standard()
    bad["steps"][0]["actions"][0]["goto"] = "approve"  # skips 承办: it becomes unreachable
    bad["steps"][2]["actions"][0]["routes"] = [
        {"when": {"type": "compare", "field": "nonexistent", "op": "eq", "value": 1}, "goto": "end"}
    ]
    parallel = with_countersign()
    parallel["steps"][2]["join"] = "count"
    parallel["steps"][2]["join_count"] = 3
    bad["steps"].insert(1, parallel["steps"][2])
    response = await api.client.post(url, headers=admin, json={"flow": bad})
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "invalid_flow"
    messages = " ".join(e["message"] for e in body["errors"])
    assert "永远无法到达" in messages
    assert "nonexistent" in messages
    assert "永远不会触发" in messages
    english = await api.client.post(
        url, headers={**admin, "accept-language": "en"}, json={"flow": bad}
    )
    assert "can never be reached" in " ".join(e["message"] for e in english.json()["errors"])
    malformed = await api.client.post(url, headers=admin, json={"flow": {"key": "x"}})
    assert malformed.status_code == 422 and malformed.json()["code"] == "invalid_flow"
    overview = await api.client.get(url, headers=admin)
    assert overview.json()["effective"]["version"] == 0  # nothing was saved


async def test_a_saved_flow_is_the_next_version_and_cases_keep_theirs(api: Api, demo: None) -> None:
    citizen = await api.citizen()
    old = (await api.submit(citizen))["serial_number"]
    admin = await api.staff("tenantadmin")
    saved = await api.client.post(
        api.t(f"/flows/{ITEM}"),
        headers=admin,
        json={"flow": with_countersign(), "note": "加会签"},
    )
    assert saved.status_code == 201, saved.text
    assert saved.json()["version"] == 1
    new = (await api.submit(citizen))["serial_number"]
    clerk, handler = await api.staff("clerk"), await api.staff("handler")
    for serial in (old, new):
        assert (await api.act(clerk, serial, "accept")).status_code == 200
        assert (await api.act(handler, serial, "pass")).status_code == 200
    approver = await api.staff("approver")
    old_case = (await api.client.get(api.t(f"/cases/{old}"), headers=approver)).json()
    new_case = (await api.client.get(api.t(f"/cases/{new}"), headers=approver)).json()
    assert old_case["flow_version"] == 0 and old_case["active"][0]["step"] == "approve"
    assert new_case["flow_version"] == 1
    # floor_area 98.5 ≤ 500: the survey branch is not started.
    assert [a["step"] for a in new_case["active"]] == ["plan_review"]
    handle = next(s for s in new_case["trail"] if s["step"] == "handle")
    assert handle["action"] == "pass"
    versions = await api.client.get(api.t(f"/flows/{ITEM}/versions/1"), headers=admin)
    assert versions.json()["note"] == "加会签"
    assert (
        await api.client.get(api.t(f"/flows/{ITEM}/versions/9"), headers=admin)
    ).status_code == 404


async def test_a_department_version_wins_for_its_cases(api: Api, demo: None) -> None:
    admin = await api.staff("tenantadmin")
    tenant_wide = await api.client.post(
        api.t(f"/flows/{ITEM}"), headers=admin, json={"flow": standard(), "note": "全县"}
    )
    assert tenant_wide.json()["version"] == 1
    mine = with_countersign()
    dept = await api.client.post(
        api.t(f"/flows/{ITEM}"),
        headers=admin,
        json={"flow": mine, "department": "zrzyj", "note": "自然资源局"},
    )
    assert dept.status_code == 201 and dept.json()["department"] == "zrzyj"
    overview = await api.client.get(
        api.t(f"/flows/{ITEM}"), headers=admin, params={"department": "zrzyj"}
    )
    assert overview.json()["effective"]["department"] == "zrzyj"
    assert len(overview.json()["versions"]) == 3
    serial = (await api.submit(await api.citizen()))["serial_number"]
    case = await api.client.get(api.t(f"/cases/{serial}"), headers=admin)
    assert any(s["key"] == "countersign" for s in case.json()["steps"])


async def test_a_step_can_be_handled_by_another_unit(api: Api, demo: None) -> None:
    """会签 by another department: the branch's tasks go to that unit's staff."""
    flow = standard()
    flow["steps"].insert(
        2,
        {
            "key": "joint_review",
            "name": "联合审查",
            "branches": [
                {
                    "key": "urban",
                    "name": "城管意见",
                    "steps": [
                        {
                            "key": "urban_opinion",
                            "name": "城管局意见",
                            "role": "handler",
                            "org_unit": "cgj",
                            "limit_days": 2,
                            "actions": [{"name": "agree", "goto": "end"}],
                        }
                    ],
                },
                {
                    "key": "own",
                    "name": "本局意见",
                    "steps": [
                        {
                            "key": "own_opinion",
                            "name": "本局意见",
                            "role": "handler",
                            "actions": [{"name": "agree", "goto": "end"}],
                        }
                    ],
                },
            ],
        },
    )
    admin = await api.staff("tenantadmin")
    saved = await api.client.post(api.t(f"/flows/{ITEM}"), headers=admin, json={"flow": flow})
    assert saved.status_code == 201, saved.text
    serial = (await api.submit(await api.citizen()))["serial_number"]
    await api.act(await api.staff("clerk"), serial, "accept")
    handler, urban = await api.staff("handler"), await api.staff("dept-handler")
    await api.act(handler, serial, "pass")
    theirs = (await api.client.get(api.t("/worklist"), headers=urban)).json()["items"]
    assert [(i["step"], i["branch"]) for i in theirs] == [("urban_opinion", "urban")]
    assert theirs[0]["step_label"] == "城管局意见" and theirs[0]["due_on"]
    refused = await api.act(handler, serial, "agree", step="urban_opinion")
    assert refused.status_code == 403
    assert (await api.act(urban, serial, "agree", step="urban_opinion")).status_code == 200
    done = await api.act(handler, serial, "agree")
    assert done.status_code == 200 and done.json()["step"] == "approve"


async def test_a_version_saved_elsewhere_is_used_by_the_next_case(api: Api, demo: None) -> None:
    """Another process (or a script) saving a version: this process's kept flows
    are of an older catalogue version and are not used."""
    from govhall.tenancy.tables import Tenant
    from govhall.workflow.tables import FlowDefinition

    citizen = await api.citizen()
    first = (await api.submit(citizen))["serial_number"]  # the default flow, kept
    county = await Tenant.select(Tenant.id).where(Tenant.slug == "demo-county").first()
    assert county is not None
    await FlowDefinition(
        tenant=county["id"], item_code=ITEM, version=1, definition=with_countersign(), note="脚本"
    ).save()
    second = (await api.submit(citizen))["serial_number"]
    approver = await api.staff("approver")
    versions = [
        (await api.client.get(api.t(f"/cases/{serial}"), headers=approver)).json()["flow_version"]
        for serial in (first, second)
    ]
    assert versions == [0, 1]
