"""A year without a notice through the API, and an operator loading a notice: refused
whole when wrong, and when right the open cases' deadlines move and their applicants
are told."""

from __future__ import annotations

from datetime import date, timedelta

from govhall.calendar.services import forget_all, tenant_calendar
from govhall.calendar.tables import NationalNotice
from govhall.calendar.working import statutory_days
from govhall.cases.tables import Case
from govhall.notify.tables import InboxMessage
from govhall.tenancy.services import resolve_tenant
from tests.conftest import Api
from tests.tenancy.test_operations import _operator
from tests.workflow.test_actions import _accepted

URL = "/api/v1/operator/calendar/notices"


async def test_2027_is_statutory_and_provisional(api: Api, demo: None) -> None:
    year = (await api.client.get(api.t("/calendar"), params={"year": 2027})).json()
    assert year["provisional"] is True and year["source"] == "statutory"
    days = {d["day"]: d for d in year["days"]}
    for day in ("2027-01-01", "2027-02-05", "2027-02-08", "2027-04-05", "2027-06-09"):
        assert days[day]["working"] is False and days[day]["provisional"] is True, day
        assert days[day]["source"] == "statutory"
    assert days["2027-02-05"]["name"] == "春节"
    due = await api.client.get(
        api.t("/calendar/working-days"), params={"start": "2026-12-31", "days": 1}
    )
    assert due.json()["due"] == "2027-01-04"
    settled = (await api.client.get(api.t("/calendar"), params={"year": 2026})).json()
    assert settled["provisional"] is False and settled["source"] == "national"


async def test_an_operator_loads_a_notice_and_open_cases_follow(api: Api, demo: None) -> None:
    serial, citizen = await _accepted(api)
    case = await Case.objects().where(Case.serial_number == serial).first()
    assert case is not None and case.due_on is not None and case.received_on is not None
    start, due = case.received_on, case.due_on
    # A notice for the due date's year that gives one more weekday off before the due date.
    calendar = await tenant_calendar(case.tenant)
    extra = next(
        d
        for d in (start + timedelta(days=i) for i in range(1, 40))
        if d < due
        and d.year == due.year
        and d.weekday() < 5
        and d not in statutory_days(d.year)
        and calendar.is_working_day(d)
    )
    limit = calendar.working_days_between(start, due)
    off = [f"{d.isoformat()}" for d in statutory_days(due.year)] + [extra.isoformat()]
    notice = {
        "year": due.year,
        "title": f"国务院办公厅关于{due.year}年部分节假日安排的通知",
        "holidays": [{"name": "测试", "off": off}],
    }
    ops = await _operator(api)
    clerk = await api.staff("clerk")
    assert (await api.client.post(URL, headers=clerk, json=notice)).status_code == 403
    # Wrong: a date of another year and a weekday "worked": refused whole, nothing kept.
    bad = {
        **notice,
        "holidays": [{"name": "x", "off": [*off, "1999-01-01"], "work": [extra.isoformat()]}],
    }
    refused = await api.client.post(URL, headers=ops, json=bad)
    assert refused.status_code == 422 and refused.json()["code"] == "notice_invalid"
    assert "1999-01-01" in refused.json()["detail"]
    assert await NationalNotice.count() == 0
    assert (await Case.select(Case.due_on).where(Case.id == case.id))[0]["due_on"] == due

    loaded = await api.client.post(URL, headers=ops, json=notice)
    assert loaded.status_code == 201, loaded.text
    body = loaded.json()
    assert extra.isoformat() in body["changed_days"] and body["cases_recomputed"] >= 1
    forget_all()
    tenant = await resolve_tenant("demo-county")
    calendar = await tenant_calendar(tenant.id)
    assert not calendar.is_working_day(extra)
    moved = (await Case.select(Case.due_on).where(Case.id == case.id))[0]["due_on"]
    assert moved == calendar.add_working_days(start, limit) and moved > due
    told = (
        await InboxMessage.select(InboxMessage.params)
        .output(load_json=True)
        .where((InboxMessage.case == case.id) & (InboxMessage.template == "case_deadline_moved"))
    )
    assert any(m["params"]["after"] == moved.isoformat() for m in told)
    listed = (await api.client.get(URL, headers=ops)).json()
    assert [n["year"] for n in listed] == [due.year]
    year = (await api.client.get(api.t("/calendar"), params={"year": due.year})).json()
    assert year["source"] == "national" and year["provisional"] is False
    inbox = await api.client.get(api.t("/inbox"), headers=citizen)
    assert "调整为" in inbox.text and serial in inbox.text
    assert (await api.client.delete(f"{URL}/{due.year}", headers=ops)).status_code == 200
    forget_all()
    back = (await Case.select(Case.due_on).where(Case.id == case.id))[0]["due_on"]
    assert back == due
    assert date(due.year, 1, 1) <= extra


async def test_the_operator_loads_a_notice_on_the_console(api: Api, demo: None) -> None:
    from tests.portal.test_apply import hidden
    from tests.tenancy.test_operations import operator_web_session

    await operator_web_session(api)
    console = await api.client.get("/operator/")
    assert 'id="notice-form"' in console.text and 'id="calendar-warning"' in console.text
    token = hidden(console.text, "_csrf_token")
    off = "\n".join(
        f"{day.isoformat()} {name}" for day, name in sorted(statutory_days(2027).items())
    )
    typed = {
        "_csrf_token": token,
        "year": "2027",
        "title": "国务院办公厅关于2027年部分节假日安排的通知",
        "off": off + "\n2027-13-01 错误",
        "work": "2027-02-09 春节",
    }
    refused = await api.client.post("/operator/calendar/notices", data=typed)
    assert refused.status_code == 422 and 'id="notice-error"' in refused.text
    assert "2027-13-01" in refused.text and "2027-02-09" in refused.text
    assert "2027-13-01 错误" in refused.text  # what was typed is kept
    assert await NationalNotice.count() == 0
    loaded = await api.client.post(
        "/operator/calendar/notices", data={**typed, "off": off, "work": "2027-02-20 春节"}
    )
    assert loaded.status_code == 200 and 'id="notice-result"' in loaded.text, loaded.text[-3000:]
    assert await NationalNotice.count() == 1
    assert 'id="notices"' in loaded.text
