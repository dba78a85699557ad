"""The item catalogue API: per-tenant enablement, local settings, guides, versions."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import msgspec

from govhall.cases.schemas import ApplicationCreate, MaterialRef
from govhall.cases.services import submit_application
from govhall.cases.tables import Case
from govhall.catalog.services import CatalogService
from govhall.catalog.tables import ItemVersion
from govhall.identity.tables import Account
from govhall.identity.tokens import Principal
from govhall.plugins import PluginRegistry, get_plugin_manager
from govhall.sdk import FeeRule, ItemSpec, hookimpl
from govhall.settings import Settings
from govhall.tenancy.services import resolve_tenant
from govhall_natural_resources.plugin import FIRST_REGISTRATION
from tests.conftest import GOOD_FORM, Api

ALL_DEMO_ITEMS = {
    "CG-CF-0001",
    "CG-JZLJ-0001",
    "CG-ZDXK-0001",
    "MZ-GLJT-0001",
    "MZ-LNYD-0001",
    "MZ-SYDJ-0001",
    "NR-BDC-0001",
    "NR-ZJD-0001",
    "SC-GTGS-0001",
    "SC-GTGS-0002",
    "SC-GTGS-0003",
    "SC-SPJY-0001",
    "WJ-GGCS-0001",
    "WJ-GGCS-0002",
    "WJ-JKZM-0001",
    "ZJ-JGBA-0001",
    "ZJ-SGXK-0001",
}


async def test_items_are_published_per_tenant(client: httpx.AsyncClient, demo: None) -> None:
    county = (await client.get("/t/demo-county/api/v1/items")).json()
    assert {item["code"] for item in county} == ALL_DEMO_ITEMS
    by_code = {item["code"]: item for item in county}
    registration = by_code["NR-BDC-0001"]
    assert registration["department"]["name"] == "示范县自然资源局"
    assert registration["item_type_label"] == "行政确认"
    # The tenant's promise (3) overrides the plugin's (5); the statutory limit cannot change.
    assert (registration["statutory_days"], registration["promised_days"]) == (30, 3)
    homestead = by_code["NR-ZJD-0001"]
    assert [u["code"] for u in homestead["handling_units"]] == ["chengguan", "hexi"]
    assert by_code["SC-GTGS-0003"]["handling_kind_label"] == "注销"
    # The city enabled nothing: its catalogue is empty.
    assert (await client.get("/t/demo-city/api/v1/items")).json() == []


async def test_guide_has_every_element(client: httpx.AsyncClient, demo: None) -> None:
    for code in ALL_DEMO_ITEMS:
        guide = (await client.get(f"/t/demo-county/api/v1/items/{code}")).json()
        for key in ("legal_basis", "conditions", "procedure", "form_fields", "flow", "keywords"):
            assert guide[key], (code, key)
        assert guide["legal_implementer"] and guide["result_name"], code
        assert guide["fee_free"] == (not guide["fees"]), code
        assert guide["fee_free"] is False or guide["fee_free_basis"], code
        assert all(fee["basis"] and fee["standard"] for fee in guide["fees"]), code
        assert {d["kind"] for d in guide["documents"]} >= {"acceptance_notice", "rejection_notice"}
    guide = (await client.get("/t/demo-county/api/v1/items/NR-BDC-0001")).json()
    assert guide["window"]["code"] == "window-bdc"
    assert guide["local_notes"].startswith("本县承诺3个工作日")
    attorney = next(m for m in guide["materials"] if m["code"] == "power_of_attorney")
    assert attorney["required"] is False
    assert attorney["required_when"]["text"] == "“委托代理人申请”等于True"
    shared = next(m for m in guide["materials"] if m["code"] == "completion_acceptance")
    assert (shared["source"], shared["trust_level"]) == ("data_sharing", "A")
    agent = next(f for f in guide["form_fields"] if f["name"] == "agent_name")
    assert agent["visible_when"] == {
        "type": "compare",
        "field": "agent_applies",
        "op": "eq",
        "value": True,
        "other": None,
    }
    sample = await client.get(attorney and guide["materials"][0]["sample_url"])
    assert sample.status_code == 200 and sample.content.startswith(b"%PDF-")
    assert sample.headers["content-type"] == "application/pdf"
    penalty = (await client.get("/t/demo-county/api/v1/items/CG-CF-0001")).json()
    bands = penalty["discretion"][0]["bands"]
    assert [b["name"] for b in bands] == ["从重", "从轻", "一般"]
    missing = await client.get("/t/demo-county/api/v1/items/XX", headers={"accept-language": "en"})
    assert missing.status_code == 404
    assert missing.json()["detail"] == "Item 'XX' was not found or is not offered here"
    no_sample = await client.get("/t/demo-county/api/v1/items/NR-BDC-0001/samples/identity_proof")
    assert no_sample.status_code == 404


async def test_libraries_list_items_and_regulations(client: httpx.AsyncClient) -> None:
    convenience = (await client.get("/api/v1/library/items?library=convenience")).json()
    assert {i["code"] for i in convenience} == {"MZ-SYDJ-0001", "MZ-LNYD-0001", "WJ-JKZM-0001"}
    government = (await client.get("/api/v1/library/items?library=government")).json()
    assert len(government) + len(convenience) == len(ALL_DEMO_ITEMS)
    assert government[0]["plugin_version"] == "0.1.0"
    regulations = (await client.get("/api/v1/library/regulations")).json()
    road = next(r for r in regulations if r["title"] == "《城市道路管理条例》")
    assert {c["item_code"] for c in road["citations"]} == {
        "CG-CF-0001",
        "CG-ZDXK-0001",
    }


async def test_prefill_from_the_account(api: Api, demo: None) -> None:
    headers = await api.citizen()
    prefill = await api.client.get(api.t("/items/NR-ZJD-0001/prefill"), headers=headers)
    assert prefill.status_code == 200
    assert prefill.json() == {"applicant_name": "张三", "id_number": "11010519491231002X"}


class Upgraded:
    """The natural resources plugin after an upgrade: a new version with a new fee."""

    def __init__(self) -> None:
        fields = {name: getattr(FIRST_REGISTRATION, name) for name in ItemSpec.__struct_fields__}
        fee = msgspec.structs.replace(
            FIRST_REGISTRATION.fees[0], amount_fen=9000, standard="住宅类每件90元"
        )
        fees: tuple[FeeRule, ...] = (fee, *FIRST_REGISTRATION.fees[1:])
        # A test class is not a package, so it ships no sample files.
        materials = tuple(
            msgspec.structs.replace(m, sample=None) for m in FIRST_REGISTRATION.materials
        )
        self.item = ItemSpec(
            **{**fields, "version": "2027.1", "fees": fees, "materials": materials}
        )

    @hookimpl
    def govhall_items(self) -> list[ItemSpec]:
        return [self.item]


async def test_open_cases_keep_their_item_version(api: Api, demo: None, settings: Settings) -> None:
    headers = await api.citizen()
    before = await api.submit(headers)
    assert before["fee_total_fen"] == 8000 + 1000

    pm = get_plugin_manager(load_entry_points=False)
    pm.register(Upgraded(), name="natural_resources")
    upgraded = PluginRegistry(pm)
    catalog = CatalogService(upgraded)
    await catalog.publish_all()
    tenant = await resolve_tenant("demo-county")
    account = await Account.objects().where(Account.username == "zhangsan").first()
    assert account is not None
    principal = Principal(
        kind="account", id=account.id, username=account.username, name=account.name
    )
    uploads = [await api.upload(headers), await api.upload(headers)]
    receipt, *_ = await submit_application(
        tenant=tenant,
        applicant=principal,
        data=ApplicationCreate(
            item_code="NR-BDC-0001",
            form=GOOD_FORM,
            materials=[
                MaterialRef(
                    material_code="application_form", blob_id=uuid.UUID(uploads[0]["blob_id"])
                ),
                MaterialRef(
                    material_code="identity_proof", blob_id=uuid.UUID(uploads[1]["blob_id"])
                ),
            ],
        ),
        catalog=catalog,
        registry=upgraded,
        secret_key=settings.secret_key,
    )
    assert receipt.fee_total_fen == 9000 + 1000

    versions = {
        row["version"]: row["id"]
        for row in await ItemVersion.select(ItemVersion.version, ItemVersion.id).where(
            ItemVersion.code == "NR-BDC-0001"
        )
    }
    assert set(versions) == {"2026.2", "2027.1"}
    cases: dict[str, Any] = {
        row["serial_number"]: row["item_version"]
        for row in await Case.select(Case.serial_number, Case.item_version)
    }
    assert cases[before["serial_number"]] == versions["2026.2"]
    assert cases[receipt.serial_number] == versions["2027.1"]
    old = await catalog.spec_of_version(versions["2026.2"])
    assert old.version == "2026.2" and old.fees[0].amount_fen == 8000
    assert old == FIRST_REGISTRATION

    listed = (await api.client.get(api.t("/items/NR-BDC-0001/versions"))).json()
    assert {(v["version"], v["current"]) for v in listed} == {("2026.2", True), ("2027.1", False)}


async def test_catalogue_cache_follows_every_change(client: httpx.AsyncClient, demo: None) -> None:
    """The catalogue and guides are kept per process and follow the tenant's
    catalog_version, which the database's triggers raise on any change — here made
    behind the services' back, as another process or an operator's SQL would."""
    from govhall.tenancy.tables import DepartmentPlugin, ItemSetting, OrgUnit, Tenant
    from tests.web.test_query_counts import TENANT_ROW, counted

    items = "/t/demo-county/api/v1/items"
    guide = f"{items}/NR-BDC-0001"
    await client.get(items)
    await client.get(guide)
    with counted() as seen:
        assert (await client.get(items)).status_code == 200
        first_guide = (await client.get(guide)).json()
    # Warm: each request reads at most the tenant row (kept too, on PostgreSQL).
    assert len(seen) == 2 * TENANT_ROW, [sql for sql, _ in seen]
    assert first_guide["promised_days"] == 3
    assert (await client.get(guide)).json() == first_guide

    county = (
        await Tenant.select(Tenant.id, Tenant.catalog_version)
        .where(Tenant.slug == "demo-county")
        .first()
    )
    await ItemSetting.update({ItemSetting.promised_days: 2}, force=True).where(
        (ItemSetting.tenant == county["id"]) & (ItemSetting.item_code == "NR-BDC-0001")
    )
    raised = await Tenant.select(Tenant.catalog_version).where(Tenant.id == county["id"]).first()
    assert raised["catalog_version"] > county["catalog_version"]
    assert (await client.get(guide)).json()["promised_days"] == 2
    by_code = {i["code"]: i for i in (await client.get(items)).json()}
    assert by_code["NR-BDC-0001"]["promised_days"] == 2

    await OrgUnit.update({OrgUnit.name: "示范县自然资源和规划局"}, force=True).where(
        (OrgUnit.tenant == county["id"]) & (OrgUnit.code == "zrzyj")
    )
    assert (await client.get(guide)).json()["department"]["name"] == "示范县自然资源和规划局"

    rows = await DepartmentPlugin.select(DepartmentPlugin.id, DepartmentPlugin.plugin).where(
        DepartmentPlugin.tenant == county["id"]
    )
    natural = [r["id"] for r in rows if r["plugin"] == "natural_resources"]
    assert natural, rows
    await DepartmentPlugin.delete().where(DepartmentPlugin.id.is_in(natural))
    codes = {i["code"] for i in (await client.get(items)).json()}
    assert not {"NR-BDC-0001", "NR-ZJD-0001"} & codes
    assert (await client.get(guide)).status_code == 404
    # Another tenant's changes leave this one's cache alone, and vice versa.
    assert (await client.get("/t/demo-city/api/v1/items")).json() == []


async def test_catalogue_without_a_version_is_never_cached(
    registry: PluginRegistry, demo: None
) -> None:
    catalog = CatalogService(registry)
    tenant = msgspec.structs.replace(await resolve_tenant("demo-county"), catalog_version=None)
    first = await catalog.tenant_items(tenant)
    assert first
    assert await catalog.tenant_items(tenant) is not first
    assert not catalog._cached
