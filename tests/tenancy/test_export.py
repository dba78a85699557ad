"""``govhall tenant apply --dry-run`` plans without changing anything, and ``govhall
tenant export`` writes the live configuration back: applying the export changes
nothing, and on a fresh database it reproduces the same tenant."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from govhall.identity.tables import Staff
from govhall.plugins import PluginRegistry
from govhall.settings import REPO_ROOT
from govhall.tenancy.export import export_manifest, write_manifest
from govhall.tenancy.schemas import TenantManifest
from govhall.tenancy.services import ManifestError, apply_manifest, load_manifest
from govhall.tenancy.tables import OrgUnit, Tenant
from tests.e2e.processes import clean_env

TENANTS = REPO_ROOT / "tenants"


def _shape(manifest: TenantManifest) -> dict[str, object]:
    """What a manifest declares, order-free (the export lists units parents-first by path)."""
    return {
        "tenant": (
            manifest.slug,
            manifest.name,
            manifest.level,
            manifest.parent,
            manifest.division_code,
            manifest.domain,
            manifest.branding,
        ),
        "units": sorted(
            (
                u.code,
                u.name,
                u.name_en,
                u.kind,
                u.parent,
                tuple(sorted(u.plugins)),
                tuple(sorted(u.items)),
            )
            for u in manifest.org_units
        ),
        "settings": sorted(
            (s.item, s.promised_days, s.window, s.place, s.notes) for s in manifest.item_settings
        ),
        "staff": sorted(
            (p.username, p.name, tuple(sorted((r.role, r.org_unit) for r in p.roles)))
            for p in manifest.staff
        ),
        "articles": sorted(
            (a.key, a.kind, a.title, a.body, a.published_on) for a in manifest.articles
        ),
    }


async def _demo(registry: PluginRegistry) -> None:
    for slug in ("demo-province", "demo-city", "demo-county"):
        await apply_manifest(load_manifest(TENANTS / slug), registry, "demo-pass-1")


async def test_a_dry_run_plans_and_changes_nothing(registry: PluginRegistry) -> None:
    for slug in ("demo-province", "demo-city"):
        await apply_manifest(load_manifest(TENANTS / slug), registry, "demo-pass-1")
    planned = await apply_manifest(
        load_manifest(TENANTS / "demo-county"), registry, "demo-pass-1", dry_run=True
    )
    assert "create tenant demo-county" in planned.changes
    assert "create staff clerk" in planned.changes
    assert await Tenant.count().where(Tenant.slug == "demo-county") == 0
    assert await Staff.count() == 0
    done = await apply_manifest(load_manifest(TENANTS / "demo-county"), registry, "demo-pass-1")
    assert done.changes == planned.changes


async def test_the_export_applies_as_no_change_and_declares_the_same(
    registry: PluginRegistry, tmp_path: Path
) -> None:
    await _demo(registry)
    # What an admin changed in a console is in the export.
    await OrgUnit.update({OrgUnit.name: "大湾村（新）"}).where(OrgUnit.code == "hexi-dawan")
    manifest, files = await export_manifest("demo-county")
    write_manifest(tmp_path / "export", manifest, files, "test")
    exported = load_manifest(tmp_path / "export")
    again = await apply_manifest(exported, registry, "demo-pass-1", dry_run=True)
    assert again.changes == []
    original = load_manifest(TENANTS / "demo-county")
    shape, expected = _shape(exported), _shape(original)
    assert ("hexi-dawan", "大湾村（新）") in {(u[0], u[1]) for u in shape["units"]}  # type: ignore[attr-defined]
    assert shape["staff"] == expected["staff"]
    assert shape["settings"] == expected["settings"]
    assert shape["articles"] == expected["articles"]
    assert shape["tenant"] == expected["tenant"]  # the logo comes back byte for byte


async def test_a_domain_already_taken_is_refused_naming_the_other_tenant(
    registry: PluginRegistry,
) -> None:
    await _demo(registry)
    city = load_manifest(TENANTS / "demo-city")
    taken = TenantManifest(
        **{
            **{f: getattr(city, f) for f in city.__struct_fields__},
            "domain": "ZWFW.shifan.example.gov.cn",
        }
    )
    with pytest.raises(ManifestError) as refused:
        await apply_manifest(taken, registry, "x")
    assert refused.value.params["other"] == "demo-county"
    assert (await Tenant.select(Tenant.domain).where(Tenant.slug == "demo-city").first())[
        "domain"
    ] is None  # type: ignore[index]


def _govhall(args: list[str], database: Path, cwd: Path) -> str:
    env = {
        **clean_env(),
        "GOVHALL_DATABASE_URL": f"sqlite:///{database}",
        "GOVHALL_DEMO_PASSWORD": "demo-pass-1",
        "PYTHONPATH": os.pathsep.join(sys.path),
    }
    done = subprocess.run(
        [sys.executable, "-m", "govhall", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_export_then_apply_on_a_fresh_database_reproduces_the_tenant(tmp_path: Path) -> None:
    parents = [str(TENANTS / "demo-province"), str(TENANTS / "demo-city")]
    first, second = tmp_path / "first.db", tmp_path / "second.db"
    for database in (first, second):
        _govhall(["migrate"], database, tmp_path)
    _govhall(["tenant", "apply", *parents, str(TENANTS / "demo-county")], first, tmp_path)
    _govhall(["tenant", "export", "demo-county", "--out", str(tmp_path / "one")], first, tmp_path)
    plan = _govhall(
        ["tenant", "apply", "--dry-run", *parents, str(tmp_path / "one")], second, tmp_path
    )
    assert "create tenant demo-county" in plan
    _govhall(["tenant", "apply", *parents, str(tmp_path / "one")], second, tmp_path)
    _govhall(["tenant", "export", "demo-county", "--out", str(tmp_path / "two")], second, tmp_path)
    one = (tmp_path / "one" / "tenant.toml").read_text(encoding="utf-8").split("\n", 1)[1]
    two = (tmp_path / "two" / "tenant.toml").read_text(encoding="utf-8").split("\n", 1)[1]
    assert one == two
    assert (tmp_path / "one" / "logo.svg").read_bytes() == (
        tmp_path / "two" / "logo.svg"
    ).read_bytes()
    again = _govhall(["tenant", "apply", str(tmp_path / "two")], second, tmp_path)
    assert "demo-county: no change" in again


async def test_both_demo_counties_apply_with_villages_and_again_change_nothing(
    registry: PluginRegistry,
) -> None:
    await _demo(registry)
    first = await apply_manifest(load_manifest(TENANTS / "sample-county"), registry, "demo-pass-1")
    assert "create tenant sample-county" in first.changes
    again = await apply_manifest(load_manifest(TENANTS / "sample-county"), registry, "demo-pass-1")
    assert again.changes == []
    sample = await Tenant.select(Tenant.id).where(Tenant.slug == "sample-county").first()
    assert sample is not None
    kinds = [
        r["kind"] for r in await OrgUnit.select(OrgUnit.kind).where(OrgUnit.tenant == sample["id"])
    ]
    assert kinds.count("town") == 3 and kinds.count("village") == 8
    assert {"office", "window", "group"} <= set(kinds)
    villages = await OrgUnit.select(OrgUnit.path).where(
        (OrgUnit.tenant == sample["id"]) & (OrgUnit.kind == "village")
    )
    assert all(r["path"].count("/") == 4 for r in villages)  # centre / town / village
