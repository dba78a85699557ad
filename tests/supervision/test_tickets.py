"""督办 and rectification tickets (R-S6, R-A11): opened by a supervisor or by a poor
rating, answered by the department, reviewed, appealed, escalated when overdue."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from govhall.calendar.services import tenant_calendar
from govhall.engagement.tables import Rating
from govhall.supervision.sweep import sweep
from govhall.supervision.tables import Ticket
from tests.conftest import Api
from tests.engagement.test_engagement import concluded_case
from tests.portal.test_apply import BASE, hidden
from tests.workbench.test_pages import staff_sign_in


async def _open(api: Api, headers: dict[str, str], **body: object) -> dict:
    response = await api.client.post(api.t("/tickets"), headers=headers, json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_a_supervisor_opens_a_ticket_the_department_answers_and_it_closes(
    api: Api, demo: None
) -> None:
    serial = (await api.submit(await api.citizen()))["serial_number"]
    supervisor = await api.staff("supervisor")
    english = {**supervisor, "Accept-Language": "en"}
    wrong = await api.client.post(
        api.t("/tickets"),
        headers=english,
        json={"subject": "", "instruction": "x", "limit_days": 0, "case_serial": "NOPE"},
    )
    assert wrong.status_code == 422
    fields = {e["field"]: e["message"] for e in wrong.json()["errors"]}
    assert set(fields) == {"subject", "limit_days", "case_serial"}
    assert "NOPE" in fields["case_serial"] and "working days" in fields["limit_days"]
    neither = await api.client.post(
        api.t("/tickets"),
        headers=supervisor,
        json={"subject": "a", "instruction": "b", "limit_days": 3},
    )
    assert [e["field"] for e in neither.json()["errors"]] == ["case_serial"]

    ticket = await _open(
        api,
        supervisor,
        subject="群众反映办理缓慢",
        instruction="请三日内说明原因并加快办理",
        limit_days=3,
        case_serial=serial,
    )
    number = ticket["number"]
    assert number.startswith("DB") and ticket["status"] == "open"
    calendar = await tenant_calendar(await _tenant_id(number))
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    assert ticket["due_on"] == calendar.add_working_days(today, 3).isoformat()
    assert ticket["org_unit"] == "zrzyj" and ticket["serial_number"] == serial

    # Only supervisors open tickets; the department (handler at zrzyj) sees and answers.
    handler = await api.staff("handler")
    refused = await api.client.post(
        api.t("/tickets"),
        headers=handler,
        json={"subject": "a", "instruction": "b", "limit_days": 3, "case_serial": serial},
    )
    assert refused.status_code == 403
    listed = (await api.client.get(api.t("/tickets"), headers=handler)).json()
    assert [t["number"] for t in listed["items"]] == [number] and listed["counts"]["open"] == 1
    url = api.t(f"/tickets/{number}")
    early = await api.client.post(f"{url}/review", headers=supervisor, json={"decision": "close"})
    assert early.status_code == 409 and early.json()["code"] == "ticket_not_answered"
    no_result = await api.client.post(
        f"{url}/answer", headers=handler, json={"result": "maybe", "explanation": ""}
    )
    assert {e["field"] for e in no_result.json()["errors"]} == {"result", "explanation"}
    answered = await api.client.post(
        f"{url}/answer",
        headers=handler,
        json={"result": "explained", "explanation": "等待专家评审，已加快"},
    )
    assert answered.status_code == 200 and answered.json()["status"] == "answered"
    again = await api.client.post(
        f"{url}/answer", headers=handler, json={"result": "rectified", "explanation": "x"}
    )
    assert again.status_code == 409
    # Sent back needs a reason; then answered again and closed.
    bare = await api.client.post(f"{url}/review", headers=supervisor, json={"decision": "return"})
    assert bare.status_code == 422 and bare.json()["errors"][0]["field"] == "comment"
    back = await api.client.post(
        f"{url}/review", headers=supervisor, json={"decision": "return", "comment": "说明不充分"}
    )
    assert back.json()["status"] == "open"
    await api.client.post(
        f"{url}/answer", headers=handler, json={"result": "rectified", "explanation": "已办结"}
    )
    closed = await api.client.post(
        f"{url}/review", headers=supervisor, json={"decision": "close", "comment": "同意"}
    )
    body = closed.json()
    assert body["status"] == "closed" and body["closed_at"]
    assert [h["action"] for h in body["history"]] == [
        "opened",
        "answered",
        "returned",
        "answered",
        "closed",
    ]
    assert body["history"][2]["text"] == "说明不充分"
    # A handler cannot review; another tenant's staff does not find the ticket.
    assert (
        await api.client.post(f"{url}/review", headers=handler, json={"decision": "close"})
    ).status_code == 403
    city = await api.client.get(f"/t/demo-city/api/v1/tickets/{number}", headers=supervisor)
    assert city.status_code == 403
    assert (await api.client.get(api.t("/tickets/DB000"), headers=handler)).status_code == 404


async def _tenant_id(number: str) -> object:
    row = await Ticket.select(Ticket.tenant).where(Ticket.number == number).first()
    assert row is not None
    return row["tenant"]


async def test_a_poor_rating_opens_a_rectification_that_can_be_appealed(
    api: Api, demo: None
) -> None:
    supervisor = await api.staff("supervisor")
    settings = await api.client.put(
        api.t("/supervision-settings"),
        headers=supervisor,
        json={"warning_days": 2, "yellow_days": 1, "red_days": 2, "rectification_days": 3},
    )
    assert settings.status_code == 200, settings.text
    citizen = await api.citizen()
    serial = await concluded_case(api, citizen)
    good = await concluded_case(api, citizen)
    assert (
        await api.client.post(api.t(f"/cases/{good}/rating"), headers=citizen, json={"level": 3})
    ).status_code == 201
    assert await Ticket.count() == 0  # a 3 opens nothing
    rated = await api.client.post(
        api.t(f"/cases/{serial}/rating"), headers=citizen, json={"level": 1, "reason": "态度差"}
    )
    assert rated.status_code == 201
    handler = await api.staff("handler")
    listed = (await api.client.get(api.t("/tickets"), headers=handler)).json()["items"]
    assert len(listed) == 1
    ticket = listed[0]
    assert ticket["kind"] == "rectification" and ticket["number"].startswith("ZG")
    assert ticket["rating_level"] == 1 and ticket["rating_reason"] == "态度差"
    assert ticket["limit_days"] == 3 and ticket["serial_number"] == serial
    url = api.t(f"/tickets/{ticket['number']}")
    no_callback = await api.client.post(
        f"{url}/answer",
        headers={**handler, "Accept-Language": "en"},
        json={"result": "rectified", "explanation": "已约谈窗口人员"},
    )
    assert no_callback.status_code == 422
    assert no_callback.json()["errors"][0]["field"] == "callback"
    appealed = await api.client.post(
        f"{url}/appeal", headers=handler, json={"reason": "申请人误评，电话回访已确认"}
    )
    assert appealed.status_code == 200 and appealed.json()["appeal"] == "pending"
    twice = await api.client.post(f"{url}/appeal", headers=handler, json={"reason": "再次"})
    assert twice.status_code == 409
    upheld = await api.client.post(
        f"{url}/review", headers=supervisor, json={"decision": "uphold", "comment": "核实属误评"}
    )
    assert upheld.json()["status"] == "closed" and upheld.json()["appeal"] == "upheld"
    rating = await Rating.select(Rating.excluded, Rating.exclusion_reason).where(Rating.level == 1)
    assert rating == [{"excluded": True, "exclusion_reason": "申请人误评，电话回访已确认"}]
    # A 督办 ticket cannot be appealed.
    plain = await _open(
        api, supervisor, subject="a", instruction="b", limit_days=2, org_unit="zrzyj"
    )
    refused = await api.client.post(
        api.t(f"/tickets/{plain['number']}/appeal"), headers=handler, json={"reason": "x"}
    )
    assert refused.status_code == 409 and refused.json()["code"] == "appeal_not_allowed"


async def test_overdue_tickets_escalate_once_in_the_sweep(api: Api, demo: None) -> None:
    supervisor = await api.staff("supervisor")
    late = await _open(
        api, supervisor, subject="逾期", instruction="b", limit_days=1, org_unit="zrzyj"
    )
    current = await _open(
        api, supervisor, subject="未到期", instruction="b", limit_days=5, org_unit="scjgj"
    )
    await Ticket.update({Ticket.due_on: date(2026, 1, 5)}).where(Ticket.number == late["number"])
    first = await sweep(datetime.now(UTC))
    assert first.escalated == 1
    assert (await sweep(datetime.now(UTC))).escalated == 0
    shown = (await api.client.get(api.t(f"/tickets/{late['number']}"), headers=supervisor)).json()
    assert shown["escalated"] and shown["overdue"] and shown["history"][-1]["action"] == "escalated"
    other = (
        await api.client.get(api.t(f"/tickets/{current['number']}"), headers=supervisor)
    ).json()
    assert not other["escalated"]
    counts = (await api.client.get(api.t("/tickets"), headers=supervisor)).json()["counts"]
    assert counts["escalated"] == 1 and counts["open"] == 2


async def test_tickets_through_the_workbench_pages(api: Api, demo: None) -> None:
    serial = (await api.submit(await api.citizen()))["serial_number"]
    await staff_sign_in(api, "supervisor")
    case = await api.client.get(f"{BASE}/work/cases/{serial}")
    assert 'id="supervise-case"' in case.text
    page = await api.client.get(f"{BASE}/work/supervision/tickets/?case={serial}")
    assert page.status_code == 200 and f'value="{serial}"' in page.text
    token = hidden(page.text, "_csrf_token")
    typed = {
        "_csrf_token": token,
        "case_serial": serial,
        "subject": "加快办理",
        "instruction": "",
        "limit_days": "三天",
    }
    refused = await api.client.post(f"{BASE}/work/supervision/tickets/", data=typed)
    assert refused.status_code == 422 and 'value="加快办理"' in refused.text
    opened = await api.client.post(
        f"{BASE}/work/supervision/tickets/",
        data={**typed, "instruction": "请说明", "limit_days": "2"},
    )
    assert opened.status_code == 303
    number = opened.headers["location"].split("/")[-1].split("?")[0]
    await staff_sign_in(api, "handler")
    shown = await api.client.get(f"{BASE}/work/supervision/tickets/{number}")
    assert 'id="answer"' in shown.text and 'id="review"' not in shown.text
    token = hidden(shown.text, "_csrf_token")
    empty = await api.client.post(
        f"{BASE}/work/supervision/tickets/{number}/answer",
        data={"_csrf_token": token, "result": "explained", "explanation": ""},
    )
    assert empty.status_code == 422 and 'id="err-explanation"' in empty.text
    assert 'value="explained" checked' in empty.text
    done = await api.client.post(
        f"{BASE}/work/supervision/tickets/{number}/answer",
        data={"_csrf_token": token, "result": "explained", "explanation": "正在组织现场核查"},
    )
    assert done.status_code == 303
    case = await api.client.get(f"{BASE}/work/cases/{serial}")
    assert number in case.text and "正在组织现场核查" in case.text
    assert 'id="supervise-case"' not in case.text


async def test_a_poor_ratings_reasons_and_its_rectification_reach_the_rater(
    api: Api, demo: None
) -> None:
    """国办发〔2019〕51号: a bad rating gives reasons (the national content's categories);
    its rectification result is reported back to the rater."""
    from govhall.notify.tables import InboxMessage

    citizen = await api.citizen()
    serial = await concluded_case(api, citizen)
    unknown = await api.client.post(
        api.t(f"/cases/{serial}/rating"), headers=citizen, json={"level": 2, "tags": ["rude"]}
    )
    assert unknown.status_code == 422 and unknown.json()["code"] == "rating_tag_unknown"
    rated = await api.client.post(
        api.t(f"/cases/{serial}/rating"),
        headers=citizen,
        json={"level": 2, "tags": ["efficiency", "attitude"]},
    )
    assert rated.status_code == 201, rated.text
    assert rated.json()["tag_labels"] == ["办事效率", "服务态度"]
    handler, supervisor = await api.staff("handler"), await api.staff("supervisor")
    ticket = (await api.client.get(api.t("/tickets"), headers=handler)).json()["items"][0]
    assert ticket["rating_reason"] == "办事效率；服务态度"
    url = api.t(f"/tickets/{ticket['number']}")
    answered = await api.client.post(
        f"{url}/answer",
        headers=handler,
        json={"result": "rectified", "explanation": "已优化窗口排队", "callback": "已电话回访"},
    )
    assert answered.status_code == 200, answered.text
    closed = await api.client.post(
        f"{url}/review", headers=supervisor, json={"decision": "close", "comment": "同意"}
    )
    assert closed.status_code == 200, closed.text
    told = await InboxMessage.select(InboxMessage.template).where(
        InboxMessage.template == "rating_rectified"
    )
    assert len(told) == 1
    inbox = await api.client.get(api.t("/inbox"), headers=citizen)
    assert "已整改" in inbox.text and "已优化窗口排队" in inbox.text
