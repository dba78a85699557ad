"""The staff workbench in a real browser (Debian's Chromium via Playwright) against a
``govhall demo`` process: a correction round trip with the applicant, a decision
inside a discretion band on a phone (remote approval), paying a fee through the
simulated bank's signed HTTP callback, a licence whose printed QR code leads to
the public check (and a tampered copy that fails it), a 10,000-row batch, and
messages arriving live in a second browser session."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests.cases.test_batches import spreadsheet, workers
from tests.conftest import GOOD_FORM, PDF_BYTES, PNG_BYTES
from tests.e2e.test_portal_browser import (
    COUNTY,
    DEMO_PASSWORD,
    DESKTOP,
    PHONE,
    api,
    browser,
    fits_the_screen,
    new_page,
    no_serious_violations,
    portal_url,
    register,
    shoot,
    sign_in,
    token,
)

pytestmark = pytest.mark.e2e
__all__ = ["api", "browser", "portal_url"]  # fixtures shared with the portal's browser tests

T = f"{COUNTY}/api/v1"


async def staff_page(
    browser: Browser, portal_url: str, username: str, viewport: dict[str, int] = DESKTOP
) -> Page:
    page = await new_page(browser, portal_url, viewport)
    await page.goto(f"/login?tenant=demo-county&next={COUNTY}/work/")
    await page.get_by_label(re.compile("用户名")).fill(username)
    await page.get_by_label(re.compile("密码")).fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="登录", exact=True).click()
    await expect(page.get_by_role("heading", name=re.compile("待办"))).to_be_visible()
    return page


async def staff_token(api: httpx.AsyncClient, username: str) -> Any:
    return await token(api, username, DEMO_PASSWORD, "demo-county")


async def apply(api: httpx.AsyncClient, citizen: Any) -> str:
    blobs = []
    for name, content in (("a.pdf", PDF_BYTES), ("b.png", PNG_BYTES)):
        made = await api.post(f"{T}/uploads", headers=citizen, files={"file": (name, content)})
        blobs.append(made.json())
    made = await api.post(
        f"{T}/applications",
        headers=citizen,
        json={
            "item_code": "NR-BDC-0001",
            "form": GOOD_FORM,
            "materials": [
                {"material_code": "application_form", "blob_id": blobs[0]["blob_id"]},
                {"material_code": "identity_proof", "blob_id": blobs[1]["blob_id"]},
            ],
        },
    )
    assert made.status_code == 201, made.text
    return str(made.json()["serial_number"])


async def act(api: httpx.AsyncClient, who: str, serial: str, action: str, **data: Any) -> None:
    done = await api.post(
        f"{T}/cases/{serial}/actions",
        headers=await staff_token(api, who),
        json={"action": action, "opinion": "同意", "data": data},
    )
    assert done.status_code == 200, done.text


async def test_a_correction_round_trip_with_the_applicant(
    browser: Browser, portal_url: str, api: httpx.AsyncClient, tmp_path: Path
) -> None:
    await register(api, "corrector")
    serial = await apply(api, await token(api, "corrector", "abc12345x"))
    clerk = await staff_page(browser, portal_url, "clerk")
    await clerk.goto(f"{COUNTY}/work/cases/{serial}")
    await clerk.get_by_label(re.compile("补正材料清单")).fill(
        "申请书须本人签字\n身份证明须为正反面"
    )
    await clerk.get_by_role("button", name="一次性告知补正").click()
    await expect(clerk.get_by_role("status")).to_contain_text("已办理")
    await expect(clerk.get_by_role("link", name=re.compile("补正"))).to_be_visible()

    applicant = await new_page(browser, portal_url, PHONE)
    await sign_in(applicant, "corrector")
    await applicant.goto(f"{COUNTY}/me/cases/{serial}")
    items = applicant.locator("section.correction .correction-items li")
    await expect(items).to_have_count(2)
    await expect(items.first).to_contain_text("申请书须本人签字")
    signed = tmp_path / "签字申请书.pdf"
    signed.write_bytes(PDF_BYTES)
    await applicant.locator("#c-application_form").set_input_files(str(signed))
    await applicant.get_by_role("button", name="提交补正材料").click()
    await expect(applicant.locator("section.correction")).to_have_count(0)
    await fits_the_screen(applicant)

    await clerk.goto(f"{COUNTY}/work/cases/{serial}")
    await expect(clerk.get_by_text("签字申请书.pdf")).to_be_visible()
    await clerk.get_by_label("意见", exact=True).fill("补正后材料齐全")
    await clerk.get_by_role("button", name="受理", exact=True).click()
    await expect(clerk.get_by_role("link", name="受理通知书")).to_be_visible()


async def test_an_approver_decides_within_the_discretion_band_on_a_phone(
    browser: Browser, portal_url: str, api: httpx.AsyncClient
) -> None:
    await register(api, "shopkeeper")
    citizen = await token(api, "shopkeeper", "abc12345x")
    blob = (
        await api.post(f"{T}/uploads", headers=citizen, files={"file": ("r.pdf", PDF_BYTES)})
    ).json()
    made = await api.post(
        f"{T}/applications",
        headers=citizen,
        json={
            "item_code": "CG-CF-0001",
            "form": {
                "party_name": "城关镇某某超市",
                "location": "城关镇人民路20号门前",
                "area": 12,
                "found_date": "2026-11-20",
            },
            "materials": [{"material_code": "inspection_record", "blob_id": blob["blob_id"]}],
        },
    )
    serial = made.json()["serial_number"]
    await act(api, "clerk", serial, "accept")
    await act(api, "dept-handler", serial, "pass")
    # Remote approval (R-W12): the approver's screens on a phone, behind the same login.
    approver = await staff_page(browser, portal_url, "dept-approver", PHONE)
    await approver.goto(f"{COUNTY}/work/cases/{serial}")
    await expect(approver.get_by_text(re.compile("适用裁量档次：一般"))).to_be_visible()
    await approver.get_by_label(re.compile("裁量结果（元）")).fill("30000")
    await approver.get_by_label("意见", exact=True).fill("同意")
    await approver.get_by_role("button", name="准予许可", exact=True).click()
    await expect(approver.locator("#err-fine_fen")).to_be_visible()
    await approver.get_by_label(re.compile("裁量结果（元）")).fill("8000")
    await approver.get_by_label("意见", exact=True).fill("同意，按一般情节处罚")
    await approver.get_by_role("button", name="准予许可", exact=True).click()
    await expect(approver.get_by_role("status")).to_contain_text("已办理")
    await fits_the_screen(approver)
    await shoot(approver, "work-approve-phone")


async def test_a_fee_paid_through_the_simulated_bank(
    browser: Browser, portal_url: str, api: httpx.AsyncClient
) -> None:
    await register(api, "payer")
    serial = await apply(api, await token(api, "payer", "abc12345x"))
    clerk = await staff_page(browser, portal_url, "clerk")
    await clerk.goto(f"{COUNTY}/work/cases/{serial}")
    await clerk.get_by_role("button", name="开具缴费通知").click()
    await expect(clerk.locator(".orders .order-status")).to_have_text("待缴费")

    payer = await new_page(browser, portal_url, PHONE)
    await sign_in(payer, "payer")
    await payer.goto(f"{COUNTY}/me/cases/{serial}")
    await payer.get_by_role("button", name="网上缴费").click()
    await expect(payer).to_have_url(re.compile("/simbank/pay"))
    await expect(payer.get_by_text("90.00")).to_be_visible()
    # The bank calls govhall back over HTTP with a signed notice, then says so.
    await payer.get_by_role("button", name="确认支付").click()
    await expect(payer.get_by_role("status")).to_contain_text("支付成功")
    await payer.goto(f"{COUNTY}/me/cases/{serial}")
    await expect(payer.locator(".orders .order-status")).to_have_text("已缴费")
    await expect(payer.locator(".orders")).to_contain_text(re.compile(r"R\d+"))
    await clerk.reload()
    await expect(clerk.locator(".orders .order-status")).to_have_text("已缴费")


def read_licence(pdf: Path) -> tuple[str, str]:
    """(the PDF's text as pdftotext reads it, the URL in the QR code of its first page
    rendered by pdftoppm and read by zbarimg)."""
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", str(pdf), str(pdf.parent / "page")], check=True
    )
    first = sorted(pdf.parent.glob("page*.png"))[0]
    decoded = subprocess.run(
        ["zbarimg", "--raw", "-q", str(first)], capture_output=True, text=True, check=True
    )
    return text.stdout, decoded.stdout.strip()


async def test_a_licence_qr_code_verifies_and_a_tampered_copy_fails(
    browser: Browser, portal_url: str, api: httpx.AsyncClient, tmp_path: Path
) -> None:
    for tool in ("pdftoppm", "pdftotext", "zbarimg"):
        assert shutil.which(tool), f"{tool} is missing: scripts/test installs it"
    await register(api, "owner")
    citizen = await token(api, "owner", "abc12345x")
    serial = await apply(api, citizen)
    for who, action in (
        ("clerk", "accept"),
        ("handler", "pass"),
        ("approver", "approve"),
        ("handler", "conclude"),
    ):
        await act(api, who, serial, action)
    documents = (await api.get(f"{T}/cases/{serial}/documents", headers=citizen)).json()
    licence = next(d for d in documents if d["kind"] == "certificate")
    pdf = tmp_path / "licence.pdf"
    file = await api.get(
        f"{T}/documents/{licence['id']}/file", headers=citizen, follow_redirects=True
    )
    pdf.write_bytes(file.content)
    text, url = read_licence(pdf)
    assert "不动产权证书" in text and licence["code"] in text
    assert url.endswith(f"/verify/{licence['code']}"), url

    checker = await new_page(browser, portal_url, PHONE)
    await checker.goto(url)
    await expect(checker.get_by_role("status")).to_contain_text("真实有效")
    await expect(checker.get_by_text(serial).first).to_be_visible()
    await no_serious_violations(checker)
    tampered = tmp_path / "altered.pdf"
    content = bytearray(pdf.read_bytes())
    content[len(content) // 2] ^= 0x01
    tampered.write_bytes(bytes(content))
    await checker.locator("#copy").set_input_files(str(tampered))
    await checker.get_by_role("button", name="核验").click()
    await expect(checker.get_by_role("alert")).to_contain_text(re.compile("不一致|篡改"))
    await checker.locator("#copy").set_input_files(str(pdf))
    await checker.get_by_role("button", name="核验").click()
    await expect(checker.get_by_role("status").last).to_contain_text("一致")


async def test_a_ten_thousand_row_batch(browser: Browser, portal_url: str, tmp_path: Path) -> None:
    rows = workers(10_000, bad_every=50, old_every=100)
    for k in range(100):
        rows[50 * k + 25][0] = None
    book = tmp_path / "名单.xlsx"
    book.write_bytes(spreadsheet(rows))
    clerk = await staff_page(browser, portal_url, "clerk")
    await clerk.get_by_role("link", name="批量办件").click()
    await clerk.get_by_label("单位名称", exact=True).fill("示范县好味餐饮有限公司")
    await clerk.get_by_label("统一社会信用代码", exact=True).fill("91110000600037341L")
    await clerk.locator("#s-employer").fill("示范县好味餐饮有限公司")
    await clerk.locator("#s-credit_code").fill("91110000600037341L")
    await clerk.locator("#s-contact_phone").fill("13800138000")
    await clerk.locator("#file").set_input_files(str(book))
    await clerk.get_by_role("button", name="导入并检查").click()
    summary = clerk.locator("#batch-summary")
    await expect(summary).to_contain_text("共 10000 人：有误 300 人", timeout=60_000)
    await expect(clerk.locator("tr.row-error").first).to_be_visible()
    await expect(clerk.locator("tr.row-flagged").first).to_be_visible()
    await clerk.get_by_role("button", name="移除所有未通过检查的人员").click()
    flagged = int(re.search(r"未通过自动检查 (\d+) 人", await summary.inner_text()).group(1))  # type: ignore[union-attr]
    await expect(summary).to_contain_text(f"已移除 {flagged} 人")
    # Acceptance is one POST that opens every case (about 10-35 s, by machine).
    await clerk.get_by_role("button", name=re.compile("受理本批次")).click(timeout=120_000)
    await expect(clerk.get_by_role("status")).to_contain_text("本批次已受理", timeout=120_000)
    await expect(summary).to_contain_text(f"已受理 {10_000 - 300 - flagged} 人")
    await expect(clerk.get_by_role("link", name=re.compile("回执清单"))).to_be_visible()


async def test_messages_arrive_live_in_another_browser(browser: Browser, portal_url: str) -> None:
    clerk = await staff_page(browser, portal_url, "clerk")
    handler = await staff_page(browser, portal_url, "handler")
    await expect(handler.locator("body")).to_have_attribute("data-live", "open")
    await clerk.get_by_role("link", name=re.compile("^消息")).click()
    await clerk.get_by_label(re.compile("同事")).select_option("handler")
    await clerk.get_by_role("button", name="开始").click()
    await clerk.get_by_label("消息", exact=True).fill("李承办，请看一下今天的不动产件")
    await clerk.get_by_role("button", name="发送").click()
    await expect(clerk.locator("ol.messages li")).to_have_count(1)
    # The handler, on the to-do list, sees the unread badge rise without reloading.
    await expect(handler.locator("#unread-count")).to_have_text("1")
    await handler.locator("#messages-link").click()
    await handler.get_by_role("link", name="王受理").click()
    await expect(handler.locator("ol.messages li")).to_have_count(1)
    await expect(handler.locator("body")).to_have_attribute("data-live", "open")
    await clerk.get_by_label("消息", exact=True).fill("今天下班前办结")
    await clerk.get_by_role("button", name="发送").click()
    await expect(handler.locator("ol.messages li").last).to_contain_text("今天下班前办结")
    await handler.get_by_label("消息", exact=True).fill("收到")
    await handler.get_by_role("button", name="发送").click()
    await expect(clerk.locator("ol.messages li").last).to_contain_text("收到")
    await no_serious_violations(handler)
