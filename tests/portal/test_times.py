"""Every moment shown to people is in the tenant's time zone (Asia/Shanghai for the
demo county): the applicant's progress and case pages and the staff case screen."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from tests.conftest import Api
from tests.portal.test_apply import BASE, web_sign_in
from tests.workbench.test_pages import staff_sign_in

SH = ZoneInfo("Asia/Shanghai")
TIME = re.compile(r'<time datetime="([^"]+)">([^<]+)</time>')


def _times_are_local(html: str) -> int:
    found = TIME.findall(html)
    for machine, shown in found:
        moment = datetime.fromisoformat(machine)
        assert moment.utcoffset() == SH.utcoffset(moment.replace(tzinfo=None)), machine
        assert moment.strftime("%H:%M") in shown, (machine, shown)
    assert "+00:00" not in html
    return len(found)


async def test_times_on_portal_and_staff_pages_are_in_the_tenants_zone(
    api: Api, demo: None
) -> None:
    await api.citizen("timezone")
    headers = await api.login("timezone")
    receipt = await api.submit(headers)
    serial = receipt["serial_number"]
    assert (await api.act(await api.staff("clerk"), serial, "accept", "同意")).status_code == 200
    progress = await api.client.get(
        f"{BASE}/progress",
        params={"serial_number": serial, "query_code": receipt["query_code"]},
    )
    assert progress.status_code == 200
    assert _times_are_local(progress.text) >= 2
    await web_sign_in(api.client, "timezone")
    mine = await api.client.get(f"{BASE}/me/cases/{serial}")
    assert _times_are_local(mine.text) >= 2
    await staff_sign_in(api, "approver")
    screen = await api.client.get(f"{BASE}/work/cases/{serial}")
    assert screen.status_code == 200
    assert _times_are_local(screen.text) >= 1
