"""The centre's information, news and policy library (R-A1, R-A4): from the tenant
manifest and from administrators, shown on the portal, searchable, downloadable."""

from __future__ import annotations

import re

from govhall.plugins import PluginRegistry
from govhall.tenancy.services import apply_manifest, load_manifest
from tests.conftest import DEMO_PASSWORD, PDF_BYTES, REPO_ROOT, Api

BASE = "/t/demo-county"


async def test_centre_information_news_and_policies_from_the_manifest(
    api: Api, demo: None, registry: PluginRegistry
) -> None:
    home = await api.client.get(f"{BASE}/")
    assert "关于周六延时服务的公告" in home.text and "置顶" in home.text
    news = await api.client.get(f"{BASE}/news?kind=announcement")
    assert "关于周六延时服务的公告" in news.text and "一件事一次办" not in news.text
    link = re.search(
        rf'href="({BASE}/news/[0-9a-f-]+)">网上办事大厅',
        (await api.client.get(f"{BASE}/news")).text,
    )
    assert link
    story = await api.client.get(link.group(1))
    assert story.status_code == 200 and "并联审批" in story.text

    centre = await api.client.get(f"{BASE}/centre")
    assert centre.status_code == 200
    assert "中心简介" in centre.text and "一窗受理" in centre.text
    assert "示范县自然资源局" in centre.text  # departments
    assert "不动产登记综合窗口" in centre.text and "8—12号" in centre.text  # a window

    found = await api.client.get(f"{BASE}/policies", params={"q": "示发改价格"})
    assert "不动产登记等收费标准" in found.text
    laws = await api.client.get(f"{BASE}/policies", params={"q": "不动产登记暂行条例"})
    assert "NR-BDC-0001" in laws.text  # the law, with the service that cites it
    nothing = await api.client.get(f"{BASE}/policies", params={"q": "不存在的文号xyz"})
    assert "没有找到相关政策文件" in nothing.text

    again = await apply_manifest(
        load_manifest(REPO_ROOT / "tenants" / "demo-county"), registry, DEMO_PASSWORD
    )
    assert not [c for c in again.changes if "article" in c]  # applying twice changes nothing
    english = await api.client.get(f"{BASE}/centre?lang=en")
    assert "About the centre" in english.text and "under one roof" in english.text


async def test_administrators_write_publish_attach_and_delete(api: Api, demo: None) -> None:
    admin = await api.staff("tenantadmin")
    clerk = await api.staff("clerk")
    body = {
        "kind": "policy",
        "title": "示范县政务服务事项容缺受理办法",
        "document_number": "示政办〔2026〕8号",
    }
    assert (await api.client.post(api.t("/articles"), headers=clerk, json=body)).status_code == 403
    bad = await api.client.post(
        api.t("/articles"), headers=admin, json={"kind": "gossip", "title": " "}
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"kind", "title"}
    draft = await api.client.post(api.t("/articles"), headers=admin, json=body)
    assert draft.status_code == 201, draft.text
    ident = draft.json()["id"]
    public = (await api.client.get(api.t("/articles"), params={"kind": "policy"})).json()
    assert ident not in {a["id"] for a in public}  # a draft is not shown
    assert (await api.client.get(api.t(f"/articles/{ident}"))).status_code == 404

    upload = await api.upload(admin, PDF_BYTES, "容缺受理办法.pdf")
    published = await api.client.put(
        api.t(f"/articles/{ident}"),
        headers=admin,
        json={**body, "attachment": upload["blob_id"], "published_on": "2026-01-01"},
    )
    assert (
        published.status_code == 200 and published.json()["attachment_name"] == "容缺受理办法.pdf"
    )
    page = await api.client.get(f"{BASE}/policies", params={"q": "容缺"})
    assert "示政办〔2026〕8号" in page.text
    download = await api.client.get(f"{BASE}/articles/{ident}/attachment")
    assert download.status_code in (200, 307)
    if download.status_code == 200:
        assert download.content == PDF_BYTES

    future = await api.client.post(
        api.t("/articles"),
        headers=admin,
        json={"kind": "news", "title": "明年的新闻", "published_on": "2099-01-01"},
    )
    assert future.status_code == 201
    assert "明年的新闻" not in (await api.client.get(f"{BASE}/news")).text
    everything = (await api.client.get(api.t("/articles/all"), headers=admin)).json()
    assert {"明年的新闻", "示范县政务服务事项容缺受理办法"} <= {a["title"] for a in everything}

    taken = await api.client.post(
        api.t("/articles"), headers=admin, json={**body, "key": "centre-intro"}
    )
    assert taken.status_code == 422 and taken.json()["code"] == "article_key_taken"
    assert (await api.client.delete(api.t(f"/articles/{ident}"), headers=admin)).status_code == 204
    assert (await api.client.get(f"{BASE}/news/{ident}")).status_code == 404
