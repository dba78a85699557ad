"""Sign-in lock-out per account and per client address."""

from __future__ import annotations

from govhall.identity.services import ACCOUNT_FAILURES, ADDRESS_FAILURES
from tests.conftest import Api


async def _login(api: Api, username: str, password: str, **extra: str) -> object:
    return await api.client.post(
        "/api/v1/auth/token", json={"username": username, "password": password, **extra}
    )


async def test_an_account_locks_after_repeated_failures(api: Api, demo: None) -> None:
    await api.register("zhangsan")
    for _ in range(ACCOUNT_FAILURES):
        assert (await _login(api, "zhangsan", "wrong-pass-1")).status_code == 401  # type: ignore[attr-defined]
    locked = await _login(api, "zhangsan", "abc12345x")  # even the right password now
    assert locked.status_code == 429  # type: ignore[attr-defined]
    assert locked.json()["code"] == "account_locked"  # type: ignore[attr-defined]
    assert "15 分钟" in locked.json()["detail"]  # type: ignore[attr-defined]
    english = await api.client.post(
        "/api/v1/auth/token",
        headers={"accept-language": "en"},
        json={"username": "zhangsan", "password": "abc12345x"},
    )
    assert "locked" in english.json()["detail"]
    # Other accounts, and the same username as staff of a tenant, are not affected.
    await api.register("lisi")
    assert (await _login(api, "lisi", "abc12345x")).status_code == 200  # type: ignore[attr-defined]
    assert (
        await api.client.post(
            "/api/v1/auth/token",
            json={"username": "clerk", "password": "demo-test-pass-1", "tenant": "demo-county"},
        )
    ).status_code == 200


async def test_one_address_trying_many_accounts_is_throttled(api: Api, demo: None) -> None:
    for i in range(ADDRESS_FAILURES):
        response = await _login(api, f"nobody{i}", "wrong-pass-1")
        assert response.status_code == 401  # type: ignore[attr-defined]
    await api.register("zhangsan")
    throttled = await _login(api, "zhangsan", "abc12345x")
    assert throttled.status_code == 429  # type: ignore[attr-defined]
    assert throttled.json()["code"] == "address_throttled"  # type: ignore[attr-defined]
