"""Supervision in a real browser (Debian's Chromium via Playwright) against a
``govhall demo`` process: a supervisor opens a 督办 ticket from a case screen that
the department answers and the supervisor closes; an applicant's rating of 1 on
the portal opens a rectification ticket the department sees and answers with its
call-back; the leader dashboard's charts render and a built report exports."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook
from playwright.async_api import Browser, expect

from tests.e2e.test_portal_browser import (
    COUNTY,
    DESKTOP,
    PHONE,
    api,
    browser,
    new_page,
    no_serious_violations,
    portal_url,
    register,
    shoot,
    sign_in,
    token,
)
from tests.e2e.test_workbench_browser import act, apply, staff_page

pytestmark = pytest.mark.e2e
__all__ = ["api", "browser", "portal_url"]  # fixtures shared with the portal's browser tests


async def test_a_supervisor_opens_a_ticket_that_the_department_answers(
    browser: Browser, portal_url: str, api: httpx.AsyncClient
) -> None:
    await register(api, "supervised")
    serial = await apply(api, await token(api, "supervised", "abc12345x"))
    supervisor = await staff_page(browser, portal_url, "supervisor")
    await supervisor.goto(f"{COUNTY}/work/cases/{serial}")
    await supervisor.get_by_role("link", name="督办此件").click()
    await expect(supervisor.get_by_label(re.compile("办件编号"))).to_have_value(serial)
    await supervisor.get_by_label("督办事项").fill("群众反映办理缓慢")
    await supervisor.get_by_label("督办要求").fill("请两个工作日内说明原因")
    await supervisor.get_by_label(re.compile("办理时限")).fill("两天")
    await supervisor.get_by_role("button", name="发起督办").last.click()
    # A wrong limit is refused in place, with what was typed kept.
    await expect(supervisor.locator("#err-limit_days")).to_be_visible()
    await expect(supervisor.get_by_label("督办事项")).to_have_value("群众反映办理缓慢")
    await supervisor.get_by_label(re.compile("办理时限")).fill("2")
    await supervisor.get_by_role("button", name="发起督办").last.click()
    await expect(supervisor.locator("#ticket-status")).to_have_text("待答复")
    number = (await supervisor.locator("h1").inner_text()).split()[-1]
    assert number.startswith("DB")
    await no_serious_violations(supervisor)

    department = await staff_page(browser, portal_url, "handler")
    await department.get_by_role("link", name="督办", exact=True).click()
    await department.get_by_role("link", name=number).click()
    await department.get_by_label("已说明情况").check()
    await department.get_by_label("情况说明").fill("等待现场核查，已于今日完成")
    await department.get_by_role("button", name="提交答复").click()
    await expect(department.locator("#ticket-status")).to_have_text("已答复，待审核")

    await supervisor.reload()
    await supervisor.get_by_label("审核意见").fill("同意")
    await supervisor.get_by_role("button", name="审核通过，办结").click()
    await expect(supervisor.locator("#ticket-status")).to_have_text("已办结")
    history = supervisor.locator("#ticket-history li")
    await expect(history).to_have_count(3)
    await expect(history.nth(1)).to_contain_text("等待现场核查")
    # The case screen carries the ticket and its record.
    await supervisor.goto(f"{COUNTY}/work/cases/{serial}")
    await expect(supervisor.locator("#case-tickets")).to_contain_text(number)
    await expect(supervisor.locator("#case-tickets")).to_contain_text("审核办结")


async def test_a_rating_of_one_opens_a_rectification_ticket(
    browser: Browser, portal_url: str, api: httpx.AsyncClient
) -> None:
    await register(api, "unhappy")
    serial = await apply(api, await token(api, "unhappy", "abc12345x"))
    for who, action in (
        ("clerk", "accept"),
        ("handler", "pass"),
        ("approver", "approve"),
        ("handler", "conclude"),
    ):
        await act(api, who, serial, action)
    applicant = await new_page(browser, portal_url, PHONE)
    await sign_in(applicant, "unhappy")
    await applicant.goto(f"{COUNTY}/me/cases/{serial}")
    await applicant.get_by_role("radio", name="非常不满意").check()
    await applicant.get_by_label(re.compile("评价理由")).fill("窗口态度冷淡，多跑了一次")
    await applicant.get_by_role("button", name="提交评价").click()
    await expect(applicant.get_by_text(re.compile("您的评价：1 星"))).to_be_visible()

    department = await staff_page(browser, portal_url, "handler", DESKTOP)
    await department.goto(f"{COUNTY}/work/supervision/tickets/?kind=rectification")
    row = department.locator("#tickets tbody tr", has_text=serial)
    await expect(row).to_contain_text("差评整改")
    await row.get_by_role("link", name=re.compile("^ZG")).click()
    await expect(department.locator("#ticket-facts")).to_contain_text("窗口态度冷淡")
    await department.get_by_label("已整改").check()
    await department.get_by_label("情况说明").fill("已约谈窗口人员并整改")
    await department.get_by_role("button", name="提交答复").click()
    # A rectification needs the call-back to the applicant.
    await expect(department.locator("#err-callback")).to_be_visible()
    await expect(department.get_by_label("情况说明")).to_have_value("已约谈窗口人员并整改")
    await department.get_by_label("回访情况").fill("电话回访，申请人表示认可")
    await department.get_by_role("button", name="提交答复").click()
    await expect(department.locator("#ticket-status")).to_have_text("已答复，待审核")
    await no_serious_violations(department)


async def test_the_dashboard_charts_render_and_a_report_is_built_and_exported(
    browser: Browser, portal_url: str, api: httpx.AsyncClient, tmp_path: Path
) -> None:
    await register(api, "counted")
    citizen = await token(api, "counted", "abc12345x")
    for _ in range(2):
        await apply(api, citizen)
    leader = await staff_page(browser, portal_url, "supervisor")
    await leader.get_by_role("link", name="统计报表").click()
    await expect(leader.get_by_role("heading", name="领导驾驶舱")).to_be_visible()
    # The facts may have been rebuilt before these cases (every 10 minutes): now.
    await leader.get_by_role("button", name="立即更新数据").click()
    await expect(leader.locator("#as-of")).to_be_visible()
    await expect(leader.locator("#kpis")).to_contain_text("申请件数")
    charts = leader.locator("figure.chart svg[role=img]")
    await expect(charts).to_have_count(4)
    for i in range(4):
        box = await charts.nth(i).bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 80
    # Drawn, not empty: bars in the department chart, slices in the status pie.
    assert await leader.locator("#chart-by_department svg rect").count() > 2
    assert await leader.locator("#chart-by_status svg :is(path, circle, ellipse)").count() >= 1
    await no_serious_violations(leader)
    await shoot(leader, "dashboard")

    await leader.get_by_role("link", name="自定义报表").click()
    await leader.get_by_label("部门").check()
    await leader.get_by_label("办结件数").check()
    await leader.get_by_label("图表").select_option("bar")
    await leader.get_by_role("button", name="生成报表").click()
    await expect(leader.locator("#report-chart svg")).to_be_visible()
    await expect(leader.locator("#report-table")).to_contain_text("示范县自然资源局")
    async with leader.expect_download() as download:
        await leader.get_by_role("link", name="XLSX").click()
    saved = tmp_path / "report.xlsx"
    await (await download.value).save_as(saved)
    sheet = load_workbook(saved).active
    assert sheet is not None and sheet["A1"].value == "部门"
