"""Public progress queries by serial number and query code."""

from __future__ import annotations

from tests.conftest import Api


async def test_progress_shows_public_timeline(api: Api, demo: None) -> None:
    headers = await api.citizen()
    receipt = await api.submit(headers)
    response = await api.client.get(
        api.t("/progress"),
        params={
            "serial_number": receipt["serial_number"],
            "query_code": receipt["query_code"].lower(),
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "submitted"
    assert body["item_name"] == "国有建设用地使用权及房屋所有权首次登记"
    assert [entry["action"] for entry in body["timeline"]] == ["submit"]
    assert body["timeline"][0]["action_label"] == "提交申请"


async def test_wrong_code_and_unknown_number_look_the_same(api: Api, demo: None) -> None:
    headers = await api.citizen()
    receipt = await api.submit(headers)
    wrong = await api.client.get(
        api.t("/progress"),
        params={"serial_number": receipt["serial_number"], "query_code": "AAAAAAAA"},
    )
    unknown = await api.client.get(
        api.t("/progress"),
        params={"serial_number": "99010100000000000000", "query_code": receipt["query_code"]},
    )
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json()
    assert wrong.json()["detail"] == "办件编号或查询码不正确"


async def test_progress_is_scoped_to_the_tenant(api: Api, demo: None) -> None:
    headers = await api.citizen()
    receipt = await api.submit(headers)
    response = await api.client.get(
        "/t/demo-city/api/v1/progress",
        params={"serial_number": receipt["serial_number"], "query_code": receipt["query_code"]},
    )
    assert response.status_code == 404


async def test_missing_query_parameter_is_a_clear_400(api: Api, demo: None) -> None:
    response = await api.client.get(
        api.t("/progress"), params={"serial_number": "1"}, headers={"accept-language": "en"}
    )
    assert response.status_code == 400
    assert "query_code" in response.json()["detail"]
