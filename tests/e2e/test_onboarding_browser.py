"""From nothing to a live county portal in the browser, without touching a file: a
platform operator onboards the county (manifest pasted, changes previewed, then
applied); its administrator signs in with the one-time password, sets the branding,
adds departments and staff, enables three plugins, adds a local day off and edits
and publishes a flow; then a case is submitted there and handled on the new
county's workbench under the edited flow."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests.conftest import BACKEND, GOOD_FORM, PDF_BYTES, PNG_BYTES, database_env, free_port
from tests.e2e.processes import clean_env, start, stop, wait_ready
from tests.e2e.test_portal_browser import DESKTOP, browser, new_page, register, token

pytestmark = pytest.mark.e2e
__all__ = ["browser"]

SLUG = "browser-county"
MANIFEST = f"""slug = "{SLUG}"
name = "浏览县人民政府"
level = "county"
parent = "demo-city"
division_code = "990109"

[branding]
portal_name = "浏览县网上办事大厅"

[[org_units]]
code = "centre"
name = "浏览县政务服务中心"
kind = "centre"

[[staff]]
username = "admin"
name = "浏览县管理员"
roles = [{{ role = "tenant_admin", org_unit = "centre" }}]
"""
STAFF_PASSWORD = "County-staff-2026"


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """``govhall demo`` on a fresh database, and a platform operator's password."""
    if BACKEND != "postgres":
        pytest.skip("browser tests run once, in the PostgreSQL suite")
    home = tmp_path_factory.mktemp("onboarding")
    port = free_port()
    env = clean_env()
    env["GOVHALL_DEMO_PASSWORD"] = "browser-demo-pass-7"
    env.update(database_env(home, "onboarding"))
    process = start(["demo", "--port", str(port)], env, home, home / "demo.log")
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, process, home / "demo.log")
        made = subprocess.run(
            [sys.executable, "-m", "govhall", "operator", "create", "ops", "--name", "平台运营"],
            env=env,
            cwd=home,
            capture_output=True,
            text=True,
            check=True,
        )
        password = made.stdout.rsplit(":", 1)[1].strip()
        yield base, password
    finally:
        stop(process)


async def sign_in(page: Page, username: str, password: str, query: str) -> None:
    await page.goto(f"/login?{query}")
    await page.get_by_label(re.compile("用户名")).fill(username)
    await page.get_by_label(re.compile("密码")).fill(password)
    await page.get_by_role("button", name="登录", exact=True).click()


async def saved(page: Page) -> None:
    await expect(page.get_by_role("status")).to_contain_text("已保存")


async def test_an_operator_and_a_county_admin_take_a_county_live_in_the_browser(
    browser: Browser, platform: tuple[str, str], tmp_path: Path
) -> None:
    base, ops_password = platform
    operator = await new_page(browser, base, DESKTOP)
    await sign_in(operator, "ops", ops_password, "operator=1&next=/operator/")
    await expect(operator.get_by_role("heading", name="平台运营")).to_be_visible()
    await operator.get_by_label("租户清单（TOML）").fill(MANIFEST)
    form = operator.locator("#onboard-form")
    await form.get_by_role("button", name="预览变更").click()
    await expect(operator.locator("#onboard-result")).to_contain_text(f"create tenant {SLUG}")
    await operator.locator("#onboard-form").get_by_role("button", name="应用", exact=True).click()
    result = operator.locator("#onboard-result")
    await expect(result).to_contain_text("只显示这一次")
    admin_password = (await result.locator("li code").nth(1).inner_text()).strip()
    await expect(operator.locator(f'tr[data-tenant="{SLUG}"]')).to_be_visible()

    admin = await new_page(browser, base, DESKTOP)
    await sign_in(admin, "admin", admin_password, f"tenant={SLUG}&next=/t/{SLUG}/work/admin/")
    await expect(admin.get_by_role("heading", name="管理", exact=True)).to_be_visible()
    await admin.get_by_label("门户名称").fill("浏览县政务服务网")
    await admin.get_by_label("主色").fill("#1b5e20")
    await expect(admin.locator('[data-preview-target="name"]')).to_have_text("浏览县政务服务网")
    await admin.get_by_role("button", name="保存外观").click()
    await saved(admin)

    for code, name in (
        ("zrzyj", "浏览县自然资源局"),
        ("scjgj", "浏览县市场监督管理局"),
        ("wjj", "浏览县卫生健康局"),
    ):
        await admin.locator("#unit-code").fill(code)
        await admin.locator("#unit-name").fill(name)
        await admin.locator("#unit-kind").select_option("department")
        await admin.locator("#unit-parent").select_option("centre")
        await admin.locator("#units").get_by_role("button", name="新增").click()
        await saved(admin)
    for unit, plugin in (
        ("zrzyj", "natural_resources"),
        ("scjgj", "market_regulation"),
        ("wjj", "health"),
    ):
        await admin.locator("#en-unit").select_option(unit)
        await admin.locator(f'#enablement input[name="plugins"][value="{plugin}"]').check()
        await admin.get_by_role("button", name="保存开通设置").click()
        await saved(admin)
    await expect(admin.locator('tr[data-unit-enabled="wjj"]')).to_contain_text("health")

    for username, name, role, unit in (
        ("clerk", "浏受理", "clerk", "centre"),
        ("handler", "浏承办", "handler", "zrzyj"),
        ("approver", "浏批准", "approver", "zrzyj"),
    ):
        await admin.locator("#staff-username").fill(username)
        await admin.locator("#staff-name").fill(name)
        await admin.locator("#staff-password").fill(STAFF_PASSWORD)
        await admin.locator("#staff-role").select_option(role)
        await admin.locator("#staff-unit").select_option(unit)
        await admin.locator("#staff").get_by_role("button", name="新增").first.click()
        await saved(admin)
    await admin.locator("#cal-day").fill("2026-12-29")
    await admin.locator("#cal-name").fill("县庆")
    await admin.locator("#calendar").get_by_role("button", name="添加").click()
    await saved(admin)
    await expect(admin.locator("#calendar")).to_contain_text("县庆")

    await admin.get_by_role("link", name=re.compile("办理流程")).click()
    await admin.get_by_role("link", name=re.compile("首次登记")).first.click()
    # In the step table, no TOML: rename the approval step and give it a limit.
    approve = admin.locator('tr[data-step="approve"]')
    await approve.get_by_label(re.compile("环节名称")).fill("局长批准")
    await approve.get_by_label(re.compile("时限")).fill("3")
    await admin.locator("#steps-note").fill("批准环节改由局长")
    await admin.locator("#steps-form").get_by_role("button", name="校验并发布新版本").click()
    await expect(admin.locator("#flow-saved")).to_contain_text("第 1 版")
    await expect(admin.locator("#flow")).to_contain_text("limit_days = 3")

    # The county is live: its portal, a citizen's application, its staff at work.
    portal = await new_page(browser, base, DESKTOP)
    await portal.goto(f"/t/{SLUG}/")
    await expect(portal.get_by_text("浏览县政务服务网").first).to_be_visible()
    async with httpx.AsyncClient(base_url=base, timeout=30) as api:
        await register(api, "browser-citizen")
        citizen = await token(api, "browser-citizen", "abc12345x")
        t = f"/t/{SLUG}/api/v1"
        blobs = [
            (await api.post(f"{t}/uploads", headers=citizen, files={"file": (n, c)})).json()
            for n, c in (("a.pdf", PDF_BYTES), ("b.png", PNG_BYTES))
        ]
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
        assert made.status_code == 201, made.text
        serial = made.json()["serial_number"]
    staff = await new_page(browser, base, DESKTOP)
    for username, button in (("clerk", "受理"), ("handler", "承办完成")):
        await sign_in(staff, username, STAFF_PASSWORD, f"tenant={SLUG}&next=/t/{SLUG}/work/")
        await staff.get_by_role("link", name=serial).click()
        await staff.get_by_label("意见", exact=True).fill("同意")
        await staff.get_by_role("button", name=button, exact=True).first.click()
        await expect(staff.get_by_role("status")).to_contain_text("已办理")
        await staff.context.clear_cookies()
    await sign_in(staff, "approver", STAFF_PASSWORD, f"tenant={SLUG}&next=/t/{SLUG}/work/")
    await staff.get_by_role("link", name=serial).click()
    await expect(staff.locator(".steps")).to_contain_text("局长批准")  # the published flow
