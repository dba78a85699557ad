"""Termination on request (issue 9 §5): staff ask with a reason, a supervisor
approves (the case is terminated) or rejects (it goes on)."""

from __future__ import annotations

from govhall.cases.tables import Case, CaseEvent
from tests.conftest import Api
from tests.portal.test_apply import BASE, hidden
from tests.workbench.test_pages import staff_sign_in


async def _accepted(api: Api) -> str:
    serial = str((await api.submit(await api.citizen()))["serial_number"])
    assert (await api.act(await api.staff("clerk"), serial, "accept", "同意")).status_code == 200
    return serial


async def test_staff_ask_and_a_supervisor_decides(api: Api, demo: None) -> None:
    serial = await _accepted(api)
    handler, supervisor = await api.staff("handler"), await api.staff("supervisor")
    url = api.t("/termination-requests")
    bare = await api.client.post(url, headers=handler, json={"serial_number": serial, "reason": ""})
    assert bare.status_code == 422 and bare.json()["errors"][0]["field"] == "reason"
    asked = await api.client.post(
        url, headers=handler, json={"serial_number": serial, "reason": "申请人已注销"}
    )
    assert asked.status_code == 201 and asked.json()["status"] == "pending"
    again = await api.client.post(
        url, headers=handler, json={"serial_number": serial, "reason": "再次"}
    )
    assert again.status_code == 409 and again.json()["code"] == "termination_pending"
    # Nobody but a supervisor terminates directly.
    approver = await api.staff("approver")
    assert (await api.act(approver, serial, "terminate", "x")).status_code == 403
    assert (await api.client.get(url, headers=handler)).status_code == 403

    pending = (await api.client.get(url, headers=supervisor, params={"status": "pending"})).json()
    assert [r["serial_number"] for r in pending] == [serial]
    review = f"{url}/{pending[0]['id']}/review"
    no_reason = await api.client.post(review, headers=supervisor, json={"decision": "reject"})
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "comment"
    rejected = await api.client.post(
        review, headers=supervisor, json={"decision": "reject", "comment": "材料可补正，继续办理"}
    )
    assert rejected.json()["status"] == "rejected"
    assert (await Case.select(Case.status).where(Case.serial_number == serial))[0][
        "status"
    ] == "accepted"

    second = await api.client.post(
        url, headers=handler, json={"serial_number": serial, "reason": "申请人书面申请撤回"}
    )
    approved = await api.client.post(
        f"{url}/{second.json()['id']}/review",
        headers=supervisor,
        json={"decision": "approve", "comment": "同意"},
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    case = await Case.select(Case.id, Case.status).where(Case.serial_number == serial)
    assert case[0]["status"] == "terminated"
    last = (
        await CaseEvent.select(CaseEvent.action, CaseEvent.opinion)
        .where(CaseEvent.case == case[0]["id"])
        .order_by(CaseEvent.seq, ascending=False)
        .first()
    )
    assert last == {"action": "terminate", "opinion": "申请人书面申请撤回（监察审核：同意）"}
    twice = await api.client.post(
        f"{url}/{second.json()['id']}/review", headers=supervisor, json={"decision": "approve"}
    )
    assert twice.status_code == 409
    ended = await api.client.post(
        url, headers=handler, json={"serial_number": serial, "reason": "已终止"}
    )
    assert ended.status_code == 409


async def test_termination_from_the_case_screen(api: Api, demo: None) -> None:
    serial = await _accepted(api)
    await staff_sign_in(api, "handler")
    screen = await api.client.get(f"{BASE}/work/cases/{serial}")
    assert 'id="termination"' in screen.text
    token = hidden(screen.text, "_csrf_token")
    empty = await api.client.post(
        f"{BASE}/work/cases/{serial}/termination", data={"_csrf_token": token, "reason": " "}
    )
    assert empty.status_code == 422 and 'id="err-termination-reason"' in empty.text
    asked = await api.client.post(
        f"{BASE}/work/cases/{serial}/termination",
        data={"_csrf_token": token, "reason": "重复申请"},
    )
    assert asked.status_code == 303
    screen = await api.client.get(f"{BASE}/work/cases/{serial}")
    assert 'data-termination="pending"' in screen.text and "termination-reason" not in screen.text

    await staff_sign_in(api, "supervisor")
    page = await api.client.get(f"{BASE}/work/supervision/terminations/")
    assert f'data-termination="{serial}"' in page.text
    token = hidden(page.text, "_csrf_token")
    request_id = page.text.split("/work/supervision/terminations/")[1].split("/review")[0]
    done = await api.client.post(
        f"{BASE}/work/supervision/terminations/{request_id}/review",
        data={"_csrf_token": token, "decision": "approve", "comment": ""},
    )
    assert done.status_code == 303
    assert (await Case.select(Case.status).where(Case.serial_number == serial))[0][
        "status"
    ] == "terminated"
