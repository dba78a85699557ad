"""Refresh tokens (rotation, reuse detection) and logout."""

from __future__ import annotations

from typing import Any

from govhall.audit.tables import AuditEntry
from govhall.identity.tables import Account, RefreshToken
from tests.conftest import Api


async def _sign_in(api: Api) -> dict[str, Any]:
    await api.register("zhangsan")
    response = await api.client.post(
        "/api/v1/auth/token", json={"username": "zhangsan", "password": "abc12345x"}
    )
    assert response.status_code == 200
    return dict(response.json())


async def test_refresh_rotates_and_a_reused_token_revokes_the_family(api: Api, demo: None) -> None:
    first = await _sign_in(api)
    assert first["refresh_token"] and first["expires_in"] == 900
    assert await RefreshToken.count() == 1
    assert (await RefreshToken.objects().first()).token_hash != first["refresh_token"]  # type: ignore[union-attr]
    url = "/api/v1/auth/refresh"
    second = await api.client.post(url, json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    pair = second.json()
    assert pair["refresh_token"] != first["refresh_token"]
    inbox = await api.client.get(
        api.t("/inbox"), headers={"authorization": f"Bearer {pair['access_token']}"}
    )
    assert inbox.status_code == 200
    # The first token is presented again: someone copied it.
    stolen = await api.client.post(url, json={"refresh_token": first["refresh_token"]})
    assert stolen.status_code == 401 and stolen.json()["code"] == "refresh_reused"
    owner = await api.client.post(url, json={"refresh_token": pair["refresh_token"]})
    assert owner.status_code == 401 and owner.json()["code"] == "refresh_invalid"
    assert await AuditEntry.count().where(AuditEntry.action == "refresh_reused") == 1
    forged = await api.client.post(url, json={"refresh_token": "not-a-token"})
    assert forged.status_code == 401


async def test_logout_revokes_the_access_token_and_the_refresh_chain(api: Api, demo: None) -> None:
    tokens = await _sign_in(api)
    headers = {"authorization": f"Bearer {tokens['access_token']}"}
    out = await api.client.post(
        "/api/v1/auth/logout", headers=headers, json={"refresh_token": tokens["refresh_token"]}
    )
    assert out.status_code == 204
    after = await api.client.get(api.t("/inbox"), headers=headers)
    assert after.status_code == 401 and after.json()["code"] == "token_revoked"
    english = await api.client.get(api.t("/inbox"), headers={**headers, "accept-language": "en"})
    assert "signed out" in english.json()["detail"]
    again = await api.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert again.status_code == 401


async def test_a_disabled_account_cannot_refresh(api: Api, demo: None) -> None:
    tokens = await _sign_in(api)
    await Account.update({Account.status: "disabled"}).where(Account.username == "zhangsan")
    response = await api.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert response.status_code == 401 and response.json()["code"] == "account_disabled"
