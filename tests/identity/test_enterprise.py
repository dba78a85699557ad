"""Enterprise operators (经办人) and reviewers (审核人); review before submission."""

from __future__ import annotations

from typing import Any

from govhall.audit.tables import AuditEntry
from govhall.cases.tables import Case, CaseEvent
from govhall_housing.plugin import _PERMIT_EXAMPLE, CONSTRUCTION_PERMIT
from tests.conftest import CREDIT_CODE, Api

PERMIT = CONSTRUCTION_PERMIT.code


async def _enterprise_with_members(api: Api) -> dict[str, dict[str, str]]:
    await api.register(
        "shifan-jiangong",
        kind="enterprise",
        name="示范建工集团有限公司",
        credit_code=CREDIT_CODE,
        id_number=None,
    )
    await api.register("li-operator", name="李经办")
    await api.register("wang-reviewer", name="王审核")
    company = await api.login("shifan-jiangong", "abc12345x")
    operator = await api.login("li-operator", "abc12345x")
    reviewer = await api.login("wang-reviewer", "abc12345x")
    for username, role in (("li-operator", "operator"), ("wang-reviewer", "reviewer")):
        invited = await api.client.post(
            "/api/v1/enterprise/members", headers=company, json={"username": username, "role": role}
        )
        assert invited.status_code == 201, invited.text
    for headers in (operator, reviewer):
        mine = (await api.client.get("/api/v1/me/enterprises", headers=headers)).json()
        assert mine[0]["status"] == "invited" and mine[0]["enterprise"] == "shifan-jiangong"
        accepted = await api.client.post(
            "/api/v1/me/enterprises/shifan-jiangong/accept", headers=headers
        )
        assert accepted.status_code == 204
    return {"company": company, "operator": operator, "reviewer": reviewer}


async def _permit_application(api: Api, headers: dict[str, str]) -> dict[str, Any]:
    materials = []
    for spec in CONSTRUCTION_PERMIT.materials:
        if spec.source == "applicant":
            blob = await api.upload(headers)
            materials.append({"material_code": spec.code, "blob_id": blob["blob_id"]})
    return {
        "item_code": PERMIT,
        "form": _PERMIT_EXAMPLE,
        "materials": materials,
        "on_behalf_of": "shifan-jiangong",
    }


async def test_an_operator_application_waits_for_the_reviewer(api: Api, demo: None) -> None:
    who = await _enterprise_with_members(api)
    members = (await api.client.get("/api/v1/enterprise/members", headers=who["company"])).json()
    assert {(m["username"], m["role"], m["status"]) for m in members} == {
        ("li-operator", "operator", "active"),
        ("wang-reviewer", "reviewer", "active"),
    }
    body = await _permit_application(api, who["operator"])
    held = await api.client.post(api.t("/applications"), headers=who["operator"], json=body)
    assert held.status_code == 202, held.text
    submission = held.json()
    assert submission["status"] == "pending" and submission["serial_number"] is None
    assert await Case.count() == 0  # nothing has reached the department
    # The operator cannot confirm their own application; the reviewer can.
    url = api.t(f"/enterprise-submissions/{submission['id']}")
    own = await api.client.post(f"{url}/confirm", headers=who["operator"])
    assert own.status_code == 403 and own.json()["code"] == "reviewer_required"
    listed = await api.client.get(
        api.t("/enterprise-submissions?enterprise=shifan-jiangong"), headers=who["reviewer"]
    )
    assert [s["id"] for s in listed.json()] == [submission["id"]]
    confirmed = await api.client.post(f"{url}/confirm", headers=who["reviewer"])
    assert confirmed.status_code == 201, confirmed.text
    serial = confirmed.json()["serial_number"]
    case = await Case.objects().where(Case.serial_number == serial).first()
    assert case is not None and case.applicant_name == "示范建工集团有限公司"
    again = await api.client.post(f"{url}/confirm", headers=who["reviewer"])
    assert again.status_code == 409
    # The case's first event says who prepared and who confirmed it.
    submit = (
        await CaseEvent.select(CaseEvent.data)
        .output(load_json=True)
        .where(CaseEvent.case == case.id)
        .first()
    )
    assert submit is not None and submit["data"]["via"]["reviewer"] == "王审核"
    assert (
        await AuditEntry.count().where(
            AuditEntry.action.is_in(
                ["enterprise_submission_held", "enterprise_submission_confirmed"]
            )
        )
        == 2
    )


async def test_a_reviewer_declines_and_a_removed_member_cannot_act(api: Api, demo: None) -> None:
    who = await _enterprise_with_members(api)
    body = await _permit_application(api, who["operator"])
    held = (
        await api.client.post(api.t("/applications"), headers=who["operator"], json=body)
    ).json()
    url = api.t(f"/enterprise-submissions/{held['id']}/decline")
    empty = await api.client.post(url, headers=who["reviewer"], json={"opinion": " "})
    assert empty.status_code == 422
    declined = await api.client.post(url, headers=who["reviewer"], json={"opinion": "合同金额有误"})
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    # A reviewer's own application goes straight in.
    own = await _permit_application(api, who["reviewer"])
    direct = await api.client.post(api.t("/applications"), headers=who["reviewer"], json=own)
    assert direct.status_code == 201, direct.text
    removed = await api.client.post(
        "/api/v1/enterprise/members/li-operator/remove", headers=who["company"]
    )
    assert removed.status_code == 204
    refused = await api.client.post(api.t("/applications"), headers=who["operator"], json=body)
    assert refused.status_code == 403 and refused.json()["code"] == "not_a_member"
    # Strangers, individuals as admins, and enterprises as members are all refused.
    await api.register("stranger", name="路人甲")
    stranger = await api.login("stranger", "abc12345x")
    assert (
        await api.client.post(api.t("/applications"), headers=stranger, json=body)
    ).status_code == 403
    assert (
        await api.client.post(
            "/api/v1/enterprise/members",
            headers=stranger,
            json={"username": "x", "role": "operator"},
        )
    ).status_code == 403
    twice = await api.client.post(
        "/api/v1/enterprise/members",
        headers=who["company"],
        json={"username": "wang-reviewer", "role": "operator"},
    )
    assert twice.status_code == 409


async def test_the_reviewer_confirms_or_returns_on_the_portal(api: Api, demo: None) -> None:
    from tests.portal.test_apply import BASE, csrf, web_sign_in

    who = await _enterprise_with_members(api)
    for _ in range(2):
        held = await api.client.post(
            api.t("/applications"),
            headers=who["operator"],
            json=await _permit_application(api, who["operator"]),
        )
        assert held.status_code == 202, held.text
    client = api.client
    await web_sign_in(client, "wang-reviewer")
    page = await client.get(f"{BASE}/me/reviews")
    assert page.status_code == 200 and page.text.count("李经办") == 2
    ids = sorted(set(re_ids(page.text)))
    assert len(ids) == 2
    no_reason = await client.post(
        f"{BASE}/me/reviews/{ids[0]}",
        data={"decision": "decline", "opinion": " ", "_csrf_token": csrf(client)},
    )
    assert no_reason.status_code == 422 and "退回时请说明理由" in no_reason.text
    returned = await client.post(
        f"{BASE}/me/reviews/{ids[0]}",
        data={"decision": "decline", "opinion": "图纸版本不对", "_csrf_token": csrf(client)},
    )
    assert returned.status_code == 303
    confirmed = await client.post(
        f"{BASE}/me/reviews/{ids[1]}", data={"decision": "confirm", "_csrf_token": csrf(client)}
    )
    assert confirmed.status_code == 200 and "已确认提交" in confirmed.text
    assert await Case.count().where(Case.item_code == PERMIT) == 1
    assert "没有待审核的申请" in (await client.get(f"{BASE}/me/reviews")).text


def re_ids(html: str) -> list[str]:
    import re

    return re.findall(r"/me/reviews/([0-9a-f-]{36})", html)
