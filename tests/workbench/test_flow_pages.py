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
