"""The tenant's calendar through the API, and its effect on new deadlines."""

from __future__ import annotations

from datetime import date

from govhall.calendar.services import tenant_calendar
from govhall.tenancy.services import resolve_tenant
from tests.conftest import Api


async def test_year_view_lists_national_and_local_days(api: Api, demo: None) -> None:
    response = await api.client.get(api.t("/calendar"), params={"year": 2026})
    assert response.status_code == 200
    days = {d["day"]: d for d in response.json()["days"]}
    assert days["2026-02-16"]["working"] is False and days["2026-02-16"]["source"] == "national"
    assert days["2026-02-14"]["working"] is True  # 调休
    assert response.json()["covered_until"] == "2026-12-31"
    bad = await api.client.get(api.t("/calendar"), params={"year": 1900})
    assert bad.status_code == 422


async def test_admin_adds_a_local_day_off_and_deadlines_follow(api: Api, demo: None) -> None:
    url = api.t("/calendar/2026-12-02")
    clerk, admin = await api.staff("clerk"), await api.staff("tenantadmin")
    body = {"working": False, "name": "县庆"}
    assert (await api.client.put(url, headers=clerk, json=body)).status_code == 403
    assert (await api.client.put(url, headers=admin, json=body)).status_code == 200
    assert (await api.client.put(url, headers=admin, json=body)).status_code == 200  # idempotent
    due = await api.client.get(
        api.t("/calendar/working-days"), params={"start": "2026-12-01", "days": 1}
    )
    assert due.json()["due"] == "2026-12-03"
    tenant = await resolve_tenant("demo-county")
    assert not (await tenant_calendar(tenant.id)).is_working_day(date(2026, 12, 2))
    listed = await api.client.get(api.t("/calendar"), params={"year": 2026})
    local = [d for d in listed.json()["days"] if d["day"] == "2026-12-02"]
    assert local == [
        {
            "day": "2026-12-02",
            "working": False,
            "name": "县庆",
            "source": "tenant",
            "provisional": False,
        }
    ]
    assert (await api.client.delete(url, headers=admin)).status_code == 204
    assert (await api.client.delete(url, headers=admin)).status_code == 404
    again = await api.client.get(
        api.t("/calendar/working-days"), params={"start": "2026-12-01", "days": 1}
    )
    assert again.json()["due"] == "2026-12-02"
    other = await api.client.get(
        "/t/demo-city/api/v1/calendar/working-days", params={"start": "2026-12-01", "days": 1}
    )
    assert other.json()["due"] == "2026-12-02"  # another tenant's calendar is its own
