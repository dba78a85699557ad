"""Submissions and decisions notify the applicant's inbox through the job queue."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from govhall.notify.tables import InboxMessage
from tests.conftest import Api


async def test_submission_and_decisions_reach_the_inbox(
    api: Api, demo: None, run_jobs: Callable[[], Awaitable[None]]
) -> None:
    citizen = await api.citizen()
    receipt = await api.submit(citizen)
    serial = receipt["serial_number"]
    await api.act(await api.staff("clerk"), serial, "accept")
    await api.act(await api.staff("handler"), serial, "pass")  # no message for internal steps
    await api.act(await api.staff("approver"), serial, "deny", "不符合规划条件")
    await run_jobs()
    inbox = (await api.client.get(api.t("/inbox"), headers=citizen)).json()
    assert [entry["template"] for entry in inbox] == ["case_deny", "case_accept", "case_submitted"]
    assert inbox[0]["text"] == (
        f"您的办件 {serial}（国有建设用地使用权及房屋所有权首次登记）不予许可，理由：不符合规划条件"
    )
    english = (
        await api.client.get(api.t("/inbox"), headers={**citizen, "accept-language": "en"})
    ).json()
    assert english[1]["text"].startswith(f"Your case {serial} (First registration")
    await run_jobs()  # running again delivers nothing twice
    assert await InboxMessage.count() == 3


async def test_the_submitted_message_is_written_with_the_case(api: Api, demo: None) -> None:
    # No job has run: the receipt's message went in the case's own transaction, so it
    # is there exactly when the case is, whatever the queue does afterwards.
    citizen = await api.citizen()
    receipt = await api.submit(citizen)
    rows = await InboxMessage.select(InboxMessage.template, InboxMessage.params).output(
        load_json=True
    )
    assert [row["template"] for row in rows] == ["case_submitted"]
    assert rows[0]["params"]["serial_number"] == receipt["serial_number"]
    inbox = (await api.client.get(api.t("/inbox"), headers=citizen)).json()
    assert receipt["serial_number"] in inbox[0]["text"]
