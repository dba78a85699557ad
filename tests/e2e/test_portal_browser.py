"""The portal in a real browser: Debian's Chromium driven by Playwright (never a
browser Playwright downloads), against a ``govhall demo`` process.

Covers what citizens do (search with a synonym, read a guide, apply with uploads
on a 360-px phone, save a draft and resume it on another device, query progress,
rate a concluded case, file a complaint) and checks the main pages with axe-core
(installed from npm) for serious accessibility violations. Screenshots at phone
and desktop widths are written to ``tests/e2e/screenshots/`` (not committed).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

from tests.conftest import (
    BACKEND,
    GOOD_FORM,
    PDF_BYTES,
    PNG_BYTES,
    database_env,
    free_port,
)
from tests.e2e.processes import clean_env, start, stop, wait_ready

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(__file__).parent / "screenshots"
DEMO_PASSWORD = "browser-demo-pass-7"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
COUNTY = "/t/demo-county"


def chromium_path() -> str:
    """Debian's chromium (``apt-get install chromium``; scripts/test installs it)."""
    found = os.environ.get("GOVHALL_CHROMIUM") or shutil.which("chromium")
    if not found:
        raise AssertionError("Debian's chromium is not installed: apt-get install chromium")
    return found


@pytest.fixture(scope="module")
def portal_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``govhall demo`` on this suite's database engine (a fresh database)."""
    if BACKEND != "postgres":
        pytest.skip("browser tests run once, in the PostgreSQL suite")
    home = tmp_path_factory.mktemp("browser")
    port = free_port()
    env = clean_env()
    env["GOVHALL_DEMO_PASSWORD"] = DEMO_PASSWORD
    env.update(database_env(home, "browser"))
    process = start(["demo", "--port", str(port)], env, home, home / "demo.log")
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, process, home / "demo.log")
        yield base
    finally:
        stop(process)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium_path())
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def api(portal_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=portal_url, timeout=30) as client:
        yield client


async def new_page(browser: Browser, portal_url: str, viewport: dict[str, int]) -> Page:
    # bypass_csp: the accessibility check injects axe-core as an inline script, which
    # the portal's Content-Security-Policy (rightly) refuses.
    context: BrowserContext = await browser.new_context(
        base_url=portal_url, viewport=viewport, locale="zh-CN", bypass_csp=True
    )
    return await context.new_page()


async def register(api: httpx.AsyncClient, username: str) -> None:
    made = await api.post(
        "/api/v1/accounts",
        json={
            "username": username,
            "password": "abc12345x",
            "kind": "individual",
            "name": "浏览器用户",
            "id_number": "11010519491231002X",
        },
    )
    assert made.status_code == 201, made.text


async def token(api: httpx.AsyncClient, username: str, password: str, tenant: str = "") -> Any:
    body = {"username": username, "password": password, **({"tenant": tenant} if tenant else {})}
    signed = await api.post("/api/v1/auth/token", json=body)
    assert signed.status_code == 200, signed.text
    return {"authorization": f"Bearer {signed.json()['access_token']}"}


async def sign_in(page: Page, username: str, password: str = "abc12345x") -> None:
    await page.goto(f"/login?next={COUNTY}/")
    await page.get_by_label(re.compile("用户名")).fill(username)
    await page.get_by_label(re.compile("密码")).fill(password)
    await page.get_by_role("button", name="登录", exact=True).click()
    await expect(page.get_by_role("link", name="我的办件")).to_be_visible()


async def no_serious_violations(page: Page) -> None:
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, f"{page.url}:\n" + "\n".join(serious)


async def fits_the_screen(page: Page) -> None:
    # A check that just passed may have passed on a page still loading after a form
    # post (its document not yet parsed: no documentElement); measure the loaded one.
    await page.wait_for_load_state("load")
    width = await page.evaluate("() => document.documentElement.scrollWidth")
    viewport = page.viewport_size
    assert viewport and width <= viewport["width"], f"{page.url} is {width}px wide"


async def tab_to(page: Page, test: str, limit: int = 60) -> None:
    """Press Tab until the focused element passes ``test`` (a JS predicate)."""
    for _ in range(limit):
        await page.keyboard.press("Tab")
        if await page.evaluate(f"() => ({test})(document.activeElement)"):
            return
    raise AssertionError(f"{test} is not reachable by keyboard on {page.url}")


async def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    width = (page.viewport_size or {}).get("width", 0)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)


async def apply_on_the_phone(page: Page, upload_dir: Path) -> str:
    """Fill, upload, review and submit NR-BDC-0001; returns the draft's URL."""
    await page.goto(f"{COUNTY}/items/NR-BDC-0001")
    await page.get_by_role("button", name="在线申请").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("在线申请")
    draft_url = page.url
    await page.locator("#f-applicant_name").fill(str(GOOD_FORM["applicant_name"]))
    await page.locator("#f-property_location").fill(str(GOOD_FORM["property_location"]))
    await page.locator(f"input[name='f.property_use'][value='{GOOD_FORM['property_use']}']").check()
    await page.locator("#f-floor_area").fill("abc")
    await page.locator("#f-extra_certificates").click()  # leaving the field checks it
    # The server's own rule, next to the field, while typing (HTMX), nothing lost.
    await expect(page.locator("#err-floor_area")).to_be_visible()
    await expect(page.locator("#f-applicant_name")).to_have_value("张三")
    await page.locator("#f-floor_area").fill(str(GOOD_FORM["floor_area"]))
    await page.locator("#f-extra_certificates").fill(str(GOOD_FORM["extra_certificates"]))
    await page.get_by_role("button", name="保存并下一步").click()
    await expect(page.get_by_role("heading", name="申请材料")).to_be_visible()
    await fits_the_screen(page)
    pdf = upload_dir / "申请书.pdf"
    pdf.write_bytes(PDF_BYTES)
    png = upload_dir / "身份证.png"
    png.write_bytes(PNG_BYTES)
    text = upload_dir / "说明.txt"
    text.write_text("not a scan")
    application = page.locator("#m-application_form")
    await application.locator("input[type=file]").set_input_files(str(text))
    await application.get_by_role("button", name="上传").click()
    await expect(application.locator(".upload-error")).to_contain_text("PDF")  # refused here
    await application.locator("input[type=file]").set_input_files(str(pdf))
    await application.get_by_role("button", name="上传").click()
    await expect(page.locator("#m-application_form")).to_contain_text("申请书.pdf")
    identity = page.locator("#m-identity_proof")
    await identity.locator("input[type=file]").set_input_files(str(png))
    await identity.get_by_role("button", name="上传").click()
    await expect(page.locator("#m-identity_proof")).to_contain_text("身份证.png")
    await shoot(page, "apply-materials")
    return draft_url


async def test_apply_with_uploads_on_a_phone_and_resume_on_another_device(
    browser: Browser, portal_url: str, api: httpx.AsyncClient, tmp_path: Path
) -> None:
    await register(api, "phoneuser")
    phone = await new_page(browser, portal_url, PHONE)
    await sign_in(phone, "phoneuser")
    draft_url = await apply_on_the_phone(phone, tmp_path)

    # The same draft, resumed on a desktop: everything typed and uploaded is there.
    desktop = await new_page(browser, portal_url, DESKTOP)
    await sign_in(desktop, "phoneuser")
    await desktop.goto(f"{COUNTY}/me")
    await desktop.locator(f"a[href$='{draft_url.rsplit('/', 1)[1]}']").click()
    await expect(desktop.locator("#f-property_location")).to_have_value("城关镇解放路12号")
    await desktop.goto(f"{draft_url}?step=review")
    await expect(desktop.get_by_text("90.00").first).to_be_visible()
    await shoot(desktop, "apply-review")

    # Submit on the phone; a second click does not make a second case.
    await phone.goto(f"{draft_url}?step=review")
    await phone.get_by_role("button", name="确认提交").dblclick()
    await expect(phone.get_by_role("heading", name="申请已提交")).to_be_visible()
    await fits_the_screen(phone)
    await shoot(phone, "receipt")
    serial, code = await phone.locator(".serial").all_inner_texts()
    mine = await token(api, "phoneuser", "abc12345x")
    listed = await api.get("/t/demo-county/api/v1/inbox", headers=mine)
    assert listed.status_code == 200
    await phone.goto(f"{COUNTY}/me")
    await expect(phone.locator("a[href*='/me/cases/']")).to_have_count(1)

    # Progress by serial number and query code, signed out, on the phone.
    anonymous = await new_page(browser, portal_url, PHONE)
    await anonymous.goto(f"{COUNTY}/progress")
    await anonymous.get_by_label("办件编号").fill(serial)
    await anonymous.get_by_label("查询码").fill("WRONG123")
    await anonymous.get_by_role("button", name="查询").click()
    await expect(anonymous.get_by_role("alert")).to_contain_text("不正确")
    await anonymous.get_by_label("查询码").fill(code)
    await anonymous.get_by_role("button", name="查询").click()
    await expect(anonymous.locator(".step.in_progress").first).to_be_visible()
    await fits_the_screen(anonymous)
    await no_serious_violations(anonymous)
    await shoot(anonymous, "progress")


async def test_search_with_a_synonym_and_read_a_guide(
    browser: Browser, portal_url: str, api: httpx.AsyncClient
) -> None:
    admin = await token(api, "tenantadmin", DEMO_PASSWORD, "demo-county")
    added = await api.post(
        "/t/demo-county/api/v1/search-terms",
        headers=admin,
        json={"kind": "synonym", "term": "二胎", "target": "生育登记"},
    )
    assert added.status_code in (201, 409), added.text
    page = await new_page(browser, portal_url, PHONE)
    await page.goto(f"{COUNTY}/search")
    # Keyboard only: Tab to the search box, type, Enter; Tab to the first result, Enter.
    await tab_to(page, "el => el.id === 'q'")
    await page.keyboard.type("二胎")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("link", name="生育登记").first).to_be_visible()
    await tab_to(page, "el => el.tagName === 'A' && el.textContent.trim() === '生育登记'")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_have_text("生育登记")
    for section in ("设定依据", "申请材料", "收费标准"):
        await expect(page.get_by_role("heading", name=section)).to_be_visible()
    await expect(page.get_by_role("button", name="朗读本页")).to_be_visible()
    await fits_the_screen(page)


async def test_rate_a_concluded_case_and_file_a_complaint(
    browser: Browser, portal_url: str, api: httpx.AsyncClient
) -> None:
    await register(api, "rater")
    citizen = await token(api, "rater", "abc12345x")
    t = "/t/demo-county/api/v1"
    uploads = []
    for name, content in (("a.pdf", PDF_BYTES), ("b.png", PNG_BYTES)):
        sent = await api.post(f"{t}/uploads", headers=citizen, files={"file": (name, content)})
        uploads.append(sent.json()["blob_id"])
    submitted = await api.post(
        f"{t}/applications",
        headers=citizen,
        json={
            "item_code": "NR-BDC-0001",
            "form": GOOD_FORM,
            "materials": [
                {"material_code": "application_form", "blob_id": uploads[0]},
                {"material_code": "identity_proof", "blob_id": uploads[1]},
            ],
        },
    )
    serial = submitted.json()["serial_number"]
    for who, action in (
        ("clerk", "accept"),
        ("handler", "pass"),
        ("approver", "approve"),
        ("handler", "conclude"),
    ):
        staff = await token(api, who, DEMO_PASSWORD, "demo-county")
        done = await api.post(
            f"{t}/cases/{serial}/actions", headers=staff, json={"action": action, "opinion": "同意"}
        )
        assert done.status_code == 200, done.text

    page = await new_page(browser, portal_url, PHONE)
    await sign_in(page, "rater")
    await page.goto(f"{COUNTY}/me/cases/{serial}")
    await page.get_by_label("不满意", exact=True).check()
    await page.get_by_role("button", name="提交评价").click()
    await expect(page.locator("#err-reason")).to_be_visible()  # 1–2 need a reason
    await page.get_by_label("非常满意").check()
    await page.get_by_role("button", name="提交评价").click()
    await expect(page.get_by_text("您的评价：5 星")).to_be_visible()
    await expect(page.locator(".step.done").first).to_be_visible()

    await page.goto(f"{COUNTY}/complaints")
    await page.get_by_label(re.compile("^标题")).fill("窗口排队时间过长")
    await page.get_by_label(re.compile("^相关办件编号")).fill(serial)
    await page.get_by_label(re.compile("^具体内容")).fill("上午排队两个小时")
    await page.get_by_role("button", name="提交", exact=True).click()
    await expect(page.get_by_role("status")).to_contain_text("TS")
    await expect(page.get_by_text("窗口排队时间过长")).to_be_visible()
    await fits_the_screen(page)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
async def test_main_pages_have_no_serious_accessibility_violations(
    browser: Browser, portal_url: str, api: httpx.AsyncClient, viewport: dict[str, int]
) -> None:
    page = await new_page(browser, portal_url, viewport)
    pages = {
        "home": f"{COUNTY}/",
        "catalogue": f"{COUNTY}/items",
        "guide": f"{COUNTY}/items/NR-BDC-0001",
        "progress": f"{COUNTY}/progress",
        # …and every other public page, at the same widths.
        "scenarios": f"{COUNTY}/scenarios",
        "search": f"{COUNTY}/search?q=%E7%94%9F%E8%82%B2",
        "news": f"{COUNTY}/news",
        "centre": f"{COUNTY}/centre",
        "policies": f"{COUNTY}/policies",
        "consult": f"{COUNTY}/consult",
        "complaints": f"{COUNTY}/complaints",
        "mailbox": f"{COUNTY}/mailbox",
        "login": f"/login?next={COUNTY}/",
        "register": f"/register?next={COUNTY}/",
        "landing": "/",
    }
    for name, path in pages.items():
        await page.goto(path)
        await no_serious_violations(page)
        await fits_the_screen(page)
        await shoot(page, name)
    user = f"axe{viewport['width']}"
    await register(api, user)
    await sign_in(page, user)
    await page.goto(f"{COUNTY}/items/NR-BDC-0001")
    await page.get_by_role("button", name="在线申请").click()
    await expect(page.locator("#f-applicant_name")).to_be_visible()
    await no_serious_violations(page)
    await fits_the_screen(page)
    await shoot(page, "apply")
    for name, path in {"mine": f"{COUNTY}/me", "inbox": f"{COUNTY}/me/inbox"}.items():
        await page.goto(path)
        await no_serious_violations(page)
        await fits_the_screen(page)
        await shoot(page, name)
    await page.goto(f"{COUNTY}/items/NR-BDC-0001")
    await page.get_by_role("button", name="在线申请").click()
    # Wait for the draft's page: evaluating during the navigation finds no body.
    await expect(page.locator("#f-applicant_name")).to_be_visible()
    # The check itself finds what it should: an image without a text alternative.
    await page.evaluate("() => document.body.append(document.createElement('img'))")
    with pytest.raises(AssertionError, match="image-alt"):
        await no_serious_violations(page)
    # Keyboard only: the skip link is the first stop and leads to the content.
    await page.keyboard.press("Tab")
    focused = await page.evaluate("() => document.activeElement.className")
    assert "skip" in focused


async def test_a_clerk_accepts_and_the_notice_verifies_by_its_code(
    browser: Browser, portal_url: str, api: httpx.AsyncClient
) -> None:
    """Workbench in the browser: a clerk accepts a case; anyone checks the notice."""
    await register(api, "walkin")
    citizen = await token(api, "walkin", "abc12345x")
    t = "/t/demo-county/api/v1"
    blobs = []
    for name, content in (("a.pdf", PDF_BYTES), ("b.png", PNG_BYTES)):
        blobs.append(
            (
                await api.post(f"{t}/uploads", headers=citizen, files={"file": (name, content)})
            ).json()
        )
    made = await api.post(
        f"{t}/applications",
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
    serial = made.json()["serial_number"]
    page = await new_page(browser, portal_url, DESKTOP)
    await page.goto(f"/login?tenant=demo-county&next={COUNTY}/work/")
    await page.get_by_label(re.compile("用户名")).fill("clerk")
    await page.get_by_label(re.compile("密码")).fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="登录", exact=True).click()
    await expect(page.get_by_role("heading", name=re.compile("待办"))).to_be_visible()
    await page.get_by_role("link", name=serial).click()
    await expect(page.locator("#completeness")).to_contain_text("材料齐全")
    await page.get_by_role("button", name="不予受理").click()  # no reason: refused in place
    await expect(page.locator("#err-opinion")).to_be_visible()
    await page.get_by_label("意见").fill("材料齐全，予以受理")
    await page.get_by_role("button", name="受理", exact=True).click()
    await expect(page.get_by_role("status")).to_contain_text("已办理")
    await expect(page.get_by_role("link", name="受理通知书")).to_be_visible()
    await no_serious_violations(page)
    await shoot(page, "work-case")
    code = (await page.locator("text=验证码").first.inner_text()).split()[-1]
    checker = await new_page(browser, portal_url, PHONE)
    await checker.goto(f"{COUNTY}/verify/{code}")
    await expect(checker.get_by_role("status")).to_contain_text("真实有效")
    await expect(checker.get_by_text(serial).first).to_be_visible()
    await fits_the_screen(checker)
