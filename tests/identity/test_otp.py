"""Phone and e-mail verification by one-time codes through real transports (an SMTP
server and an SMS gateway on loopback), and password reset by a verified channel."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

import pytest

from govhall.audit.tables import AuditEntry
from govhall.settings import Settings
from tests.conftest import Api
from tests.transports import Inbox

Jobs = Callable[[], Awaitable[None]]


@pytest.fixture
def settings(base_settings: Settings, mail: Inbox, sms: Inbox) -> Settings:
    return replace(base_settings, smtp_url=mail.url, sms_gateway_url=sms.url)


PHONE = "13800138000"
EMAIL = "zhangsan@example.cn"


async def test_a_phone_is_verified_by_an_sms_code(api: Api, sms: Inbox, run_jobs: Jobs) -> None:
    await api.register(phone=PHONE)
    me = await api.login("zhangsan", "abc12345x")
    sent = await api.client.post("/api/v1/me/verify/sms", headers=me)
    assert sent.status_code == 202 and sent.json()["sent_to"] == "138****8000"
    await run_jobs()
    code = sms.code(PHONE)
    again = await api.client.post("/api/v1/me/verify/sms", headers=me)
    assert again.status_code == 429 and again.json()["code"] == "code_too_soon"
    wrong = "000000" if code != "000000" else "111111"
    bad = await api.client.post("/api/v1/me/verify/sms/confirm", headers=me, json={"code": wrong})
    assert bad.status_code == 422 and bad.json()["code"] == "code_invalid"
    ok = await api.client.post("/api/v1/me/verify/sms/confirm", headers=me, json={"code": code})
    assert ok.status_code == 204
    reuse = await api.client.post("/api/v1/me/verify/sms/confirm", headers=me, json={"code": code})
    assert reuse.status_code == 422
    assert await AuditEntry.count().where(AuditEntry.action == "phone_verified") == 1
    no_email = await api.client.post("/api/v1/me/verify/email", headers=me)
    assert no_email.status_code == 422 and no_email.json()["code"] == "contact_missing"


async def test_a_password_is_reset_by_a_verified_email(
    api: Api, mail: Inbox, run_jobs: Jobs
) -> None:
    await api.register(email=EMAIL)
    me = await api.login("zhangsan", "abc12345x")
    old_pair = (
        await api.client.post(
            "/api/v1/auth/token", json={"username": "zhangsan", "password": "abc12345x"}
        )
    ).json()
    # Before the address is verified a reset sends nothing, and says the same.
    unverified = await api.client.post(
        "/api/v1/auth/password-reset", json={"username": "zhangsan", "channel": "email"}
    )
    assert unverified.status_code == 202
    await run_jobs()
    assert mail.messages == []
    assert (await api.client.post("/api/v1/me/verify/email", headers=me)).status_code == 202
    await run_jobs()
    confirm = {"code": mail.code(EMAIL)}
    assert (
        await api.client.post("/api/v1/me/verify/email/confirm", headers=me, json=confirm)
    ).status_code == 204
    unknown = await api.client.post(
        "/api/v1/auth/password-reset", json={"username": "nobody", "channel": "email"}
    )
    assert unknown.status_code == 202 and unknown.json() == unverified.json()
    asked = await api.client.post(
        "/api/v1/auth/password-reset", json={"username": "zhangsan", "channel": "email"}
    )
    assert asked.status_code == 202
    await run_jobs()
    code = mail.code(EMAIL)
    weak = await api.client.post(
        "/api/v1/auth/password-reset/confirm",
        json={"username": "zhangsan", "code": code, "new_password": "123", "channel": "email"},
    )
    assert weak.status_code == 422
    done = await api.client.post(
        "/api/v1/auth/password-reset/confirm",
        json={
            "username": "zhangsan",
            "code": code,
            "new_password": "New-pass-2026",
            "channel": "email",
        },
    )
    assert done.status_code == 204, done.text
    old = await api.client.post(
        "/api/v1/auth/token", json={"username": "zhangsan", "password": "abc12345x"}
    )
    assert old.status_code == 401
    assert (await api.login("zhangsan", "New-pass-2026"))["authorization"]
    # Signed out everywhere: the refresh token from before the reset is dead.
    stale = await api.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": old_pair["refresh_token"]}
    )
    assert stale.status_code == 401
