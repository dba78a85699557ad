"""Reports (R-S8): the builder's figures against a reference computed from the
cases themselves, its refusals, exports, saved reports and the dashboard."""

from __future__ import annotations

import io
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from govhall.calendar.services import tenant_calendar
from govhall.cases.tables import Case
from govhall.tenancy.tables import Tenant
from tests.conftest import Api
from tests.engagement.test_engagement import concluded_case
from tests.portal.test_apply import BASE, hidden
from tests.workbench.test_pages import staff_sign_in

ALL = ["cases", "concluded", "on_time_rate", "average_days", "satisfaction", "ratings"]


async def _cases(api: Api) -> dict[str, str]:
    citizen = await api.citizen()
    first = await concluded_case(api, citizen)
    second = await concluded_case(api, citizen)
    open_case = (await api.submit(citizen))["serial_number"]
    for serial, level, reason in ((first, 5, ""), (second, 2, "太慢")):
        rated = await api.client.post(
            api.t(f"/cases/{serial}/rating"),
            headers=citizen,
            json={"level": level, "reason": reason},
        )
        assert rated.status_code == 201
    return {"first": first, "second": second, "open": open_case}


async def test_the_builder_matches_the_cases_and_refuses_bad_queries(api: Api, demo: None) -> None:
    made = await _cases(api)
    # The second case's deadline was three days before it concluded: late.
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    await Case.update({Case.due_on: today - timedelta(days=3)}).where(
        Case.serial_number == made["second"]
    )
    supervisor = await api.staff("supervisor")
    rebuilt = await api.client.post(api.t("/reports/refresh"), headers=supervisor)
    assert rebuilt.status_code == 200 and rebuilt.json()["cases"] == 3
    assert rebuilt.json()["as_of"]
    spec = {"dimensions": ["status"], "measures": ALL}
    ran = await api.client.post(api.t("/reports/run"), headers=supervisor, json=spec)
    assert ran.status_code == 200, ran.text
    body = ran.json()
    by_status = {r["keys"][0]: r["values"] for r in body["rows"]}
    cases = await Case.select(
        Case.status, Case.received_on, Case.concluded_at, Case.due_on, Case.submitted_at
    )
    assert {k: v[0] for k, v in by_status.items()} == dict(Counter(c["status"] for c in cases))
    concluded = [c for c in cases if c["status"] == "concluded"]
    assert by_status["concluded"][1] == len(concluded) == 2
    zone = ZoneInfo("Asia/Shanghai")
    on_time = [c for c in concluded if c["concluded_at"].astimezone(zone).date() <= c["due_on"]]
    assert by_status["concluded"][2] == round(100 * len(on_time) / len(concluded), 2) == 50.0
    tenant = await Tenant.select(Tenant.id).where(Tenant.slug == api.tenant).first()
    assert tenant is not None
    calendar = await tenant_calendar(tenant["id"])
    used = [
        calendar.working_days_between(
            c["received_on"] or c["submitted_at"].astimezone(zone).date(),
            c["concluded_at"].astimezone(zone).date(),
        )
        for c in concluded
    ]
    assert by_status["concluded"][3] == round(sum(used) / len(used), 2)
    assert by_status["concluded"][4] == 3.5 and by_status["concluded"][5] == 2
    assert body["totals"][0] == len(cases) and [m["key"] for m in body["measures"]] == ALL
    labels = {r["keys"][0]: r["labels"][0] for r in body["rows"]}
    assert labels["concluded"] == "已办结"

    by_department = await api.client.post(
        api.t("/reports/run"),
        headers={**supervisor, "Accept-Language": "en"},
        json={"dimensions": ["department", "month"], "measures": ["cases"]},
    )
    rows = by_department.json()["rows"]
    month = datetime.now(zone).strftime("%Y-%m")
    assert [(r["labels"], r["values"]) for r in rows] == [
        (["Demo County Natural Resources Bureau", month], [len(cases)])
    ]

    english = {**supervisor, "Accept-Language": "en"}
    wrong = await api.client.post(
        api.t("/reports/run"),
        headers=english,
        json={
            "dimensions": ["colour"],
            "measures": [],
            "date_from": "2026-06-01",
            "date_to": "2026-05-01",
        },
    )
    assert wrong.status_code == 422
    errors = {e["field"]: e["message"] for e in wrong.json()["errors"]}
    assert set(errors) == {"dimensions", "measures", "date_to"}
    assert "earlier than the start" in errors["date_to"] and "item" in errors["dimensions"]
    # Out of scope: a clerk, another tenant.
    clerk = await api.staff("clerk")
    assert (
        await api.client.post(api.t("/reports/run"), headers=clerk, json=spec)
    ).status_code == 403
    other = await api.client.post("/t/demo-city/api/v1/reports/run", headers=supervisor, json=spec)
    assert other.status_code == 403
    # A period before the cases: nothing counted.
    empty = await api.client.post(
        api.t("/reports/run"),
        headers=supervisor,
        json={"measures": ["cases"], "date_from": "2020-01-01", "date_to": "2020-12-31"},
    )
    assert empty.json()["totals"] == [0]


async def test_exports_saved_reports_and_the_dashboard(api: Api, demo: None) -> None:
    await _cases(api)
    supervisor = await api.staff("supervisor")
    spec = {"dimensions": ["status"], "measures": ["cases", "satisfaction"]}
    for fmt, start in (("csv", "\ufeff状态".encode()), ("pdf", b"%PDF")):
        got = await api.client.post(
            api.t(f"/reports/export?format={fmt}"), headers=supervisor, json=spec
        )
        assert got.status_code == 200 and got.content.startswith(start), got.text[:200]
    xlsx = await api.client.post(
        api.t("/reports/export?format=xlsx"), headers=supervisor, json=spec
    )
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[0] == ["状态", "申请件数", "满意度（平均星级）"] and cells[-1][0] == "合计"
    bad = await api.client.post(api.t("/reports/export?format=doc"), headers=supervisor, json=spec)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "format"

    saved = await api.client.post(
        api.t("/reports/saved"),
        headers=supervisor,
        json={"name": "状态满意度", "spec": spec, "shared": True, "chart": "pie"},
    )
    assert saved.status_code == 201, saved.text
    report_id = saved.json()["id"]
    nameless = await api.client.post(
        api.t("/reports/saved"), headers=supervisor, json={"name": " ", "spec": spec}
    )
    assert nameless.status_code == 422
    admin = await api.staff("tenantadmin")
    listed = (await api.client.get(api.t("/reports/saved"), headers=admin)).json()
    assert [(r["name"], r["mine"], r["chart"]) for r in listed] == [("状态满意度", False, "pie")]
    exported = await api.client.get(
        api.t(f"/reports/saved/{report_id}/export?format=pdf"), headers=admin
    )
    assert exported.content.startswith(b"%PDF")
    refused = await api.client.delete(api.t(f"/reports/saved/{report_id}"), headers=admin)
    assert refused.status_code == 403
    gone = await api.client.delete(api.t(f"/reports/saved/{report_id}"), headers=supervisor)
    assert gone.status_code == 204
    assert (await api.client.get(api.t("/reports/saved"), headers=admin)).json() == []

    board = await api.client.get(api.t("/reports/dashboard"), headers=supervisor)
    assert board.status_code == 200
    data = board.json()
    assert data["kpis"]["cases"] == 3 and data["kpis"]["concluded"] == 2
    # No sweep ran: nothing signalled yet.
    assert data["signals"] == {"warning": 0, "yellow": 0, "red": 0}
    assert data["kpis"]["satisfaction"] == 3.5 and data["kpis"]["ratings"] == 2
    assert [c["key"] for c in data["charts"]] == [
        "by_month",
        "by_department",
        "by_status",
        "on_time",
    ]
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).date()
    assert data["date_to"] == today.isoformat()


async def test_the_dashboard_and_the_builder_pages(api: Api, demo: None) -> None:
    await _cases(api)
    await staff_sign_in(api, "supervisor")
    token = hidden((await api.client.get(f"{BASE}/work/reports/")).text, "_csrf_token")
    rebuilt = await api.client.post(f"{BASE}/work/reports/refresh", data={"_csrf_token": token})
    assert rebuilt.status_code == 303
    board = await api.client.get(f"{BASE}/work/reports/")
    assert board.status_code == 200 and 'id="as-of"' in board.text
    assert 'id="open-signals"' in board.text
    for key in ("by_month", "by_department", "by_status", "on_time"):
        assert f'id="chart-{key}"' in board.text
    assert board.text.count('<svg role="img"') == 4 and "示范县自然资源局" in board.text
    wrong = await api.client.get(f"{BASE}/work/reports/?date_from=2026-13-01")
    assert wrong.status_code == 422 and 'id="err-date_from"' in wrong.text

    query = "dimensions=status&measures=cases&measures=concluded&chart=pie&run=1"
    built = await api.client.get(f"{BASE}/work/reports/builder?{query}")
    assert built.status_code == 200 and 'id="report-chart"' in built.text
    assert "已办结" in built.text and "合计" in built.text
    refused = await api.client.get(
        f"{BASE}/work/reports/builder?dimensions=colour&date_from=2026-06-01&date_to=2026-05-01&run=1"
    )
    assert refused.status_code == 422
    assert 'id="err-dimensions"' in refused.text and 'id="err-date_to"' in refused.text
    csv = await api.client.get(f"{BASE}/work/reports/export?{query}&format=csv")
    assert csv.status_code == 200 and "已办结".encode() in csv.content

    token = hidden(built.text, "_csrf_token")
    saved_query = hidden(built.text, "query")
    nameless = await api.client.post(
        f"{BASE}/work/reports/saved", data={"_csrf_token": token, "query": saved_query}
    )
    assert nameless.status_code == 422 and 'id="err-name"' in nameless.text
    saved = await api.client.post(
        f"{BASE}/work/reports/saved",
        data={"_csrf_token": token, "query": saved_query, "name": "状态分布", "shared": "1"},
    )
    assert saved.status_code == 303
    reopened = await api.client.get(saved.headers["location"])
    assert reopened.status_code == 303 and "chart=pie" in reopened.headers["location"]
    page = await api.client.get(reopened.headers["location"])
    assert "状态分布" in page.text and 'id="report-table"' in page.text
    # A clerk has no reports.
    await staff_sign_in(api, "clerk")
    assert (await api.client.get(f"{BASE}/work/reports/")).status_code == 403
