"""The item catalogue API."""

from __future__ import annotations

import httpx

from govhall.catalog.tables import ItemVersion
from tests.conftest import Api


async def test_items_are_published_per_tenant(client: httpx.AsyncClient, demo: None) -> None:
    county = (await client.get("/t/demo-county/api/v1/items")).json()
    assert [item["code"] for item in county] == ["NR-BDC-0001"]
    assert county[0]["department"]["name"] == "示范县自然资源局"
    assert county[0]["item_type_label"] == "行政确认"
    assert (await client.get("/t/demo-city/api/v1/items")).json() == []


async def test_guide_has_every_element(client: httpx.AsyncClient, demo: None) -> None:
    guide = (await client.get("/t/demo-county/api/v1/items/NR-BDC-0001")).json()
    assert guide["statutory_days"] == 30 and guide["promised_days"] == 5
    assert guide["form"]["type"] == "object"
    assert [m["code"] for m in guide["materials"]] == [
        "application_form",
        "identity_proof",
        "power_of_attorney",
    ]
    assert all(fee["basis"] for fee in guide["fees"])
    assert [step["key"] for step in guide["flow"]] == ["accept", "handle", "approve", "conclude"]
    assert guide["legal_basis"]
    missing = await client.get("/t/demo-county/api/v1/items/XX", headers={"accept-language": "en"})
    assert missing.status_code == 404
    assert missing.json()["detail"] == "Item 'XX' was not found or is not offered here"


async def test_case_keeps_the_item_version_it_started_with(api: Api, demo: None) -> None:
    headers = await api.citizen()
    await api.submit(headers)
    await api.submit(headers)
    versions = await ItemVersion.select(ItemVersion.code, ItemVersion.version)
    assert versions == [{"code": "NR-BDC-0001", "version": "2026.1"}]
