"""Responsible leaders per department: named by supervisors (checked, in the
user's language), reached by every card in the inbox and by one text per sweep,
sent by the scheduled job and retried when the channel fails."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from govhall.identity.tables import Staff
from govhall.notify.tables import InboxMessage, TenantChannels
from govhall.supervision.leaders import (
    KEEP_DAYS,
    MAX_ATTEMPTS,
    prune_leader_alerts,
    send_leader_alerts,
)
from govhall.supervision.sweep import sweep
from govhall.supervision.tables import LeaderAlert, Signal
from govhall.tenancy.tables import OrgUnit
from tests.conftest import Api
from tests.portal.test_apply import BASE, hidden
from tests.supervision.test_pages import _late_case
from tests.workbench.test_pages import staff_sign_in


async def test_supervisors_name_leaders_and_bad_input_is_refused(api: Api, demo: None) -> None:
    supervisor = await api.staff("supervisor")
    added = await api.client.post(
        api.t("/supervision-leaders"),
        headers=supervisor,
        json={"username": "handler", "org_unit": "zrzyj", "mobile": "13800138000"},
    )
    assert added.status_code == 201, added.text
    leader = added.json()
    assert leader["name"] == "李承办" and leader["org_unit_name"] == "示范县自然资源局"
    assert leader["last_alert_at"] is None
    again = await api.client.post(
        api.t("/supervision-leaders"),
        headers=supervisor,
        json={"username": "handler", "org_unit": "zrzyj"},
    )
    assert again.status_code == 409 and "已是" in again.json()["detail"]
    wrong = await api.client.post(
        api.t("/supervision-leaders"),
        headers={**supervisor, "Accept-Language": "en"},
        json={"username": "nobody", "org_unit": "nowhere", "mobile": "12345"},
    )
    assert wrong.status_code == 422
    errors = {e["field"]: e["message"] for e in wrong.json()["errors"]}
    assert set(errors) == {"username", "org_unit", "mobile"}
    assert "nobody" in errors["username"] and "mobile" in errors["mobile"]
    # Only supervisors name leaders; another tenant's supervisor cannot.
    handler = await api.staff("handler")
    assert (await api.client.get(api.t("/supervision-leaders"), headers=handler)).status_code == 403
    city = await api.client.get("/t/demo-city/api/v1/supervision-leaders", headers=supervisor)
    assert city.status_code == 403
    listed = await api.client.get(api.t("/supervision-leaders"), headers=supervisor)
    assert [x["username"] for x in listed.json()] == ["handler"]
    removed = await api.client.delete(
        api.t(f"/supervision-leaders/{leader['id']}"), headers=supervisor
    )
    assert removed.status_code == 204
    assert (await api.client.get(api.t("/supervision-leaders"), headers=supervisor)).json() == []


async def _inbox(username: str) -> list[str]:
    staff = await Staff.select(Staff.id).where(Staff.username == username)
    rows = await InboxMessage.select(InboxMessage.template).where(
        (InboxMessage.recipient_kind == "staff") & (InboxMessage.recipient_id == staff[0]["id"])
    )
    return sorted(r["template"] for r in rows)


async def test_cards_reach_the_leader_by_inbox_and_one_text_per_sweep(
    api: Api, demo: None, caplog: pytest.LogCaptureFixture
) -> None:
    supervisor = await api.staff("supervisor")
    # The handler is named leader of the bureau (with a mobile), the clerk of the
    # whole centre (inbox only).
    for username, unit, mobile in (("handler", "zrzyj", "13800138000"), ("clerk", "centre", "")):
        response = await api.client.post(
            api.t("/supervision-leaders"),
            headers=supervisor,
            json={"username": username, "org_unit": unit, "mobile": mobile},
        )
        assert response.status_code == 201, response.text
    serial = await _late_case(api)
    now = datetime.now(UTC)
    assert (await sweep(now)).raised >= 3
    # Every card raised under the bureau reaches its leader's inbox, like its approvers'.
    cards = await Signal.select(Signal.level, Signal.org_unit.path).where(
        Signal.level.is_in(["yellow", "red"])
    )
    bureau = await OrgUnit.select(OrgUnit.path).where(OrgUnit.code == "zrzyj").first()
    assert bureau is not None
    under = [c for c in cards if c["org_unit.path"].startswith(bureau["path"])]
    assert under
    handler_cards = [t for t in await _inbox("handler") if t != "signal_warning"]
    assert handler_cards == sorted(f"signal_{c['level']}" for c in under)
    clerk_cards = [t for t in await _inbox("clerk") if t != "signal_warning"]
    assert clerk_cards == sorted(f"signal_{c['level']}" for c in cards)
    # One text for the leader with a mobile, counting the cards; none for the other.
    alerts = await LeaderAlert.select().where(LeaderAlert.status == "queued")
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert["mobile"] == "13800138000" and alert["serial_number"] == serial
    assert alert["yellow"] == sum(c["level"] == "yellow" for c in under)
    assert alert["red"] == sum(c["level"] == "red" for c in under)
    # Sweeping again sends nothing twice.
    await sweep(now)
    await sweep(datetime.now(UTC))
    assert await LeaderAlert.count() == 1
    with caplog.at_level(logging.INFO, logger="govhall.sms"):
        assert await send_leader_alerts() == 1
    text = caplog.text
    assert "138****8000" in text and "示范县自然资源局新增红牌" in text and serial in text
    sent = await LeaderAlert.select().first()
    assert sent is not None and sent["status"] == "sent" and sent["provider"] == "log_sms"
    assert await send_leader_alerts() == 0
    # The supervisors' screen shows when the leader was last texted.
    await staff_sign_in(api, "supervisor")
    page = await api.client.get(f"{BASE}/work/supervision/")
    assert "已发送" in page.text and "13800138000" in page.text


async def _one_leader_text(api: Api) -> None:
    """The approver named leader of the land bureau, a late case there, and the sweep
    that queues the leader's text about it."""
    supervisor = await api.staff("supervisor")
    added = await api.client.post(
        api.t("/supervision-leaders"),
        headers=supervisor,
        json={"username": "approver", "org_unit": "zrzyj", "mobile": "13900139000"},
    )
    assert added.status_code == 201
    await _late_case(api)
    await sweep(datetime.now(UTC))


async def test_a_failing_channel_is_retried_then_marked_failed(api: Api, demo: None) -> None:
    await _one_leader_text(api)
    alert = await LeaderAlert.select(LeaderAlert.id, LeaderAlert.tenant).first()
    assert alert is not None
    await TenantChannels(tenant=alert["tenant"], sms="not_installed").save()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert await send_leader_alerts() == 0
        row = await LeaderAlert.select().where(LeaderAlert.id == alert["id"]).first()
        assert row is not None and row["attempts"] == attempt
        assert row["status"] == ("failed" if attempt == MAX_ATTEMPTS else "queued")
        assert "not_installed" in row["last_error"]


async def test_texts_sent_or_failed_long_ago_are_deleted_and_queued_ones_kept(
    api: Api, demo: None
) -> None:
    await _one_leader_text(api)
    first = await LeaderAlert.select().first()
    assert first is not None
    # Three more texts of the same leader, from sweeps at other moments: one of each
    # status, all older than the days kept, and one sent yesterday.
    now = datetime.now(UTC)
    old = now - timedelta(days=KEEP_DAYS + 1)
    for status, raised_at in (
        ("sent", old),
        ("failed", old - timedelta(minutes=5)),
        ("queued", old - timedelta(minutes=10)),
        ("sent", now - timedelta(days=1)),
    ):
        await LeaderAlert(
            tenant=first["tenant"],
            leader=first["leader"],
            mobile=first["mobile"],
            yellow=1,
            raised_at=raised_at,
            status=status,
        ).save()
    assert await prune_leader_alerts(now) == 2
    kept = await LeaderAlert.select(LeaderAlert.status, LeaderAlert.raised_at)
    assert sorted((r["status"], r["raised_at"] < now - timedelta(days=2)) for r in kept) == [
        ("queued", False),  # the sweep's own text, still to be sent
        ("queued", True),  # old, but never sent: kept
        ("sent", False),
    ]
    assert await prune_leader_alerts(now) == 0


async def test_the_leaders_form_on_the_supervisors_screen(api: Api, demo: None) -> None:
    await staff_sign_in(api, "supervisor")
    page = await api.client.get(f"{BASE}/work/supervision/")
    assert page.status_code == 200 and 'id="leaders"' in page.text
    token = hidden(page.text, "_csrf_token")
    wrong = await api.client.post(
        f"{BASE}/work/supervision/leaders",
        data={"_csrf_token": token, "username": "approver", "org_unit": "zrzyj", "mobile": "139"},
    )
    assert wrong.status_code == 422
    assert 'id="err-leader_mobile"' in wrong.text and 'value="approver"' in wrong.text
    added = await api.client.post(
        f"{BASE}/work/supervision/leaders",
        data={"_csrf_token": token, "username": "approver", "org_unit": "zrzyj", "mobile": ""},
    )
    assert added.status_code == 303
    page = await api.client.get(f"{BASE}/work/supervision/")
    assert "张批准（approver）" in page.text and "仅站内通知" in page.text
    remove = page.text.split("/work/supervision/leaders/")[1].split('"')[0]
    assert remove.endswith("/remove")
    gone = await api.client.post(
        f"{BASE}/work/supervision/leaders/{remove}", data={"_csrf_token": token}
    )
    assert gone.status_code == 303
    assert "张批准（approver）" not in (await api.client.get(f"{BASE}/work/supervision/")).text
