"""Tenant manifests: apply, idempotence, and refusals."""

from __future__ import annotations

from pathlib import Path

import httpx
import msgspec
import pytest

from govhall.identity.passwords import verify_password
from govhall.identity.tables import RoleGrant, Staff
from govhall.plugins import PluginRegistry
from govhall.settings import REPO_ROOT
from govhall.tenancy.schemas import TenantManifest
from govhall.tenancy.services import ManifestError, apply_manifest, load_manifest
from govhall.tenancy.tables import DepartmentPlugin, ItemSetting, OrgUnit, Tenant

TENANTS = REPO_ROOT / "tenants"


async def _apply(slug: str, registry: PluginRegistry, password: str = "demo-pass-1") -> list[str]:
    result = await apply_manifest(load_manifest(TENANTS / slug), registry, password)
    return result.changes


async def test_apply_demo_tree_then_again_is_no_change(registry: PluginRegistry) -> None:
    for slug in ("demo-province", "demo-city"):
        await _apply(slug, registry)
    changes = await _apply("demo-county", registry)
    assert "create tenant demo-county" in changes
    assert "enable natural_resources (NR-BDC-0001) for zrzyj" in changes
    assert "enable market_regulation for scjgj" in changes
    assert "enable natural_resources (NR-ZJD-0001) for hexi" in changes
    assert "set local settings of item NR-BDC-0001" in changes
    assert await _apply("demo-county", registry) == []
    county = await Tenant.objects().where(Tenant.slug == "demo-county").first()
    city = await Tenant.objects().where(Tenant.slug == "demo-city").first()
    assert county is not None and city is not None and county.parent == city.id
    village = await OrgUnit.objects().where(OrgUnit.code == "chengguan-renmin").first()
    assert village is not None and village.path == "/centre/chengguan/chengguan-renmin/"
    clerk = await Staff.objects().where(Staff.username == "clerk").first()
    assert clerk is not None and verify_password(clerk.password_hash, "demo-pass-1")
    assert await RoleGrant.count().where(RoleGrant.staff == clerk.id) == 1


async def test_manifest_changes_are_applied(registry: PluginRegistry, tmp_path: Path) -> None:
    for slug in ("demo-province", "demo-city", "demo-county"):
        await _apply(slug, registry)
    manifest = load_manifest(TENANTS / "demo-county")
    manifest.name = "示范县人民政府（新）"
    assert manifest.org_units[1].code == "zrzyj"
    manifest.org_units[1].items = []
    manifest.item_settings = [s for s in manifest.item_settings if s.item != "NR-BDC-0001"]
    manifest.item_settings[0].hours = "周一至周六"
    changes = (await apply_manifest(manifest, registry, "x")).changes
    assert any(c.startswith("update tenant demo-county: name") for c in changes)
    assert "disable plugin natural_resources for zrzyj" in changes
    assert "remove local settings of item NR-BDC-0001" in changes
    assert "update local settings of item SC-GTGS-0001: hours" in changes
    zrzyj = await OrgUnit.objects().where(OrgUnit.code == "zrzyj").first()
    assert zrzyj is not None
    assert await DepartmentPlugin.count().where(DepartmentPlugin.department == zrzyj.id) == 0
    assert await ItemSetting.count().where(ItemSetting.item_code == "NR-BDC-0001") == 0


async def test_missing_parent_is_refused(registry: PluginRegistry) -> None:
    with pytest.raises(ManifestError) as error:
        await _apply("demo-county", registry)
    assert error.value.params["parent"] == "demo-city"
    assert await Tenant.count() == 0


def _manifest(**changes: object) -> TenantManifest:
    data = msgspec.to_builtins(load_manifest(TENANTS / "demo-county"))
    data.update(changes)
    return msgspec.convert(data, TenantManifest)


@pytest.mark.parametrize(
    ("changes", "needle"),
    [
        ({"division_code": "99"}, "division_code"),
        ({"slug": "Bad Slug"}, "slug"),
        (
            {
                "org_units": [
                    {"code": "a", "name": "A", "kind": "centre"},
                    {"code": "b", "name": "B", "kind": "department", "parent": "zz"},
                ],
                "staff": [],
            },
            "unknown parent",
        ),
        (
            {
                "org_units": [
                    {"code": "a", "name": "A", "kind": "centre"},
                    {
                        "code": "b",
                        "name": "B",
                        "kind": "department",
                        "parent": "a",
                        "plugins": ["no_such_plugin"],
                    },
                ],
                "staff": [],
            },
            "not installed",
        ),
        ({"org_units": [{"code": "a_b", "name": "A", "kind": "centre"}], "staff": []}, "a_b"),
        (
            {"item_settings": [{"item": "NR-BDC-0001", "promised_days": 31}]},
            "promised_days 31 must be between 0 and the statutory limit 30",
        ),
        (
            {"item_settings": [{"item": "NR-BDC-0001", "window": "zrzyj"}]},
            "window 'zrzyj' is not a window",
        ),
        (
            {"item_settings": [{"item": "NO-SUCH-1"}]},
            "not enabled by any org unit",
        ),
        (
            {
                "org_units": [
                    {"code": "a", "name": "A", "kind": "centre"},
                    {
                        "code": "w",
                        "name": "W",
                        "kind": "window",
                        "parent": "a",
                        "items": ["NR-BDC-0001"],
                    },
                    {
                        "code": "d",
                        "name": "D",
                        "kind": "department",
                        "parent": "a",
                        "items": ["XX-1"],
                    },
                    {
                        "code": "e",
                        "name": "E",
                        "kind": "department",
                        "parent": "a",
                        "plugins": ["health"],
                        "items": ["WJ-GGCS-0001"],
                    },
                ],
                "staff": [],
                "item_settings": [],
            },
            "only departments, towns and villages enable items, 'w' is a window; "
            "org unit 'd' enables unknown item 'XX-1'; "
            "org unit 'e' lists item 'WJ-GGCS-0001' although it enables its plugin 'health' wholly",
        ),
        (
            {"serial_format": "{yyyy}{seq:6}"},
            "serial_format '{yyyy}{seq:6}': The format needs exactly one division code",
        ),
        (
            {"roles": [{"code": "clerk", "name": "X", "functions": ["clerk"], "org_unit": "hexi"}]},
            "role 'clerk': a code is 2-32 lowercase letters",
        ),
        (
            {"roles": [{"code": "mix", "name": "X", "functions": ["flying"], "org_unit": "hexi"}]},
            "role 'mix': unknown functions ['flying']",
        ),
        (
            {
                "staff": [
                    {
                        "username": "x",
                        "name": "X",
                        "roles": [{"role": "boss", "org_unit": "centre"}],
                    }
                ]
            },
            "staff 'x' has unknown role 'boss'",
        ),
        (
            {
                "roles": [
                    {"code": "town_window", "name": "X", "functions": ["clerk"], "org_unit": "hexi"}
                ],
                "staff": [
                    {
                        "username": "x",
                        "name": "X",
                        "roles": [{"role": "town_window", "org_unit": "chengguan"}],
                    }
                ],
            },
            "role 'town_window' is grantable only at 'hexi' and below, not at 'chengguan'",
        ),
    ],
)
async def test_bad_manifests_are_refused(
    registry: PluginRegistry, changes: dict[str, object], needle: str
) -> None:
    with pytest.raises(ManifestError) as error:
        await apply_manifest(_manifest(**changes), registry, "x")
    assert needle in error.value.params["detail"]
    assert await Tenant.count() == 0


def test_unreadable_manifest(tmp_path: Path) -> None:
    (tmp_path / "tenant.toml").write_text('slug = "x"\nunknown_key = 1\n', encoding="utf-8")
    with pytest.raises(ManifestError):
        load_manifest(tmp_path)
    with pytest.raises(ManifestError):
        load_manifest(tmp_path / "missing")


async def test_unknown_and_suspended_tenants(client: httpx.AsyncClient, demo: None) -> None:
    missing = await client.get("/t/nowhere/api/v1/items")
    assert missing.status_code == 404 and missing.json()["code"] == "tenant_not_found"
    await Tenant.update({Tenant.status: "suspended"}).where(Tenant.slug == "demo-county")
    suspended = await client.get("/t/demo-county/api/v1/items")
    assert suspended.status_code == 503
    assert "暂停服务" in suspended.json()["detail"]
