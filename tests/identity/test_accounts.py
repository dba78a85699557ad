"""Registration and login through the API."""

from __future__ import annotations

import httpx

from govhall.identity.tables import Account
from govhall.identity.tokens import Principal, TokenService
from tests.conftest import CREDIT_CODE, ID_NUMBER, Api


async def test_register_individual_masks_id_and_hashes_password(api: Api) -> None:
    account = await api.register("wangwu")
    assert account["id_number_masked"] == "110105********002X"
    row = await Account.objects().where(Account.username == "wangwu").first()
    assert row is not None and row.password_hash.startswith("$argon2id$")


async def test_register_enterprise(api: Api) -> None:
    response = await api.client.post(
        "/api/v1/accounts",
        json={
            "username": "acme",
            "password": "abc12345x",
            "kind": "enterprise",
            "name": "示范科技有限公司",
            "credit_code": CREDIT_CODE.lower(),
        },
    )
    assert response.status_code == 201
    assert response.json()["credit_code"] == CREDIT_CODE


async def test_registration_reports_every_problem(api: Api) -> None:
    response = await api.client.post(
        "/api/v1/accounts",
        json={
            "username": "1x",
            "password": "abc12345x",
            "kind": "individual",
            "name": "张",
            "id_number": ID_NUMBER[:-1] + "1",
            "phone": "123",
            "email": "nope",
        },
    )
    assert response.status_code == 422
    fields = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert set(fields) == {"username", "name", "id_number", "phone", "email"}
    assert fields["id_number"] == "居民身份证号码无效，请核对后重新输入"
    assert await Account.count() == 0


async def test_bad_credit_code_and_weak_password(api: Api) -> None:
    bad_code = await api.client.post(
        "/api/v1/accounts",
        json={
            "username": "acme",
            "password": "abc12345x",
            "kind": "enterprise",
            "name": "示范公司",
            "credit_code": "91110000600037341X",
        },
        headers={"accept-language": "en"},
    )
    assert bad_code.json()["errors"][0]["message"].startswith("The unified social credit code")
    weak = await api.client.post(
        "/api/v1/accounts",
        json={
            "username": "zhao",
            "password": "12345678",
            "kind": "individual",
            "name": "赵六",
            "id_number": ID_NUMBER,
        },
    )
    assert weak.status_code == 422 and weak.json()["code"] == "weak_password"


async def test_duplicate_username_is_409_and_keeps_the_first(api: Api) -> None:
    await api.register("zhangsan")
    response = await api.client.post(
        "/api/v1/accounts",
        json={
            "username": "zhangsan",
            "password": "other1234x",
            "kind": "individual",
            "name": "另一人",
            "id_number": ID_NUMBER,
        },
    )
    assert response.status_code == 409
    assert response.json()["detail"] == "用户名 zhangsan 已被注册"
    assert (await api.login("zhangsan"))["authorization"].startswith("Bearer ")


async def test_wrong_password_and_unknown_user_look_the_same(api: Api, demo: None) -> None:
    await api.register("zhangsan")
    wrong = await api.client.post(
        "/api/v1/auth/token", json={"username": "zhangsan", "password": "nope12345"}
    )
    unknown = await api.client.post(
        "/api/v1/auth/token", json={"username": "nobody", "password": "nope12345"}
    )
    staff_wrong = await api.client.post(
        "/api/v1/auth/token",
        json={"username": "clerk", "password": "nope12345", "tenant": "demo-county"},
    )
    assert wrong.status_code == unknown.status_code == staff_wrong.status_code == 401
    assert wrong.json() == unknown.json() == staff_wrong.json()


async def test_staff_token_is_scoped_to_its_tenant(api: Api, demo: None) -> None:
    clerk = await api.staff("clerk")
    elsewhere = await api.client.post(
        "/api/v1/auth/token",
        json={"username": "clerk", "password": "demo-test-pass-1", "tenant": "demo-city"},
    )
    assert elsewhere.status_code == 401
    assert (await api.client.get(api.t("/worklist"), headers=clerk)).status_code == 200
    assert (await api.client.get("/t/demo-city/api/v1/worklist", headers=clerk)).status_code == 403


async def test_expired_and_forged_tokens_are_401(
    api: Api, demo: None, client: httpx.AsyncClient
) -> None:
    account = await api.register("zhangsan")
    settings_key = "test-secret-key-that-is-long-enough-0123456789"
    principal = Principal(kind="account", id=account["id"], username="zhangsan", name="张三")
    expired = TokenService(settings_key, ttl_seconds=-10).issue(principal)
    forged = TokenService("another-secret-key-0123456789abcdef", 3600).issue(principal)
    for token, code in (
        (expired, "token_expired"),
        (forged, "token_invalid"),
        ("garbage", "token_invalid"),
    ):
        response = await client.get(
            api.t("/inbox"), headers={"authorization": f"Bearer {token}", "accept-language": "en"}
        )
        assert response.status_code == 401
        assert response.json()["code"] == code
    assert (
        "expired"
        in (
            await client.get(
                api.t("/inbox"),
                headers={"authorization": f"Bearer {expired}", "accept-language": "en"},
            )
        ).json()["detail"]
    )
