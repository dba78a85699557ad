"""Consultations, complaints, the leader mailbox and 好差评 ratings (R-A10, R-A11):
through the API and through the portal's pages."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api
from tests.portal.test_apply import BASE, csrf, web_sign_in


async def concluded_case(api: Api, headers: dict[str, str]) -> str:
    serial = str((await api.submit(headers))["serial_number"])
    for who, action in (
        ("clerk", "accept"),
        ("handler", "pass"),
        ("approver", "approve"),
        ("handler", "conclude"),
    ):
        done = await api.act(await api.staff(who), serial, action, "同意")
        assert done.status_code == 200, done.text
    return serial


async def test_a_question_is_answered_published_and_shown_on_the_guide(
    api: Api, demo: None
) -> None:
    citizen = await api.citizen()
    empty = await api.client.post(api.t("/consultations"), headers=citizen, json={"question": "  "})
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "question"
    unknown = await api.client.post(
        api.t("/consultations"), headers=citizen, json={"question": "可以吗", "item_code": "NOPE"}
    )
    assert unknown.status_code == 422 and unknown.json()["code"] == "item_not_found"
    asked = await api.client.post(
        api.t("/consultations"),
        headers=citizen,
        json={"question": "继承取得的房屋能否首次登记？", "item_code": "NR-BDC-0001"},
    )
    assert asked.status_code == 201, asked.text
    ident = asked.json()["id"]
    assert (await api.client.get(api.t("/consultations"))).json() == []  # not yet answered

    clerk = await api.staff("clerk")
    waiting = await api.client.get(api.t("/consultations/open"), headers=clerk)
    assert [c["id"] for c in waiting.json()] == [ident]
    assert (await api.client.get(api.t("/consultations/open"), headers=citizen)).status_code == 403
    answered = await api.client.post(
        api.t(f"/consultations/{ident}/answer"),
        headers=clerk,
        json={"answer": "继承取得的，办理转移登记，不适用首次登记。", "publish": True},
    )
    assert answered.status_code == 200 and answered.json()["published"] is True
    public = await api.client.get(api.t("/consultations"), params={"item": "NR-BDC-0001"})
    assert [c["answer"] for c in public.json()] == ["继承取得的，办理转移登记，不适用首次登记。"]
    mine = await api.client.get(api.t("/consultations/mine"), headers=citizen)
    assert mine.json()[0]["answer"].startswith("继承取得的")
    guide = await api.client.get(f"{BASE}/items/NR-BDC-0001")
    assert "继承取得的房屋能否首次登记？" in guide.text and "不适用首次登记" in guide.text


async def test_complaints_go_to_supervisors_and_accepted_outcomes_are_disclosed(
    api: Api, demo: None
) -> None:
    citizen = await api.citizen()
    serial = (await api.submit(citizen))["serial_number"]
    blank: dict[str, Any] = {"subject": "", "body": "窗口人员态度差"}
    refused = await api.client.post(api.t("/complaints"), headers=citizen, json=blank)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "subject"
    wrong_case = await api.client.post(
        api.t("/complaints"),
        headers=citizen,
        json={"subject": "超期", "body": "一直没有办理", "case_serial": "999"},
    )
    assert wrong_case.status_code == 422
    assert wrong_case.json()["errors"][0]["field"] == "case_serial"
    filed = await api.client.post(
        api.t("/complaints"),
        headers=citizen,
        json={"subject": "<b>超期未办</b>", "body": "提交后一直没有受理", "case_serial": serial},
    )
    assert filed.status_code == 201, filed.text
    complaint = filed.json()
    assert complaint["number"].startswith("TS") and complaint["status"] == "open"
    letter = await api.client.post(
        api.t("/complaints"),
        headers=citizen,
        json={"kind": "mailbox", "subject": "建议", "body": "建议周末开放窗口"},
    )
    assert letter.status_code == 201 and letter.json()["number"].startswith("XX")

    clerk = await api.staff("clerk")
    assert (await api.client.get(api.t("/complaints"), headers=clerk)).status_code == 403
    supervisor = await api.staff("supervisor")
    listed = await api.client.get(api.t("/complaints?status=open"), headers=supervisor)
    assert {c["number"] for c in listed.json()} >= {complaint["number"]}
    handled = await api.client.post(
        api.t(f"/complaints/{complaint['id']}/handle"),
        headers=supervisor,
        json={"decision": "accepted", "outcome": "已督促受理并约谈窗口负责人", "disclose": True},
    )
    assert handled.status_code == 200 and handled.json()["disclosed"] is True
    again = await api.client.post(
        api.t(f"/complaints/{complaint['id']}/handle"),
        headers=supervisor,
        json={"decision": "dismissed", "outcome": "x"},
    )
    assert again.status_code == 409
    disclosed = (await api.client.get(api.t("/complaints/disclosed"))).json()
    assert [c["outcome"] for c in disclosed] == ["已督促受理并约谈窗口负责人"]
    assert disclosed[0]["body"] == ""  # the letter itself stays private
    page = await api.client.get(f"{BASE}/complaints")
    assert "已督促受理并约谈窗口负责人" in page.text
    assert "&lt;b&gt;超期未办&lt;/b&gt;" in page.text and "<b>超期未办</b>" not in page.text


async def test_a_concluded_case_is_rated_once_and_low_ratings_need_a_reason(
    api: Api, demo: None
) -> None:
    citizen = await api.citizen()
    pending = (await api.submit(citizen))["serial_number"]
    early = await api.client.post(
        api.t(f"/cases/{pending}/rating"), headers=citizen, json={"level": 5}
    )
    assert early.status_code == 409 and early.json()["code"] == "case_not_concluded"
    serial = await concluded_case(api, citizen)
    url = api.t(f"/cases/{serial}/rating")
    other = await api.citizen("someoneelse")
    assert (await api.client.post(url, headers=other, json={"level": 5})).status_code == 403
    bad_level = await api.client.post(url, headers=citizen, json={"level": 7})
    assert bad_level.status_code == 422
    no_reason = await api.client.post(url, headers=citizen, json={"level": 2})
    assert no_reason.status_code == 422 and no_reason.json()["code"] == "rating_reason_required"
    rated = await api.client.post(
        url, headers=citizen, json={"level": 2, "reason": "材料要求反复变化"}
    )
    assert rated.status_code == 201, rated.text
    twice = await api.client.post(url, headers=citizen, json={"level": 5})
    assert twice.status_code == 409 and twice.json()["code"] == "already_rated"


async def test_rating_consulting_and_complaining_from_the_portal_pages(
    api: Api, demo: None
) -> None:
    headers = await api.citizen("pageuser")
    serial = await concluded_case(api, headers)
    client = api.client
    await web_sign_in(client, "pageuser")
    case = await client.get(f"{BASE}/me/cases/{serial}")
    assert "办事评价（好差评）" in case.text
    refused = await client.post(
        f"{BASE}/me/cases/{serial}/rating", data={"level": "1", "_csrf_token": csrf(client)}
    )
    assert refused.status_code == 422 and 'id="err-reason"' in refused.text
    rated = await client.post(
        f"{BASE}/me/cases/{serial}/rating",
        data={"level": "5", "reason": "一次办成", "_csrf_token": csrf(client)},
    )
    assert rated.status_code == 303
    shown = await client.get(f"{BASE}/me/cases/{serial}")
    assert "5 星" in shown.text and "办事评价（好差评）" not in shown.text

    empty = await client.post(f"{BASE}/consult", data={"question": "", "_csrf_token": csrf(client)})
    assert empty.status_code == 422 and 'id="err-question"' in empty.text
    asked = await client.post(
        f"{BASE}/consult", data={"question": "周六能办吗？", "_csrf_token": csrf(client)}
    )
    assert asked.status_code == 303
    assert "周六能办吗？" in (await client.get(f"{BASE}/consult")).text

    typed = {"subject": "标题", "body": "", "_csrf_token": csrf(client)}
    kept = await client.post(f"{BASE}/complaints", data=typed)
    assert kept.status_code == 422 and 'value="标题"' in kept.text  # what was typed is kept
    filed = await client.post(
        f"{BASE}/mailbox",
        data={"subject": "建议", "body": "<script>x()</script>", "_csrf_token": csrf(client)},
    )
    assert filed.status_code == 303 and "filed=XX" in filed.headers["location"]
    mailbox = await client.get(filed.headers["location"])
    assert "已收到" in mailbox.text and "<script>x()</script>" not in mailbox.text
