"""The workbench's batch pages: enter a batch by typed lines, see bad and flagged
rows highlighted, remove the flagged ones, accept, download the receipts list."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook

from govhall.cases.tables import Case
from tests.cases.test_batches import HEALTH, resident_id
from tests.conftest import Api
from tests.portal.test_apply import BASE, hidden
from tests.workbench.test_pages import staff_sign_in


async def test_a_clerk_enters_checks_and_accepts_a_batch(api: Api, demo: None) -> None:
    await staff_sign_in(api, "clerk")
    start = await api.client.get(f"{BASE}/work/batches/")
    assert start.status_code == 200 and "下载名单模板" in start.text
    token = hidden(start.text, "_csrf_token")
    ok, old = resident_id(date(1990, 1, 2), 1), resident_id(date(1950, 1, 2), 2)
    form = {
        "_csrf_token": token,
        "item_code": HEALTH,
        "applicant_name": "示范县好味餐饮有限公司",
        "credit_code": "91110000600037341L",
        "s.employer": "示范县好味餐饮有限公司",
        "s.credit_code": "91110000600037341L",
        "s.contact_phone": "13800138000",
        "s.industry": "food",
        "p.max_age": "60",
        "typed": f"张一,{ok},厨师\n李二,{old},帮厨\n王三,110105194912310021,厨师\n",
    }
    missing = await api.client.post(
        f"{BASE}/work/batches/",
        files={"file": ("", b"", "application/octet-stream")},
        data={**form, "s.contact_phone": "12"},
    )
    assert missing.status_code == 422 and "联系人电话" in missing.text
    assert "张一" in missing.text  # what was typed stays in the form
    made = await api.client.post(
        f"{BASE}/work/batches/", files={"file": ("", b"", "application/octet-stream")}, data=form
    )
    assert made.status_code == 303, made.text
    page = await api.client.get(made.headers["location"])
    assert "共 3 人：有误 1 人，未通过自动检查 1 人" in page.text
    assert 'class="row-error" data-row="3"' in page.text
    assert 'class="row-flagged" data-row="2"' in page.text
    batch_url = made.headers["location"]
    removed = await api.client.post(
        f"{batch_url}/removals", data={"_csrf_token": token, "flagged": "1"}
    )
    assert removed.status_code == 303
    accepted = await api.client.post(
        f"{batch_url}/acceptance", data={"_csrf_token": token, "opinion": "同意受理"}
    )
    assert accepted.status_code == 303
    done = await api.client.get(accepted.headers["location"])
    assert "本批次已受理" in done.text and "已受理 1 人" in done.text
    assert await Case.count().where(Case.item_code == HEALTH) == 1
    receipts = await api.client.get(f"{batch_url}/receipts")
    sheet = load_workbook(io.BytesIO(receipts.content)).worksheets[0]
    assert sheet.max_row == 2 and sheet.cell(2, 3).value == "张一"


async def test_only_clerks_use_the_batch_pages(api: Api, demo: None) -> None:
    await staff_sign_in(api, "handler")
    start = await api.client.get(f"{BASE}/work/batches/")
    assert start.status_code == 200  # the page opens; entering a batch is refused
    made = await api.client.post(
        f"{BASE}/work/batches/",
        files={"file": ("", b"", "application/octet-stream")},
        data={
            "_csrf_token": hidden(start.text, "_csrf_token"),
            "item_code": HEALTH,
            "applicant_name": "x",
            "credit_code": "91110000600037341L",
            "typed": "张一",
        },
    )
    assert made.status_code == 403 and "受理人员" in made.text
