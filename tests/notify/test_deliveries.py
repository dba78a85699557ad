"""SMS and e-mail about cases (R-A9): the applicant's channels, the tenant's channel
plugins and wording, background delivery through real transports on loopback,
retries, the failed-delivery list and sending again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from litestar import Litestar

from govhall.identity.tables import Account
from govhall.jobs.queue import InlineJobQueue
from govhall.notify.deliveries import deliver_external
from govhall.notify.tables import Delivery
from govhall.settings import Settings
from tests.conftest import Api
from tests.portal.test_apply import BASE, csrf, web_sign_in
from tests.transports import Inbox

Jobs = Callable[[], Awaitable[None]]
PHONE = "13900139000"
EMAIL = "lisi@example.cn"


@pytest.fixture
def settings(base_settings: Settings, mail: Inbox, sms: Inbox) -> Settings:
    return replace(base_settings, smtp_url=mail.url, sms_gateway_url=sms.url)


async def verified_citizen(api: Api, username: str = "lisi") -> dict[str, str]:
    await api.register(username, phone=PHONE, email=EMAIL)
    now = datetime.now(UTC)
    await Account.update({Account.phone_verified_at: now, Account.email_verified_at: now}).where(
        Account.username == username
    )
    return await api.login(username)


async def test_the_applicant_gets_sms_and_email_in_the_tenants_wording(
    api: Api, demo: None, mail: Inbox, sms: Inbox, run_jobs: Jobs
) -> None:
    await api.register("unverified", phone="13700137000")
    unverified = await api.login("unverified")
    refused = await api.client.put(
        "/api/v1/me/notification-preferences", headers=unverified, json={"channels": ["sms"]}
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "channels"

    citizen = await verified_citizen(api)
    chosen = await api.client.put(
        "/api/v1/me/notification-preferences",
        headers=citizen,
        json={"channels": ["sms", "email"], "locale": "zh-CN"},
    )
    assert chosen.status_code == 200 and chosen.json()["channels"] == ["email", "sms"]

    admin = await api.staff("tenantadmin")
    no_such = await api.client.put(
        api.t("/notification-channels"), headers=admin, json={"sms": "carrier_pigeon"}
    )
    assert no_such.status_code == 422 and "log_sms" in no_such.json()["errors"][0]["message"]
    assert (
        await api.client.put(
            api.t("/notification-channels"), headers=admin, json={"sms": "gateway_sms"}
        )
    ).status_code == 200
    bad_wording = await api.client.put(
        api.t("/notification-templates"),
        headers=admin,
        json={"key": "case_submitted", "locale": "zh-CN", "text": "{applicant}您好"},
    )
    assert bad_wording.status_code == 422 and "{serial_number}" in bad_wording.text
    worded = await api.client.put(
        api.t("/notification-templates"),
        headers=admin,
        json={
            "key": "case_submitted",
            "locale": "zh-CN",
            "text": "【示范县】{item}已受理登记，编号{serial_number}",
        },
    )
    assert worded.status_code == 200, worded.text
    listed = await api.client.get(api.t("/notification-templates"), headers=admin)
    assert any(t["text"].startswith("【示范县】") for t in listed.json())
    clerk = await api.staff("clerk")
    assert (
        await api.client.get(api.t("/notification-templates"), headers=clerk)
    ).status_code == 403

    receipt = await api.submit(citizen)
    await run_jobs()
    serial = receipt["serial_number"]
    assert [text for to, text in sms.messages if to == PHONE] == [
        f"【示范县】国有建设用地使用权及房屋所有权首次登记已受理登记，编号{serial}"
    ]
    emailed = [text for to, text in mail.messages if to == EMAIL]
    assert len(emailed) == 1 and emailed[0].startswith("【示范县】")  # one wording, both channels
    rows = await Delivery.select(Delivery.id, Delivery.status, Delivery.provider)
    assert sorted((r["status"], r["provider"]) for r in rows) == [
        ("sent", "gateway_sms"),
        ("sent", "smtp"),
    ]
    # A job run twice (a worker lost after sending) does not send twice.
    await deliver_external(delivery_id=str(rows[0]["id"]))
    assert len(sms.messages) + len(mail.messages) == 2


async def test_failed_deliveries_are_listed_for_admins_and_sent_again(
    api: Api, demo: None, app: Litestar, sms: Inbox, run_jobs: Jobs
) -> None:
    queue = app.state.services.queue
    if isinstance(queue, InlineJobQueue):
        queue.retry_intervals = (0, 0, 0)
    citizen = await verified_citizen(api)
    await api.client.put(
        "/api/v1/me/notification-preferences", headers=citizen, json={"channels": ["sms"]}
    )
    admin = await api.staff("tenantadmin")
    await api.client.put(
        api.t("/notification-channels"), headers=admin, json={"sms": "gateway_sms"}
    )
    sms.failing = True
    receipt = await api.submit(citizen)
    await run_jobs()
    delivery = await Delivery.objects().first()
    assert delivery is not None
    # RQ schedules its retries for later: play them here, as its worker would.
    while (await Delivery.objects().first()).status != "failed":  # type: ignore[union-attr]
        with pytest.raises(Exception):  # noqa: B017 - the gateway's error, whatever it is
            await deliver_external(delivery_id=str(delivery.id))
    failed = await Delivery.objects().first()
    assert failed is not None and failed.attempts == 4 and "500" in failed.last_error

    clerk = await api.staff("clerk")
    assert (await api.client.get(api.t("/notification-failures"), headers=clerk)).status_code == 403
    listed = (await api.client.get(api.t("/notification-failures"), headers=admin)).json()
    assert [(f["serial_number"], f["channel"], f["account"]) for f in listed] == [
        (receipt["serial_number"], "sms", "lisi")
    ]
    sms.failing = False
    again = await api.client.post(api.t(f"/notification-failures/{failed.id}/retry"), headers=admin)
    assert again.status_code == 202
    await run_jobs()
    assert len([m for m in sms.messages if m[0] == PHONE]) == 1
    assert (await api.client.get(api.t("/notification-failures"), headers=admin)).json() == []
    twice = await api.client.post(api.t(f"/notification-failures/{failed.id}/retry"), headers=admin)
    assert twice.status_code == 404


async def test_inbox_and_channel_choice_on_the_portal(api: Api, demo: None, run_jobs: Jobs) -> None:
    citizen = await verified_citizen(api)
    await api.submit(citizen)
    await run_jobs()
    client = api.client
    await web_sign_in(client, "lisi")
    inbox = await client.get(f"{BASE}/me/inbox")
    assert inbox.status_code == 200 and "已提交" in inbox.text and "新" in inbox.text
    again = await client.get(f"{BASE}/me/inbox")
    assert 'class="unread"' not in again.text  # read once opened
    page = await client.get(f"{BASE}/me/notifications")
    assert page.status_code == 200 and 'value="sms"' in page.text
    saved = await client.post(
        f"{BASE}/me/notifications",
        data={"channels": ["sms", "email"], "locale": "en", "_csrf_token": csrf(client)},
    )
    assert saved.status_code == 303
    shown = await client.get(saved.headers["location"])
    assert 'value="sms" id="ch-sms" checked' in shown.text
    assert 'value="en" selected' in shown.text
