"""Complaints under a working-day limit (R-A10): the deadline set at filing from the
tenant's limit, escalation once overdue, and handling from the supervisors' page."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from govhall.calendar.services import tenant_calendar
from govhall.engagement.tables import Complaint
from govhall.supervision.sweep import sweep
from tests.conftest import Api
from tests.portal.test_apply import BASE, hidden
from tests.workbench.test_pages import staff_sign_in


async def test_a_complaint_has_a_deadline_escalates_and_is_handled_on_the_page(
    api: Api, demo: None
) -> None:
    supervisor = await api.staff("supervisor")
    limits = {"warning_days": 2, "yellow_days": 1, "red_days": 2, "complaint_days": 3}
    wrong = await api.client.put(
        api.t("/supervision-settings"), headers=supervisor, json={**limits, "complaint_days": 0}
    )
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "complaint_days"
    assert (
        await api.client.put(api.t("/supervision-settings"), headers=supervisor, json=limits)
    ).status_code == 200
    citizen = await api.citizen()
    filed = await api.client.post(
        api.t("/complaints"), headers=citizen, json={"subject": "无人接听", "body": "电话打不通"}
    )
    assert filed.status_code == 201
    complaint = filed.json()
    row = await Complaint.select(Complaint.tenant).where(Complaint.id == complaint["id"])
    calendar = await tenant_calendar(row[0]["tenant"])
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    assert complaint["due_on"] == calendar.add_working_days(today, 3).isoformat()
    other = await api.client.post(
        api.t("/complaints"), headers=citizen, json={"subject": "另一件", "body": "未到期"}
    )
    assert other.status_code == 201

    await Complaint.update({Complaint.due_on: date(2026, 1, 5)}).where(
        Complaint.id == complaint["id"]
    )
    assert (await sweep(datetime.now(UTC))).escalated == 1
    assert (await sweep(datetime.now(UTC))).escalated == 0

    await staff_sign_in(api, "supervisor")
    page = await api.client.get(f"{BASE}/work/supervision/complaints/")
    assert page.status_code == 200
    assert f'data-complaint="{complaint["number"]}"' in page.text and "超期升级" in page.text
    token = hidden(page.text, "_csrf_token")
    url = f"{BASE}/work/supervision/complaints/{complaint['id']}/handle"
    refused = await api.client.post(
        url, data={"_csrf_token": token, "decision": "accepted", "outcome": ""}
    )
    assert refused.status_code == 422 and 'id="err-outcome"' in refused.text
    assert 'value="accepted" checked' in refused.text
    handled = await api.client.post(
        url,
        data={
            "_csrf_token": token,
            "decision": "accepted",
            "outcome": "已增设咨询专线",
            "disclose": "1",
        },
    )
    assert handled.status_code == 303
    disclosed = (await api.client.get(api.t("/complaints/disclosed"))).json()
    assert [c["outcome"] for c in disclosed] == ["已增设咨询专线"]
    accepted = await api.client.get(f"{BASE}/work/supervision/complaints/?status=accepted")
    assert complaint["number"] in accepted.text and "已增设咨询专线" in accepted.text
