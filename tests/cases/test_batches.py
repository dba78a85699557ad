"""Batch cases (批量办件, R-W5): a factory's workers from the spreadsheet template,
row errors kept with their row numbers, parameterised checks highlighting rows,
staff removing rows, and one acceptance opening a case (and fee) per person."""

from __future__ import annotations

import io
import json
import time
from datetime import date
from typing import Any

from openpyxl import Workbook, load_workbook

from govhall.cases.tables import Batch, BatchRow, Case, CaseEvent
from govhall.identity.realname import is_valid_id_number
from govhall.workflow.tables import Task
from tests.conftest import Api

HEALTH = "WJ-JKZM-0001"
EMPLOYER = {
    "kind": "enterprise",
    "name": "示范县好味餐饮有限公司",
    "credit_code": "91110000600037341L",
}
SHARED = {
    "employer": "示范县好味餐饮有限公司",
    "credit_code": "91110000600037341L",
    "contact_phone": "13800138000",
    "industry": "food",
}
CHECK_DIGITS = "10X98765432"
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(born: date, sequence: int) -> str:
    """A valid resident ID number (GB 11643 check digit) for the given birth date."""
    body = f"110105{born:%Y%m%d}{sequence % 1000:03d}"
    check = CHECK_DIGITS[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]
    return body + check


def workers(count: int, *, bad_every: int = 0, old_every: int = 0) -> list[list[Any]]:
    """``count`` rows: name, ID number, post. Every ``bad_every``-th row has a wrong
    check digit; every ``old_every``-th row is 70 years old (fails the age check)."""
    rows = []
    for n in range(count):
        year = 1956 if old_every and n % old_every == 1 else 1980 + n % 20
        number = resident_id(date(year, 1 + n % 12, 1 + n % 28), n)
        if bad_every and n % bad_every == 0:
            number = number[:-1] + ("0" if number[-1] != "0" else "1")
        rows.append([f"工人{n:05d}", number, "厨师"])
    return rows


def spreadsheet(
    rows: list[list[Any]], headings: tuple[str, ...] = ("姓名", "身份证号码", "岗位")
) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(headings))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def post_xlsx(api: Api, headers: dict[str, str], content: bytes, **extra: Any) -> Any:
    batch = {"item_code": HEALTH, "applicant": EMPLOYER, "shared": SHARED, **extra}
    return await api.client.post(
        api.t("/batches/xlsx"),
        headers=headers,
        data={"batch": json.dumps(batch, ensure_ascii=False)},
        files={"file": ("名单.xlsx", content, "application/octet-stream")},
    )


def test_the_generated_id_numbers_are_valid() -> None:
    assert is_valid_id_number(resident_id(date(1980, 5, 15), 2))


async def test_ten_thousand_rows_import_in_seconds_and_bad_rows_are_reported(
    api: Api, demo: None
) -> None:
    clerk = await api.staff("clerk")
    template = await api.client.get(api.t(f"/batches/template/{HEALTH}"), headers=clerk)
    assert template.status_code == 200
    headings = [c.value for c in load_workbook(io.BytesIO(template.content)).worksheets[0][1]]
    assert headings == ["姓名", "身份证号码", "岗位"]

    rows = workers(10_000, bad_every=50, old_every=100)  # 200 wrong check digits
    for k in range(100):  # and 100 more bad rows: 50 without a name, 50 repeating an ID
        i = 50 * k + 25
        if k < 50:
            rows[i][0] = None
        else:
            rows[i + 1][1] = rows[i][1]
    started = time.perf_counter()
    made = await post_xlsx(api, clerk, spreadsheet(rows), params={"max_age": 65})
    seconds = time.perf_counter() - started
    print(f"\n10,000-row batch imported in {seconds:.2f} s")
    assert made.status_code == 201, made.text
    summary = made.json()
    assert summary["rows_total"] == 10_000
    assert summary["rows_invalid"] == 300
    flagged = summary["rows_flagged"]
    assert flagged > 0

    bad = await api.client.get(
        api.t(f"/batches/{summary['id']}/rows"), headers=clerk, params={"show": "invalid"}
    )
    page = bad.json()
    assert page["total"] == 300
    first = page["rows"][0]
    assert first["row_no"] == 2 and first["errors"][0]["field"] == "id_number"
    assert "校验位" in first["errors"][0]["zh-CN"]
    assert "*" in first["data"]["id_number"]  # kept masked; the number is sealed apart
    invalid = []
    for number in range(1, 4):
        listed = await api.client.get(
            api.t(f"/batches/{summary['id']}/rows"),
            headers=clerk,
            params={"show": "invalid", "page": number},
        )
        invalid += listed.json()["rows"]
    assert len({r["row_no"] for r in invalid}) == 300
    repeat = next(r for r in invalid if "重复" in r["errors"][0]["zh-CN"])
    assert repeat["row_no"] > 2

    flagged_rows = await api.client.get(
        api.t(f"/batches/{summary['id']}/rows"), headers=clerk, params={"show": "flagged"}
    )
    assert flagged_rows.json()["rows"][0]["flags"] == ["working_age"]

    removed = await api.client.post(
        api.t(f"/batches/{summary['id']}/removals"), headers=clerk, json={"flagged": True}
    )
    assert removed.status_code == 200 and removed.json()["rows_removed"] == flagged

    started = time.perf_counter()
    accepted = await api.client.post(
        api.t(f"/batches/{summary['id']}/acceptance"), headers=clerk, json={"opinion": "材料齐全"}
    )
    print(
        f"{accepted.json().get('rows_accepted')} cases opened in {time.perf_counter() - started:.2f} s"
    )
    assert accepted.status_code == 200, accepted.text
    kept = 10_000 - 300 - flagged
    assert accepted.json()["rows_accepted"] == kept
    assert await Case.count().where(Case.item_code == HEALTH) == kept
    assert await CaseEvent.count() == 2 * kept
    assert await Task.count().where(Task.status == "open") == kept
    one = (
        await Case.select(Case.serial_number, Case.status, Case.fee_total, Case.form)
        .output(load_json=True)
        .where(Case.item_code == HEALTH)
        .first()
    )
    assert one is not None and one["status"] == "accepted" and one["fee_total"] == 4500
    assert len(one["form"]["workers"]) == 1 and "*" in one["form"]["workers"][0]["id_number"]
    serials = {r["serial_number"] for r in await Case.select(Case.serial_number)}
    assert len(serials) == kept

    again = await api.client.post(
        api.t(f"/batches/{summary['id']}/acceptance"), headers=clerk, json={}
    )
    assert again.status_code == 409
    receipts = await api.client.get(api.t(f"/batches/{summary['id']}/receipts"), headers=clerk)
    sheet = load_workbook(io.BytesIO(receipts.content)).worksheets[0]
    assert sheet.max_row == kept + 1 and sheet.cell(2, 2).value in serials


async def test_wrong_columns_and_files_are_refused_and_nothing_is_saved(
    api: Api, demo: None
) -> None:
    clerk = await api.staff("clerk")
    wrong = await post_xlsx(api, clerk, spreadsheet(workers(3), ("名字", "证件", "岗位")))
    assert wrong.status_code == 422 and wrong.json()["code"] == "batch_columns"
    assert "名字" in wrong.json()["detail"] and "身份证号码" in wrong.json()["detail"]
    fake = await post_xlsx(api, clerk, b"%PDF-1.4 not a spreadsheet")
    assert fake.status_code == 422 and fake.json()["code"] == "batch_file_type"
    shared = await post_xlsx(
        api, clerk, spreadsheet(workers(3)), shared={**SHARED, "industry": "x"}
    )
    assert shared.status_code == 422 and shared.json()["errors"][0]["field"] == "industry"
    assert await Batch.count() == 0 and await BatchRow.count() == 0
    handler = await api.staff("handler")
    assert (await post_xlsx(api, handler, spreadsheet(workers(3)))).status_code == 403
    citizen = await api.citizen()
    assert (await post_xlsx(api, citizen, spreadsheet(workers(3)))).status_code == 403


async def test_typed_names_and_a_parameter_set_for_the_batch(api: Api, demo: None) -> None:
    clerk = await api.staff("clerk")
    young, old = resident_id(date(1990, 3, 3), 1), resident_id(date(1970, 3, 3), 2)
    typed = f"张一,{young},厨师\n\n李二 {old} 帮厨\n王三,{young},\n"
    made = await api.client.post(
        api.t("/batches"),
        headers=clerk,
        json={
            "item_code": HEALTH,
            "applicant": EMPLOYER,
            "shared": SHARED,
            "typed": typed,
            "params": {"max_age": "50"},
        },
    )
    assert made.status_code == 201, made.text
    summary = made.json()
    assert summary["params"]["working_age"] == {"min_age": 16, "max_age": 50}
    rows = (
        await api.client.get(
            api.t(f"/batches/{summary['id']}/rows"), headers=clerk, params={"show": "all"}
        )
    ).json()["rows"]
    assert [r["row_no"] for r in rows] == [1, 3, 4]
    assert rows[1]["flags"] == ["working_age"]  # 56 years old, above the batch's 50
    assert "重复" in rows[2]["errors"][0]["zh-CN"] and rows[2]["errors"][0]["en"]
    unknown = await api.client.post(
        api.t("/batches"),
        headers=clerk,
        json={
            "item_code": HEALTH,
            "applicant": EMPLOYER,
            "shared": SHARED,
            "typed": typed,
            "params": {"height": 1},
        },
    )
    assert unknown.status_code == 422 and unknown.json()["code"] == "batch_param_unknown"
    not_batch = await api.client.post(
        api.t("/batches"),
        headers=clerk,
        json={"item_code": "NR-BDC-0001", "applicant": EMPLOYER, "shared": {}, "typed": "张一"},
    )
    assert not_batch.status_code == 409 and not_batch.json()["code"] == "batch_not_allowed"
    person = await api.client.post(
        api.t("/batches"),
        headers=clerk,
        json={
            "item_code": HEALTH,
            "applicant": {"kind": "individual", "name": "张一", "id_number": young},
            "shared": SHARED,
            "typed": typed,
        },
    )
    assert person.status_code == 403 and person.json()["code"] == "audience_mismatch"
    accepted = await api.client.post(
        api.t(f"/batches/{summary['id']}/acceptance"), headers=clerk, json={}
    )
    assert accepted.json()["rows_accepted"] == 2
    removal = await api.client.post(
        api.t(f"/batches/{summary['id']}/removals"), headers=clerk, json={"rows": [1]}
    )
    assert removal.status_code == 409
