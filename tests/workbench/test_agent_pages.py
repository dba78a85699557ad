"""The window's pages for walk-ins and the work lists' filters: a clerk enters an
application with scans (a wrong ID number is named and the scans are kept), prints
the receipt, finds it among the cases they entered; the to-do list narrows by item,
deadline signal and pre-review, and refuses an unknown filter in place."""

from __future__ import annotations

import re

from govhall.cases.tables import Case
from tests.conftest import GOOD_FORM, PDF_BYTES, PNG_BYTES, Api
from tests.portal.test_apply import BASE, hidden
from tests.workbench.test_pages import staff_sign_in


def _fields(form: dict[str, object]) -> dict[str, str]:
    return {f"f.{k}": str(v) for k, v in form.items()}


async def test_a_clerk_enters_a_walk_in_application_and_prints_the_receipt(
    api: Api, demo: None
) -> None:
    await staff_sign_in(api, "clerk")
    page = await api.client.get(f"{BASE}/work/agent/?item=NR-BDC-0001")
    assert page.status_code == 200 and 'name="f.property_use"' in page.text
    token = hidden(page.text, "_csrf_token")
    form = {
        "_csrf_token": token,
        "item_code": "NR-BDC-0001",
        "applicant_kind": "individual",
        "applicant_name": "赵大爷",
        "id_number": "110105194912310021",  # wrong check digit
        **_fields(GOOD_FORM),
    }
    scans = [
        ("file.application_form", ("申请书第1页.pdf", PDF_BYTES, "application/pdf")),
        ("file.application_form", ("申请书第2页.png", PNG_BYTES, "image/png")),
        ("file.identity_proof", ("身份证.png", PNG_BYTES, "image/png")),
    ]
    wrong = await api.client.post(f"{BASE}/work/agent/", data=form, files=scans)
    assert wrong.status_code == 422 and 'id="err-id_number"' in wrong.text
    assert "申请书第2页.png" in wrong.text  # the scans are kept, not lost
    kept = re.findall(r'name="keep" value="([^"]+)"', wrong.text)
    assert len(kept) == 3
    assert await Case.count() == 0
    fixed = await api.client.post(
        f"{BASE}/work/agent/",
        data={**form, "id_number": "110105194912310038", "keep": kept},
        files=[("file.none", ("", b"", "application/octet-stream"))],
    )
    assert fixed.status_code == 201, fixed.text
    serial = re.search(r'id="receipt-serial">([^<]+)<', fixed.text)
    assert serial is not None and re.search(r'id="receipt-code">[A-Z0-9]{8}<', fixed.text)
    assert "data-print" in fixed.text
    entered = await api.client.get(f"{BASE}/work/entered")
    assert serial.group(1) in entered.text


async def test_the_to_do_list_filters(api: Api, demo: None) -> None:
    citizen = await api.citizen()
    online = (await api.submit(citizen))["serial_number"]
    await staff_sign_in(api, "clerk")
    everything = await api.client.get(f"{BASE}/work/")
    assert online in everything.text
    pre_review = await api.client.get(f"{BASE}/work/?kind=pre_review&sort=due")
    assert online in pre_review.text
    other_item = await api.client.get(f"{BASE}/work/?item=CG-CF-0001")
    assert online not in other_item.text
    overdue = await api.client.get(f"{BASE}/work/?signal=overdue")
    assert online not in overdue.text
    bad = await api.client.get(f"{BASE}/work/?signal=soon")
    assert bad.status_code == 422 and "soon" in bad.text
    api_list = await api.client.get(
        api.t("/worklist/"),
        headers=await api.staff("clerk"),
        params={"item_code": "NR-BDC-0001", "sort": "newest"},
    )
    assert [w["serial_number"] for w in api_list.json()["items"]] == [online]


async def test_scans_are_previewed_on_the_case_screen(api: Api, demo: None) -> None:
    citizen = await api.citizen()
    serial = (await api.submit(citizen))["serial_number"]
    await staff_sign_in(api, "clerk")
    screen = await api.client.get(f"{BASE}/work/cases/{serial}")
    image = re.search(r'<img class="thumb" src="([^"]+)"', screen.text)
    assert image is not None and "预览" in screen.text
    shown = await api.client.get(image.group(1))
    assert shown.status_code == 200 and shown.headers["content-type"] == "image/png"
    assert shown.headers["content-disposition"].startswith("inline")
    saved = await api.client.get(image.group(1).replace("?inline=1", ""))
    assert saved.status_code in (200, 307)
