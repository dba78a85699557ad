"""The staff workbench's pages: the to-do list, the case screen with its actions,
materials and documents, refusals shown in place, and only this tenant's staff."""

from __future__ import annotations

import re

from tests.conftest import DEMO_PASSWORD, Api
from tests.portal.test_apply import BASE, csrf, hidden


async def staff_sign_in(api: Api, username: str) -> None:
    page = await api.client.get(f"/login?tenant=demo-county&next={BASE}/work/")
    signed = await api.client.post(
        "/login",
        data={
            "username": username,
            "password": DEMO_PASSWORD,
            "tenant": "demo-county",
            "next": f"{BASE}/work/",
            "_csrf_token": hidden(page.text, "_csrf_token"),
        },
    )
    assert signed.status_code == 303 and signed.headers["location"] == f"{BASE}/work/"


async def test_a_clerk_accepts_at_the_window_and_the_handler_decides(api: Api, demo: None) -> None:
    citizen = await api.citizen()
    serial = (
        await api.submit(
            citizen,
            {
                "applicant_name": "张三",
                "property_location": "<i>城关镇</i>解放路12号",
                "property_use": "residential",
                "floor_area": 98.5,
                "extra_certificates": 1,
            },
        )
    )["serial_number"]
    anonymous = await api.client.get(f"{BASE}/work/")
    assert anonymous.status_code == 302 and "tenant=demo-county" in anonymous.headers["location"]

    await staff_sign_in(api, "clerk")
    todo = await api.client.get(f"{BASE}/work/")
    assert todo.status_code == 200 and serial in todo.text
    screen = await api.client.get(f"{BASE}/work/cases/{serial}")
    assert screen.status_code == 200
    assert 'value="accept"' in screen.text and 'value="reject"' in screen.text
    assert "&lt;i&gt;城关镇&lt;/i&gt;" in screen.text  # the applicant's text, escaped
    files = re.findall(rf'href="({BASE}/work/files/[0-9a-f-]+)"', screen.text)
    assert len(files) == 2
    got = await api.client.get(files[0])
    assert got.status_code in (200, 307)

    no_reason = await api.client.post(
        f"{BASE}/work/cases/{serial}/act",
        data={"action": "reject", "opinion": " ", "_csrf_token": csrf(api.client)},
    )
    assert no_reason.status_code == 422 and 'id="err-opinion"' in no_reason.text
    empty_list = await api.client.post(
        f"{BASE}/work/cases/{serial}/act",
        data={"action": "request_correction", "items": "\n", "_csrf_token": csrf(api.client)},
    )
    assert empty_list.status_code == 422 and "一次性列明" in empty_list.text
    accepted = await api.client.post(
        f"{BASE}/work/cases/{serial}/act",
        data={"action": "accept", "opinion": "材料齐全", "_csrf_token": csrf(api.client)},
    )
    assert accepted.status_code == 303
    again = await api.client.post(
        f"{BASE}/work/cases/{serial}/act",
        data={"action": "accept", "opinion": "", "_csrf_token": csrf(api.client)},
    )
    assert again.status_code in (403, 409)  # a second accept changes nothing
    after = await api.client.get(f"{BASE}/work/cases/{serial}")
    assert "受理通知书" in after.text
    document = re.search(rf'href="({BASE}/work/documents/[0-9a-f-]+)"', after.text)
    assert document and (await api.client.get(document.group(1))).status_code in (200, 307)

    await staff_sign_in(api, "handler")
    handler_screen = await api.client.get(f"{BASE}/work/cases/{serial}")
    assert 'value="pass"' in handler_screen.text
    passed = await api.client.post(
        f"{BASE}/work/cases/{serial}/act",
        data={"action": "pass", "opinion": "符合条件", "_csrf_token": csrf(api.client)},
    )
    assert passed.status_code == 303


async def test_only_this_tenants_staff_use_the_workbench(api: Api, demo: None) -> None:
    from tests.portal.test_apply import web_sign_in

    await api.register("visitor")
    await web_sign_in(api.client, "visitor")
    assert (await api.client.get(f"{BASE}/work/")).status_code == 403
    api.client.cookies.delete("govhall_session")
    page = await api.client.get("/login")
    await api.client.post(
        "/login",
        data={
            "username": "tenantadmin",
            "password": DEMO_PASSWORD,
            "tenant": "demo-county",
            "next": "/t/demo-city/work/",
            "_csrf_token": hidden(page.text, "_csrf_token"),
        },
    )
    assert (await api.client.get("/t/demo-city/work/")).status_code == 403


async def test_completeness_risk_points_and_originals_checked(api: Api, demo: None) -> None:
    from govhall.audit.tables import AuditEntry
    from govhall.cases.tables import CaseMaterial

    citizen = await api.citizen()
    serial = (await api.submit(citizen))["serial_number"]
    await staff_sign_in(api, "clerk")
    screen = await api.client.get(f"{BASE}/work/cases/{serial}")
    assert "材料齐全" in screen.text
    assert "核对申请人身份证明原件" in screen.text  # the item's risk point at acceptance
    checks = re.findall(
        rf'action="({BASE}/work/cases/{serial}/materials/[0-9a-f-]+/checked)"', screen.text
    )
    assert len(checks) == 2
    checked = await api.client.post(checks[0], data={"_csrf_token": csrf(api.client)})
    assert checked.status_code == 303
    again = await api.client.post(checks[0], data={"_csrf_token": csrf(api.client)})
    assert again.status_code == 409
    levels = sorted(r["trust_level"] for r in await CaseMaterial.select(CaseMaterial.trust_level))
    assert levels == ["B", "C"]
    assert await AuditEntry.count().where(AuditEntry.action == "original_checked") == 1
    # The API does the same, for the clerk only.
    material = (
        await CaseMaterial.select(CaseMaterial.id).where(CaseMaterial.trust_level == "C").first()
    )
    assert material is not None
    url = api.t(f"/cases/{serial}/materials/{material['id']}/original-checked")
    approver = await api.staff("approver")
    assert (await api.client.post(url, headers=approver)).status_code == 403
    clerk = await api.staff("clerk")
    done = await api.client.post(url, headers=clerk)
    assert done.status_code == 200 and done.json() == {"trust_level": "B"}


async def test_done_list_combined_search_and_exports(api: Api, demo: None) -> None:
    import csv
    import io

    from openpyxl import load_workbook

    citizen = await api.citizen()
    first = (await api.submit(citizen))["serial_number"]
    second = (await api.submit(citizen))["serial_number"]
    clerk = await api.staff("clerk")
    assert (await api.act(clerk, first, "accept", "齐全")).status_code == 200
    done = await api.client.get(api.t("/worklist/done"), headers=clerk)
    assert [r["serial_number"] for r in done.json()["rows"]] == [first]

    found = await api.client.get(api.t("/cases"), headers=clerk, params={"q": second[-6:]})
    assert [r["serial_number"] for r in found.json()["rows"]] == [second]
    accepted = await api.client.get(api.t("/cases"), headers=clerk, params={"status": "accepted"})
    assert [r["serial_number"] for r in accepted.json()["rows"]] == [first]
    reversed_range = await api.client.get(
        api.t("/cases"),
        headers=clerk,
        params={"submitted_from": "2026-12-31", "submitted_to": "2026-01-01"},
    )
    assert reversed_range.status_code == 422
    assert (await api.client.get(api.t("/cases"), headers=citizen)).status_code == 403
    town = await api.staff("town-handler")  # holds roles in the towns only
    assert (await api.client.get(api.t("/cases"), headers=town)).json()["total"] == 0

    exported = await api.client.get(api.t("/case-exports/csv"), headers=clerk)
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][0] == "办件编号" and {r[0] for r in rows[1:]} == {first, second}
    xlsx = await api.client.get(api.t("/case-exports/xlsx"), headers=clerk, params={"q": first})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None and sheet["A2"].value == first and sheet.max_row == 2
    assert (await api.client.get(api.t("/case-exports/pdf"), headers=clerk)).status_code == 404

    await staff_sign_in(api, "clerk")
    page = await api.client.get(f"{BASE}/work/search", params={"status": "accepted"})
    assert page.status_code == 200 and first in page.text and second not in page.text
    assert "导出 CSV" in page.text
    bad = await api.client.get(
        f"{BASE}/work/search", params={"submitted_from": "2026-12-31", "submitted_to": "2026-01-01"}
    )
    assert bad.status_code == 422 and 'id="err-submitted_from"' in bad.text
    mine = await api.client.get(f"{BASE}/work/done")
    assert first in mine.text
    csv_page = await api.client.get(f"{BASE}/work/exports/csv", params={"q": first})
    assert csv_page.status_code == 200 and first in csv_page.content.decode("utf-8-sig")


def test_deadline_signals_count_working_days() -> None:
    from datetime import date

    from govhall.calendar.working import WorkingCalendar
    from govhall.workbench.pages import deadline_signal

    calendar = WorkingCalendar()
    friday = date(2026, 12, 4)
    assert deadline_signal(calendar, None, friday) == ""
    assert deadline_signal(calendar, date(2026, 12, 3), friday) == "overdue"
    assert deadline_signal(calendar, date(2026, 12, 8), friday) == "near"  # Mon, Tue: 2 days
    assert deadline_signal(calendar, date(2026, 12, 9), friday) == ""  # 3 working days left


async def test_overdue_steps_are_flagged_on_the_lists_and_the_case(api: Api, demo: None) -> None:
    from datetime import date

    from govhall.workflow.tables import Task

    citizen = await api.citizen()
    serial = (await api.submit(citizen))["serial_number"]
    await Task.update({Task.due_on: date(2026, 1, 5)}).where(Task.status == "open")
    await staff_sign_in(api, "clerk")
    todo = await api.client.get(f"{BASE}/work/")
    assert "超期" in todo.text
    screen = await api.client.get(f"{BASE}/work/cases/{serial}")
    assert "本环节已超过办理期限" in screen.text


async def test_fees_on_the_case_screen_and_sums_typed_in_yuan(api: Api, demo: None) -> None:
    citizen = await api.citizen()
    serial = (await api.submit(citizen))["serial_number"]
    await staff_sign_in(api, "clerk")
    screen = await api.client.get(f"{BASE}/work/cases/{serial}")
    token = hidden(screen.text, "_csrf_token")
    code = re.search(r'name="a\.([a-z_0-9]+)"', screen.text)
    assert code is not None
    above = await api.client.post(
        f"{BASE}/work/cases/{serial}/fees/correct",
        data={"_csrf_token": token, f"a.{code.group(1)}": "999", "reason": "核对"},
    )
    assert above.status_code == 422 and f'id="err-{code.group(1)}"' in above.text
    typo = await api.client.post(
        f"{BASE}/work/cases/{serial}/fees/correct",
        data={"_csrf_token": token, f"a.{code.group(1)}": "8.005", "reason": "核对"},
    )
    assert typo.status_code == 422 and "两位小数" in typo.text
    issued = await api.client.post(
        f"{BASE}/work/cases/{serial}/fees/notice", data={"_csrf_token": token}
    )
    assert issued.status_code == 303
    screen = await api.client.get(f"{BASE}/work/cases/{serial}")
    order_no = re.search(r'data-order="([^"]+)"', screen.text)
    assert order_no is not None and "待缴费" in screen.text
    paid = await api.client.post(
        f"{BASE}/work/payments/{order_no.group(1)}/counter-paid",
        data={"_csrf_token": token, "serial_number": serial},
    )
    assert paid.status_code == 303
    refunded = await api.client.post(
        f"{BASE}/work/payments/{order_no.group(1)}/refund",
        data={"_csrf_token": token, "serial_number": serial, "reason": "撤回申请"},
    )
    assert refunded.status_code == 303
    assert "已退费" in (await api.client.get(f"{BASE}/work/cases/{serial}")).text
