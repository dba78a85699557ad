"""Applying online on the portal (R-A6, R-A8): the step-by-step form with the
server's own checks, drafts that survive a lost session, uploads with type checks,
fee preview, one case for a double click, the receipt, my cases and corrections."""

from __future__ import annotations

import asyncio
import re
from html import unescape

import httpx

from tests.conftest import DEMO_PASSWORD, GOOD_FORM, PDF_BYTES, PNG_BYTES, Api

BASE = "/t/demo-county"


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, html[:2000]
    return unescape(found.group(1))


async def web_sign_in(
    client: httpx.AsyncClient, username: str, password: str = "abc12345x", tenant: str = ""
) -> httpx.Response:
    page = await client.get("/login")
    signed = await client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "tenant": tenant,
            "next": "/",
            "_csrf_token": hidden(page.text, "_csrf_token"),
        },
    )
    assert signed.status_code == 303, signed.text
    return signed


def csrf(client: httpx.AsyncClient) -> str:
    return client.cookies.get("govhall_csrf", "")


def form_fields(form: dict[str, object], token: str) -> dict[str, str]:
    posted = {f"f.{name}": str(value) for name, value in form.items()}
    return {**posted, "_csrf_token": token}


async def start_draft(client: httpx.AsyncClient, code: str = "NR-BDC-0001") -> str:
    await client.get(f"{BASE}/items/{code}")
    started = await client.post(f"{BASE}/items/{code}/apply", data={"_csrf_token": csrf(client)})
    assert started.status_code == 303, started.text
    location = started.headers["location"]
    assert re.fullmatch(rf"{BASE}/drafts/[0-9a-f-]{{36}}", location), location
    return location


async def test_apply_online_step_by_step_with_one_case_for_a_double_click(
    api: Api, demo: None
) -> None:
    client = api.client
    await api.register("zhangsan")
    guide = await client.get(f"{BASE}/items/NR-BDC-0001")
    assert "登录后在线申请" in guide.text
    await web_sign_in(client, "zhangsan")
    draft = await start_draft(client)
    page = await client.get(draft)
    assert page.status_code == 200 and 'name="f.property_location"' in page.text

    # A bad number and a missing field: shown next to the fields, the rest kept.
    bad = {**GOOD_FORM, "floor_area": "九十八", "property_location": "<script>alert(1)</script>"}
    del bad["applicant_name"]
    saved = await client.post(f"{draft}/form", data=form_fields(bad, csrf(client)))
    assert saved.status_code == 422
    assert 'id="err-floor_area"' in saved.text and 'id="err-applicant_name"' in saved.text
    assert 'value="九十八"' in saved.text  # kept as typed
    assert "<script>alert(1)</script>" not in saved.text  # escaped
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in saved.text

    # HTMX checks as one types: only the fields already filled in are flagged.
    checked = await client.post(
        f"{draft}/form",
        data=form_fields({"floor_area": "-5"}, csrf(client)),
        headers={"hx-request": "true"},
    )
    assert checked.status_code == 200
    assert 'id="err-floor_area"' in checked.text and 'id="err-applicant_name"' not in checked.text

    good = await client.post(f"{draft}/form", data=form_fields(GOOD_FORM, csrf(client)))
    assert good.status_code == 303 and good.headers["location"].endswith("?step=materials")

    # Uploads: a text file is refused by type, PDF and PNG are attached.
    wrong = await client.post(
        f"{draft}/materials",
        data={"material_code": "application_form", "_csrf_token": csrf(client)},
        files={"file": ("申请书.txt", b"just text", "text/plain")},
    )
    assert wrong.status_code == 422 and "PDF" in wrong.text
    for code, content, name in (
        ("application_form", PDF_BYTES, "申请书.pdf"),
        ("identity_proof", PNG_BYTES, "身份证.png"),
    ):
        sent = await client.post(
            f"{draft}/materials",
            data={"material_code": code, "_csrf_token": csrf(client)},
            files={"file": (name, content, "application/octet-stream")},
        )
        assert sent.status_code == 303, sent.text
    materials = await client.get(f"{draft}?step=materials")
    assert "申请书.pdf" in materials.text and "身份证.png" in materials.text

    review = await client.get(f"{draft}?step=review")
    assert review.status_code == 200
    assert "收费预览" in review.text and "90.00" in review.text  # 80 + 10 for a second certificate

    # A double click: two submissions at once make one case; both see its receipt.
    token = csrf(client)
    first, second = await asyncio.gather(
        client.post(f"{draft}/submit", data={"_csrf_token": token}),
        client.post(f"{draft}/submit", data={"_csrf_token": token}),
    )
    assert {first.status_code, second.status_code} == {303}
    receipt = await client.get(f"{draft}/receipt")
    serial = re.search(r'class="serial">(\d+)<', receipt.text)
    code = re.findall(r'class="serial">([A-Z0-9]+)<', receipt.text)
    assert serial and len(code) == 2, receipt.text
    headers = await api.login("zhangsan")
    mine = await client.get(f"{BASE}/me")
    assert mine.text.count(f"/me/cases/{serial.group(1)}") == 1
    assert mine.text.count("/me/cases/") == 1  # one case, not two
    progress = await client.get(
        f"{BASE}/progress", params={"serial_number": serial.group(1), "query_code": code[1]}
    )
    assert progress.status_code == 200 and "房屋所有权首次登记" in progress.text
    # The case came from the draft: the staff see the same form.
    staff = await api.staff("clerk")
    shown = await client.get(api.t(f"/cases/{serial.group(1)}"), headers=staff)
    assert shown.status_code == 200
    assert headers  # the applicant can also use the API with the same account
    # A submitted draft cannot be changed any more.
    late = await client.post(f"{draft}/form", data=form_fields(GOOD_FORM, csrf(client)))
    assert late.status_code == 409


async def test_a_draft_survives_a_lost_session_and_resumes_after_signing_in(
    api: Api, demo: None
) -> None:
    client = api.client
    await api.register("lisi")
    await web_sign_in(client, "lisi")
    draft = await start_draft(client)
    await client.post(f"{draft}/form", data=form_fields({"applicant_name": "李四"}, csrf(client)))
    # The session runs out (or the applicant moves to another device) mid-form.
    client.cookies.delete("govhall_session")
    typed = {**GOOD_FORM, "applicant_name": "李四", "property_location": "城关镇新华路8号"}
    lost = await client.post(f"{draft}/form", data=form_fields(typed, csrf(client)))
    assert lost.status_code == 302 and lost.headers["location"].startswith("/login?next=")
    back = await web_sign_in(client, "lisi")
    assert back.status_code == 303
    resumed = await client.get(draft)
    assert resumed.status_code == 200
    assert 'value="城关镇新华路8号"' in resumed.text and 'value="李四"' in resumed.text
    mine = await client.get(f"{BASE}/me")
    assert draft.rsplit("/", 1)[1] in mine.text  # listed under drafts

    # Someone else's session opens nothing of it.
    other = httpx.AsyncClient(transport=client._transport, base_url=client.base_url)
    async with other:
        await api.register("wangwu")
        await web_sign_in(other, "wangwu")
        assert (await other.get(draft)).status_code == 404
        staff_client = httpx.AsyncClient(transport=client._transport, base_url=client.base_url)
        async with staff_client:
            await web_sign_in(staff_client, "clerk", DEMO_PASSWORD, "demo-county")
            assert (await staff_client.get(draft)).status_code == 403


async def test_correction_list_shown_and_replacements_uploaded_by_the_applicant(
    api: Api, demo: None
) -> None:
    client = api.client
    headers = await api.citizen("zhaoliu")
    receipt = await api.submit(headers)
    serial = receipt["serial_number"]
    clerk = await api.staff("clerk")
    asked = await api.act(
        clerk,
        serial,
        "request_correction",
        "请补正",
        items=["身份证明复印件不清晰", "申请书未签字"],
    )
    assert asked.status_code == 200, asked.text
    await web_sign_in(client, "zhaoliu")
    page = await client.get(f"{BASE}/me/cases/{serial}")
    assert page.status_code == 200
    assert "身份证明复印件不清晰" in page.text and "申请书未签字" in page.text
    assert 'class="step ' in page.text
    empty = await client.post(
        f"{BASE}/me/cases/{serial}/correction", data={"_csrf_token": csrf(client)}, files={}
    )
    assert empty.status_code == 422 and "请上传补正材料" in empty.text
    sent = await client.post(
        f"{BASE}/me/cases/{serial}/correction",
        data={"_csrf_token": csrf(client), "note": "已重新签字"},
        files={
            "file.identity_proof": ("身份证.png", PNG_BYTES, "image/png"),
            "file.application_form": ("申请书.pdf", PDF_BYTES, "application/pdf"),
        },
    )
    assert sent.status_code == 303, sent.text
    state = await client.get(api.t(f"/cases/{serial}"), headers=clerk)
    assert state.json()["hold"] in (None, "")
    again = await client.get(f"{BASE}/me/cases/{serial}")
    assert "补正告知" not in again.text and "收到补正材料" in again.text
    # The API does the same for apps: nothing to correct now is a 409.
    upload = await api.upload(headers)
    twice = await client.post(
        api.t(f"/applications/{serial}/correction"),
        headers=headers,
        json={"materials": [{"material_code": "application_form", "blob_id": upload["blob_id"]}]},
    )
    assert twice.status_code == 409 and twice.json()["code"] == "no_correction_requested"


async def test_offline_application_from_a_downloaded_spreadsheet(api: Api, demo: None) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    client = api.client
    blank = await client.get(f"{BASE}/items/NR-BDC-0001/form.xlsx")
    assert blank.status_code == 200
    assert blank.headers["content-type"].startswith("application/vnd.openxmlformats")
    printable = await client.get(f"{BASE}/items/NR-BDC-0001/form.pdf")
    assert printable.status_code == 200 and printable.content.startswith(b"%PDF")
    batch = await client.get(f"{BASE}/items/WJ-JKZM-0001/form.xlsx")
    assert batch.status_code == 200
    assert "体检人员名单" in load_workbook(BytesIO(batch.content)).sheetnames  # the list's sheet

    book = load_workbook(BytesIO(blank.content))
    sheet = book["申请表"]
    answers = {
        "applicant_name": "钱七",
        "property_location": "城关镇和平路3号",
        "property_use": "住宅",  # the label, as the drop-down shows it
        "floor_area": 120,
        "extra_certificates": "两",  # wrong: shown after upload, next to the field
    }
    for row in range(5, sheet.max_row + 1):
        name = sheet.cell(row=row, column=1).value
        if name in answers:
            sheet.cell(row=row, column=3, value=answers[name])
    filled = BytesIO()
    book.save(filled)

    await api.register("qianqi")
    await web_sign_in(client, "qianqi")
    broken = await client.post(
        f"{BASE}/items/NR-BDC-0001/offline",
        data={"_csrf_token": csrf(client)},
        files={"file": ("申请表.xlsx", b"PK\x03\x04 not really a workbook", "application/zip")},
        headers={"accept": "text/html"},
    )
    assert broken.status_code == 422 and "无法读取上传的离线申请表" in broken.text
    other_item = await client.post(
        f"{BASE}/items/SC-GTGS-0001/offline",
        data={"_csrf_token": csrf(client)},
        files={"file": ("申请表.xlsx", filled.getvalue(), "application/octet-stream")},
        headers={"accept": "text/html"},
    )
    assert other_item.status_code == 422 and "NR-BDC-0001" in other_item.text
    uploaded = await client.post(
        f"{BASE}/items/NR-BDC-0001/offline",
        data={"_csrf_token": csrf(client)},
        files={"file": ("申请表.xlsx", filled.getvalue(), "application/octet-stream")},
    )
    assert uploaded.status_code == 303, uploaded.text
    draft = await client.get(uploaded.headers["location"])
    assert 'value="城关镇和平路3号"' in draft.text and 'value="residential" checked' in draft.text
    assert 'id="err-extra_certificates"' in draft.text  # the wrong answer, named
    # The draft goes back out pre-filled, for the next round offline.
    draft_path = uploaded.headers["location"].split("?")[0]
    again = await client.get(f"{draft_path}/form.xlsx")
    values = {
        r[0]: r[2]
        for r in load_workbook(BytesIO(again.content))["申请表"].iter_rows(
            min_row=5, values_only=True
        )
    }
    assert values["applicant_name"] == "钱七" and values["property_use"] == "住宅"
