"""``govhall tenant export``: a tenant's live configuration written back as a manifest
(``tenant.toml`` and its logo file), so what admins changed in the consoles is
recorded and can be applied to another database with the same result (R-T2).

What a manifest holds comes back: the tenant, its branding, the org tree (parents
first), plugin and item enablement, local item settings, staff with their roles,
and the articles that have a key. Passwords, cases and uploads are data, not
configuration, and stay where they are.
"""

from __future__ import annotations

import base64
import re
from datetime import date
from pathlib import Path
from typing import Any, Literal, cast

import msgspec
import tomli_w

from govhall.i18n import N_
from govhall.identity.tables import Role, RoleGrant, Staff
from govhall.portal.tables import Article
from govhall.tenancy.schemas import (
    ArticleDecl,
    Branding,
    ItemSettingDecl,
    OrgUnitDecl,
    RoleDecl,
    StaffDecl,
    TenantManifest,
    TenantRoleDecl,
)
from govhall.tenancy.services import MANIFEST_NAME, ManifestError
from govhall.tenancy.tables import DepartmentPlugin, ItemSetting, OrgUnit, Tenant

_DATA_URI = re.compile(r"^data:image/(svg\+xml|png|jpeg);base64,(.+)$", re.S)
_EXTENSIONS = {"svg+xml": "svg", "png": "png", "jpeg": "jpg"}


async def export_manifest(slug: str) -> tuple[TenantManifest, dict[str, bytes]]:
    """The tenant's manifest and the files beside it (its logo), by file name."""
    tenant = await Tenant.objects().output(load_json=True).where(Tenant.slug == slug).first()
    if tenant is None:
        raise ManifestError(N_("找不到租户 {slug}"), slug=slug)
    parent = (
        await Tenant.select(Tenant.slug).where(Tenant.id == tenant.parent).first()
        if tenant.parent
        else None
    )
    files: dict[str, bytes] = {}
    branding: dict[str, Any] = cast(dict[str, Any], tenant.branding or {})
    logo = str(branding.get("logo") or "")
    found = _DATA_URI.match(logo)
    branding = dict(branding)
    if found:
        name = f"logo.{_EXTENSIONS[found.group(1)]}"
        files[name] = base64.b64decode(found.group(2))
        branding["logo"] = name
    manifest = TenantManifest(
        slug=tenant.slug,
        name=tenant.name,
        name_en=tenant.name_en,
        level=cast(Literal["province", "city", "county"], tenant.level),
        parent=parent["slug"] if parent else None,
        division_code=tenant.division_code,
        locale=tenant.locale,
        time_zone=tenant.time_zone,
        holiday_calendar=tenant.holiday_calendar,
        domain=tenant.domain,
        serial_format=tenant.serial_format,
        branding=msgspec.convert(branding, Branding),
        org_units=await _units(tenant.id),
        item_settings=await _settings(tenant.id),
        roles=await _roles(tenant.id),
        staff=await _staff(tenant.id),
        articles=await _articles(tenant.id),
    )
    return manifest, files


async def _units(tenant_id: Any) -> list[OrgUnitDecl]:
    rows = (
        await OrgUnit.select()
        .where(OrgUnit.tenant == tenant_id)
        # A unit's path extends its parent's, so ordering by path puts parents first.
        .order_by(OrgUnit.path)
    )
    codes = {r["id"]: r["code"] for r in rows}
    enabled: dict[Any, list[tuple[str, list[str]]]] = {}
    for row in (
        await DepartmentPlugin.select()
        .output(load_json=True)
        .where(DepartmentPlugin.tenant == tenant_id)
    ):
        enabled.setdefault(row["department"], []).append((row["plugin"], row["items"] or []))
    units = []
    for row in rows:
        plugins = sorted(plugin for plugin, items in enabled.get(row["id"], []) if not items)
        items = sorted(code for _, listed in enabled.get(row["id"], []) for code in listed)
        units.append(
            OrgUnitDecl(
                code=row["code"],
                name=row["name"],
                name_en=row["name_en"],
                kind=row["kind"],
                parent=codes.get(row["parent"]),
                plugins=plugins,
                items=items,
            )
        )
    return units


async def _settings(tenant_id: Any) -> list[ItemSettingDecl]:
    rows = (
        await ItemSetting.select()
        .where(ItemSetting.tenant == tenant_id)
        .order_by(ItemSetting.item_code)
    )
    return [
        ItemSettingDecl(
            item=r["item_code"],
            promised_days=r["promised_days"],
            window=r["window"],
            place=r["place"],
            hours=r["hours"],
            consultation_phone=r["consultation_phone"],
            complaint_phone=r["complaint_phone"],
            notes=r["notes"],
        )
        for r in rows
    ]


async def _roles(tenant_id: Any) -> list[TenantRoleDecl]:
    rows = (
        await Role.select(Role.code, Role.name, Role.name_en, Role.functions, Role.org_unit.code)
        .output(load_json=True)
        .where(Role.tenant == tenant_id)
        .order_by(Role.code)
    )
    return [
        TenantRoleDecl(
            code=r["code"],
            name=r["name"],
            name_en=r["name_en"],
            functions=sorted(r["functions"] or []),
            org_unit=r["org_unit.code"],
        )
        for r in rows
    ]


async def _staff(tenant_id: Any) -> list[StaffDecl]:
    people = (
        await Staff.select(Staff.id, Staff.username, Staff.name)
        .where(Staff.tenant == tenant_id)
        .order_by(Staff.username)
    )
    grants: dict[Any, list[RoleDecl]] = {}
    for row in await RoleGrant.select(
        RoleGrant.staff, RoleGrant.role, RoleGrant.org_unit.code, RoleGrant.position
    ).where(RoleGrant.tenant == tenant_id):
        grants.setdefault(row["staff"], []).append(
            RoleDecl(role=row["role"], org_unit=row["org_unit.code"], position=row["position"])
        )
    return [
        StaffDecl(
            username=p["username"],
            name=p["name"],
            roles=sorted(grants.get(p["id"], []), key=lambda g: (g.org_unit, g.role, g.position)),
        )
        for p in people
    ]


async def _articles(tenant_id: Any) -> list[ArticleDecl]:
    rows = (
        await Article.select()
        .where((Article.tenant == tenant_id) & (Article.key != ""))
        .order_by(Article.key)
    )
    fields = set(ArticleDecl.__struct_fields__)
    return [ArticleDecl(**{k: v for k, v in r.items() if k in fields}) for r in rows]


def toml_text(value: Any) -> str:
    """A declaration (a manifest, a flow) as TOML, leaving out empty and default-false
    fields so that versions diff readably."""
    return tomli_w.dumps(_pruned(msgspec.to_builtins(value, builtin_types=(date,))))


def manifest_toml(manifest: TenantManifest, header: str = "") -> str:
    """The manifest as TOML, leaving out what equals the defaults (readable diffs)."""
    return (f"# {header}\n" if header else "") + toml_text(manifest)


def _empty(value: Any) -> bool:
    # Compared by kind: a promised limit of 0 days is a value, not an empty field.
    return (
        value is None
        or value is False
        or (isinstance(value, str | list | tuple | dict) and not value)
    )


def _pruned(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _pruned(v) for k, v in value.items() if not _empty(v)}
    if isinstance(value, list | tuple):
        return [_pruned(v) for v in value]
    return value


def write_manifest(
    folder: Path, manifest: TenantManifest, files: dict[str, bytes], header: str
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).write_bytes(content)
    path = folder / MANIFEST_NAME
    path.write_text(manifest_toml(manifest, header), encoding="utf-8")
    return path
