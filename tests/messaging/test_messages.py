"""Staff messages (R-W7): one-to-one and group conversations, case comments, history,
unread counts, and the live event on each member's channel."""

from __future__ import annotations

import asyncio
import json

from litestar import Litestar
from litestar.channels import ChannelsPlugin

from govhall.identity.tables import Staff
from govhall.messaging.services import staff_channel
from tests.conftest import Api


async def test_direct_and_group_messages_with_history_and_unread_counts(
    api: Api, demo: None, app: Litestar
) -> None:
    clerk, handler = await api.staff("clerk"), await api.staff("handler")
    url = api.t("/messages/conversations")
    direct = await api.client.post(url, headers=clerk, json={"members": ["handler"]})
    assert direct.status_code == 201, direct.text
    conversation = direct.json()["id"]
    again = await api.client.post(url, headers=handler, json={"members": ["clerk"]})
    assert again.json()["id"] == conversation  # one conversation per pair
    messages = f"{url}/{conversation}/messages"

    live: ChannelsPlugin = app.state.services.live
    handler_id = (await Staff.select(Staff.id).where(Staff.username == "handler").first())["id"]
    async with live.start_subscription([staff_channel(handler_id)]) as subscriber:
        sent = await api.client.post(messages, headers=clerk, json={"body": "  请看一下这个件  "})
        assert sent.status_code == 201 and sent.json()["seq"] == 1
        event = json.loads(
            await asyncio.wait_for(anext(subscriber.iter_events()), timeout=5)  # type: ignore[arg-type]
        )
        assert event["type"] == "message" and event["body"] == "请看一下这个件"
    await api.client.post(messages, headers=clerk, json={"body": "第二条"})
    listed = (await api.client.get(url, headers=handler)).json()
    assert listed[0]["unread"] == 2 and listed[0]["title"] == "王受理"
    read = (await api.client.get(messages, headers=handler)).json()
    assert [m["body"] for m in read] == ["请看一下这个件", "第二条"] and not read[0]["mine"]
    assert (await api.client.get(url, headers=handler)).json()[0]["unread"] == 0
    assert (await api.client.get(url, headers=clerk)).json()[0]["unread"] == 0  # own messages

    empty = await api.client.post(messages, headers=handler, json={"body": "   "})
    assert empty.status_code == 422 and empty.json()["code"] == "message_empty"
    approver = await api.staff("approver")
    assert (await api.client.get(messages, headers=approver)).status_code == 404
    group = await api.client.post(
        url, headers=clerk, json={"members": ["handler", "approver"], "title": "不动产专班"}
    )
    assert group.status_code == 201 and sorted(group.json()["members"]) == ["张批准", "李承办"]
    untitled = await api.client.post(url, headers=clerk, json={"members": ["handler", "approver"]})
    assert untitled.status_code == 422 and untitled.json()["code"] == "group_title_required"
    nobody = await api.client.post(url, headers=clerk, json={"members": ["ghost"]})
    assert nobody.status_code == 404 and "ghost" in nobody.json()["detail"]


async def test_case_comments_are_for_the_staff_handling_the_case(api: Api, demo: None) -> None:
    serial = (await api.submit(await api.citizen()))["serial_number"]
    clerk, handler = await api.staff("clerk"), await api.staff("handler")
    url = api.t(f"/cases/{serial}/comments")
    posted = await api.client.post(url, headers=clerk, json={"body": "申请人电话已核实"})
    assert posted.status_code == 201
    assert [m["body"] for m in (await api.client.get(url, headers=handler)).json()] == [
        "申请人电话已核实"
    ]
    admin = await api.staff("tenantadmin")
    assert (await api.client.get(url, headers=admin)).status_code == 403
    citizen = await api.citizen("another")
    assert (await api.client.get(url, headers=citizen)).status_code == 403
