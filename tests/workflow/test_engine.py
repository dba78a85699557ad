"""The workflow engine through the API: roles, states, events, concurrency."""

from __future__ import annotations

import asyncio

from govhall.cases.tables import Case, CaseEvent
from govhall.workflow.tables import Task
from tests.conftest import Api


async def test_full_flow_appends_one_event_per_action(api: Api, demo: None) -> None:
    receipt = await api.submit(await api.citizen())
    serial = receipt["serial_number"]
    clerk, handler, approver = [await api.staff(u) for u in ("clerk", "handler", "approver")]
    steps = [
        (clerk, "accept", "accepted", "handle"),
        (handler, "pass", "reviewing", "approve"),
        (approver, "approve", "approved", "conclude"),
    ]
    for headers, action, status, step in steps:
        response = await api.act(headers, serial, action, "同意")
        assert response.status_code == 200, response.text
        assert (response.json()["status"], response.json()["step"]) == (status, step)
    done = await api.act(await api.staff("handler"), serial, "conclude")
    assert done.json()["status"] == "concluded" and done.json()["step"] is None
    events = await CaseEvent.select(
        CaseEvent.seq,
        CaseEvent.action,
        CaseEvent.from_status,
        CaseEvent.to_status,
        CaseEvent.role,
        CaseEvent.actor_name,
    ).order_by(CaseEvent.seq)
    assert [e["action"] for e in events] == ["submit", "accept", "pass", "approve", "conclude"]
    assert [e["seq"] for e in events] == [1, 2, 3, 4, 5]
    assert events[1]["from_status"] == "submitted" and events[1]["to_status"] == "accepted"
    assert events[1]["role"] == "clerk" and events[1]["actor_name"] == "王受理"
    case = await Case.objects().first()
    assert case is not None and case.decision == "approved" and case.concluded_at is not None
    assert await Task.count().where(Task.status == "open") == 0


async def test_wrong_role_is_403_and_changes_nothing(api: Api, demo: None) -> None:
    receipt = await api.submit(await api.citizen())
    approver = await api.staff("approver")
    response = await api.act(approver, receipt["serial_number"], "accept")
    assert response.status_code == 403
    assert response.json()["detail"] == "您没有“受理”环节的办理权限（需要窗口受理人员角色）"
    english = await api.client.post(
        api.t(f"/cases/{receipt['serial_number']}/actions"),
        headers={**approver, "accept-language": "en"},
        json={"action": "accept"},
    )
    assert english.json()["detail"] == (
        "You may not act at step 'Acceptance' (the window clerk role is needed)"
    )
    assert await CaseEvent.count() == 1


async def test_action_out_of_order_is_409(api: Api, demo: None) -> None:
    receipt = await api.submit(await api.citizen())
    clerk = await api.staff("clerk")
    response = await api.act(clerk, receipt["serial_number"], "approve")
    assert response.status_code == 409
    assert response.json()["code"] == "action_not_allowed"
    assert "受理、不予受理" in response.json()["detail"]
    unknown = await api.act(clerk, receipt["serial_number"], "teleport")
    assert unknown.status_code == 422


async def test_reject_needs_a_reason_shown_to_the_applicant(api: Api, demo: None) -> None:
    citizen = await api.citizen()
    receipt = await api.submit(citizen)
    clerk = await api.staff("clerk")
    assert (await api.act(clerk, receipt["serial_number"], "reject")).status_code == 422
    response = await api.act(clerk, receipt["serial_number"], "reject", "材料与原件不一致")
    assert response.json()["status"] == "rejected"
    progress = await api.client.get(
        api.t("/progress"),
        params={"serial_number": receipt["serial_number"], "query_code": receipt["query_code"]},
    )
    assert progress.json()["timeline"][-1]["opinion"] == "材料与原件不一致"
    again = await api.act(clerk, receipt["serial_number"], "accept")
    assert again.status_code == 409 and again.json()["code"] == "case_ended"


async def test_deny_records_decision(api: Api, demo: None) -> None:
    receipt = await api.submit(await api.citizen())
    serial = receipt["serial_number"]
    await api.act(await api.staff("clerk"), serial, "accept")
    await api.act(await api.staff("handler"), serial, "pass")
    response = await api.act(await api.staff("approver"), serial, "deny", "不符合规划条件")
    assert response.json()["decision"] == "denied"


async def test_concurrent_actions_on_one_case_apply_once(api: Api, demo: None) -> None:
    receipt = await api.submit(await api.citizen())
    clerk = await api.staff("clerk")
    results = await asyncio.gather(
        *[api.act(clerk, receipt["serial_number"], "accept") for _ in range(4)]
    )
    codes = sorted(r.status_code for r in results)
    assert codes.count(200) == 1, codes
    assert all(code == 409 for code in codes if code != 200)
    assert await CaseEvent.count().where(CaseEvent.action == "accept") == 1
    assert await Task.count().where(Task.step == "handle") == 1


async def test_staff_of_another_tenant_cannot_act(api: Api, demo: None) -> None:
    receipt = await api.submit(await api.citizen())
    clerk = await api.staff("clerk")
    response = await api.client.post(
        f"/t/demo-city/api/v1/cases/{receipt['serial_number']}/actions",
        headers=clerk,
        json={"action": "accept"},
    )
    assert response.status_code == 403


async def test_citizen_cannot_act(api: Api, demo: None) -> None:
    citizen = await api.citizen()
    receipt = await api.submit(citizen)
    response = await api.act(citizen, receipt["serial_number"], "accept")
    assert response.status_code == 403
