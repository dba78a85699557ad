"""The flow editor: copy the flow in use as TOML, change it, publish a new version
(refused with every problem listed, the text kept), compare versions; new cases
start on the published version."""

from __future__ import annotations

import html

from govhall.cases.tables import Case
from tests.conftest import Api
from tests.portal.test_apply import BASE, hidden
from tests.workbench.test_pages import staff_sign_in


async def test_edit_publish_and_compare_a_flow(api: Api, demo: None) -> None:
    await staff_sign_in(api, "tenantadmin")
    listed = await api.client.get(f"{BASE}/work/admin/flows/")
    assert listed.status_code == 200 and "NR-BDC-0001" in listed.text
    editor = await api.client.get(f"{BASE}/work/admin/flows/NR-BDC-0001")
    assert editor.status_code == 200 and "插件默认流程" in editor.text
    token = hidden(editor.text, "_csrf_token")
    text = html.unescape(
        editor.text.split('id="flow" name="flow"', 1)[1].split(">", 1)[1].split("</textarea>", 1)[0]
    )
    assert 'key = "accept"' in text

    broken = await api.client.post(
        f"{BASE}/work/admin/flows/NR-BDC-0001",
        data={"_csrf_token": token, "flow": text + "\n[[steps"},
    )
    assert broken.status_code == 422 and 'id="flow-error"' in broken.text
    wrong = text.replace('role = "approver"', 'role = "astronaut"', 1)
    refused = await api.client.post(
        f"{BASE}/work/admin/flows/NR-BDC-0001", data={"_csrf_token": token, "flow": wrong}
    )
    assert refused.status_code == 422 and "astronaut" in refused.text
    assert "astronaut" in html.unescape(refused.text.split('id="flow"', 1)[1])  # kept as typed

    changed = text.replace('name = "批准"', 'name = "局长批准"', 1).replace(
        'role = "approver"', 'role = "approver"\nlimit_days = 2', 1
    )
    published = await api.client.post(
        f"{BASE}/work/admin/flows/NR-BDC-0001",
        data={"_csrf_token": token, "flow": changed, "note": "批准环节限2个工作日"},
    )
    assert published.status_code == 303 and "saved=1" in published.headers["location"]
    page = await api.client.get(published.headers["location"])
    assert 'id="flow-saved"' in page.text and "第 1 版" in page.text
    diff = await api.client.get(f"{BASE}/work/admin/flows/NR-BDC-0001?from=0&to=1")
    assert '<span class="add">+limit_days = 2</span>' in diff.text
    assert (
        '<span class="remove">-name = &#34;批准&#34;</span>' in diff.text
        or "-name = &#34;批准&#34;" in diff.text
    )

    serial = (await api.submit(await api.citizen()))["serial_number"]
    case = await Case.select(Case.flow_version).where(Case.serial_number == serial).first()
    assert case is not None and case["flow_version"] == 1


async def test_only_administrators_edit_flows(api: Api, demo: None) -> None:
    await staff_sign_in(api, "clerk")
    assert (await api.client.get(f"{BASE}/work/admin/flows/NR-BDC-0001")).status_code == 403


async def test_a_department_administrator_edits_their_departments_flow(
    api: Api, demo: None
) -> None:
    admin = await api.staff("tenantadmin")
    made = await api.client.post(
        api.t("/staff"),
        headers=admin,
        json={
            "username": "zr-admin",
            "name": "自然资源局管理员",
            "password": "Dept-admin-2026",
            "grants": [{"role": "tenant_admin", "org_unit": "zrzyj"}],
        },
    )
    assert made.status_code == 201, made.text
    page = await api.client.get("/login?tenant=demo-county")
    signed = await api.client.post(
        "/login",
        data={
            "username": "zr-admin",
            "password": "Dept-admin-2026",
            "tenant": "demo-county",
            "next": f"{BASE}/work/admin/flows/NR-BDC-0001",
            "_csrf_token": hidden(page.text, "_csrf_token"),
        },
    )
    editor = await api.client.get(signed.headers["location"])
    assert editor.status_code == 200 and "机构 zrzyj" in editor.text
    assert 'name="department" value="zrzyj"' in editor.text
    text = html.unescape(
        editor.text.split('id="flow" name="flow"', 1)[1].split(">", 1)[1].split("</textarea>", 1)[0]
    )
    published = await api.client.post(
        f"{BASE}/work/admin/flows/NR-BDC-0001",
        data={
            "_csrf_token": hidden(editor.text, "_csrf_token"),
            "flow": text,
            "department": "zrzyj",
        },
    )
    assert published.status_code == 303 and "department=zrzyj" in published.headers["location"]
    tenant_wide = await api.client.post(
        f"{BASE}/work/admin/flows/NR-BDC-0001",
        data={"_csrf_token": hidden(editor.text, "_csrf_token"), "flow": text},
    )
    assert tenant_wide.status_code == 403
    console = await api.client.get(f"{BASE}/work/admin/")
    token = hidden(console.text, "_csrf_token")
    outside = await api.client.post(
        f"{BASE}/work/admin/enablement",
        data={"_csrf_token": token, "unit": "wjj", "plugins": "health"},
    )
    assert outside.status_code == 403
    branding = await api.client.post(
        f"{BASE}/work/admin/branding",
        data={"_csrf_token": token, "portal_name": "x", "primary_color": "#000000"},
    )
    assert branding.status_code == 403


def _steps(page: str) -> list[str]:
    return [part.split('"', 1)[0] for part in page.split('<tr data-step="')[1:]]


async def test_the_step_table_edits_a_flow_without_toml(api: Api, demo: None) -> None:
    from govhall.workflow.tables import FlowDefinition

    await staff_sign_in(api, "tenantadmin")
    editor = await api.client.get(f"{BASE}/work/admin/flows/NR-BDC-0001")
    assert 'id="steps-form"' in editor.text
    keys = _steps(editor.text)
    assert keys[0] == "accept" and "approve" in keys
    token = hidden(editor.text, "_csrf_token")
    base = html.unescape(hidden(editor.text, "base"))
    approve = keys.index("approve")
    form = {"_csrf_token": token, "base": base, "department": ""}

    # A limit that is not a number: refused in place, nothing published.
    bad = await api.client.post(
        f"{BASE}/work/admin/flows/NR-BDC-0001/steps",
        data={**form, f"limit_days-{approve}": "两天"},
    )
    assert bad.status_code == 422 and "时限须为工作日天数" in bad.text
    assert await FlowDefinition.count() == 0
    # The table's flow passes the same checks as the text: a role no step may have.
    refused = await api.client.post(
        f"{BASE}/work/admin/flows/NR-BDC-0001/steps",
        data={**form, f"role-{approve}": "astronaut", f"name-{approve}": "改过的名称"},
    )
    assert refused.status_code == 422 and 'id="flow-error"' in refused.text
    assert "astronaut" in refused.text and 'value="改过的名称"' in refused.text  # kept
    assert await FlowDefinition.count() == 0

    published = await api.client.post(
        f"{BASE}/work/admin/flows/NR-BDC-0001/steps",
        data={
            **form,
            f"name-{approve}": "分管领导批准",
            f"role-{approve}": "approver",
            f"position-{approve}": "分管领导",
            f"limit_days-{approve}": "3",
            f"copy-{approve}": "1",
            "note": "表格修改",
        },
    )
    assert published.status_code == 303, published.text
    page = await api.client.get(published.headers["location"])
    assert 'id="flow-saved"' in page.text
    now = _steps(page.text)
    assert now[approve : approve + 2] == ["approve", "approve-2"]  # the copy right after it
    text = html.unescape(page.text.split('id="flow" name="flow"', 1)[1].split("</textarea>")[0])
    assert 'name = "分管领导批准"' in text and 'position = "分管领导"' in text
    assert "limit_days = 3" in text
    diff = await api.client.get(f"{BASE}/work/admin/flows/NR-BDC-0001?from=0&to=1")
    assert "+limit_days = 3" in html.unescape(diff.text)
