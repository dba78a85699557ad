"""Signals reach people: warnings to whoever handles the clock, cards to the
department's leaders (approvers), once, in their workbench inbox."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from govhall.identity.tables import Staff
from govhall.notify.tables import InboxMessage
from govhall.supervision.sweep import sweep
from tests.conftest import Api
from tests.portal.test_apply import BASE, hidden
from tests.supervision.test_pages import _late_case
from tests.workbench.test_pages import staff_sign_in


async def _templates(username: str) -> list[str]:
    staff = await Staff.select(Staff.id).where(Staff.username == username)
    rows = await InboxMessage.select(InboxMessage.template).where(
        (InboxMessage.recipient_kind == "staff") & (InboxMessage.recipient_id == staff[0]["id"])
    )
    return sorted(r["template"] for r in rows)


async def test_warnings_go_to_handlers_and_cards_to_leaders_once(
    api: Api, demo: None, run_jobs: Callable[[], Awaitable[None]]
) -> None:
    serial = await _late_case(api)
    # The applicant's "submitted" message is a background job: let it land first, so
    # the counts below are the sweeps' alone.
    await run_jobs()
    now = datetime.now(UTC)
    first = await sweep(now)
    assert first.raised >= 3
    # The acceptance clock is long overdue; the open acceptance step carries the same
    # deadline and raises no second card (one deadline, one card).
    assert await _templates("approver") == sorted(["signal_red", "signal_yellow"])
    assert set(await _templates("clerk")) == {"signal_warning"}
    assert await _templates("handler") == []
    sent = await InboxMessage.count()
    await sweep(now)
    await sweep(datetime.now(UTC))
    assert await InboxMessage.count() == sent

    await staff_sign_in(api, "approver")
    page = await api.client.get(f"{BASE}/work/inbox/")
    assert page.status_code == 200 and "红牌：办件" in page.text and serial in page.text
    assert page.text.count('class="unread"') == 2
    read = await api.client.post(
        f"{BASE}/work/inbox/read", data={"_csrf_token": hidden(page.text, "_csrf_token")}
    )
    assert read.status_code == 303
    assert 'class="unread"' not in (await api.client.get(f"{BASE}/work/inbox/")).text
    english = await api.client.get(f"{BASE}/work/inbox/", headers={"Accept-Language": "en"})
    assert "Red card" in english.text
