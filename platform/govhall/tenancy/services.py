"""Tenant onboarding from manifests, and tenant lookup for requests."""

from __future__ import annotations

import base64
import re
import uuid
from pathlib import Path
from typing import Any

import msgspec

from govhall import db
from govhall.cases.serials import DEFAULT_FORMAT, parse_format
from govhall.errors import GovhallError, InvalidInput, NotFound, Unavailable
from govhall.i18n import N_, translate
from govhall.identity.passwords import initial_password
from govhall.identity.services import forget_grants, provision_staff
from govhall.identity.tables import Role
from govhall.plugins import PluginRegistry
from govhall.portal.articles import apply_declarations, check_declarations
from govhall.tenancy.schemas import (
    LEVELS,
    ApplyResult,
    TenantInfo,
    TenantManifest,
)
from govhall.tenancy.tables import DepartmentPlugin, ItemSetting, OrgUnit, Tenant
from govhall.workflow.labels import ROLE_LABELS

MANIFEST_NAME = "tenant.toml"
#: Org-unit kinds that may enable items: county departments, and towns and villages
#: for items handled at their level (e.g. 农村宅基地建房 at the town).
HANDLING_UNIT_KINDS = ("department", "town", "village")
_SLUG = re.compile(r"^[a-z][a-z0-9-]{1,62}$")
# No "_" or "%": codes form materialised paths matched with LIKE 'path%' in scope checks.
_CODE = re.compile(r"^[A-Za-z0-9-]{1,64}$")
#: A tenant role's code (identity.roles checks the API's with it too).
ROLE_CODE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")


class ManifestError(GovhallError):
    status_code = 422
    default_code = "invalid_manifest"


def load_manifest(path: Path) -> TenantManifest:
    """Read ``path`` (a tenant folder or its ``tenant.toml``) and decode it strictly."""
    file = path / MANIFEST_NAME if path.is_dir() else path
    if not file.exists():
        raise ManifestError(N_("找不到租户清单文件：{path}"), path=str(file))
    try:
        manifest = msgspec.toml.decode(file.read_bytes(), type=TenantManifest)
    except msgspec.DecodeError as exc:
        raise ManifestError(
            N_("租户清单 {path} 有误：{detail}"), path=str(file), detail=str(exc)
        ) from exc
    logo = manifest.branding.logo
    if logo and not logo.startswith("data:"):
        manifest.branding.logo = _logo_data_uri(file.parent / logo, file)
    return manifest


LOGO_TYPES = {".svg": "image/svg+xml", ".png": "image/png"}
LOGO_MAX_BYTES = 100 * 1024


def _logo_data_uri(path: Path, manifest_file: Path) -> str:
    """The logo inline (a data: URI in the branding): small, cached with each page,
    and no file store needed to show it. Shown in an <img>, so an SVG's scripts never run."""
    kind = LOGO_TYPES.get(path.suffix.lower())
    problem = ""
    if kind is None:
        problem = "branding.logo must be an .svg or .png file"
    elif not path.is_file():
        problem = f"branding.logo: no file {path.name}"
    elif path.stat().st_size > LOGO_MAX_BYTES:
        problem = f"branding.logo: {path.name} is larger than {LOGO_MAX_BYTES // 1024} KB"
    if problem:
        raise ManifestError(
            N_("租户清单 {path} 有误：{detail}"), path=str(manifest_file), detail=problem
        )
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode()}"


def check_manifest(manifest: TenantManifest, registry: PluginRegistry) -> list[str]:
    problems: list[str] = []
    if not _SLUG.match(manifest.slug):
        problems.append(f"slug {manifest.slug!r} must be lowercase letters, digits and '-'")
    if not re.fullmatch(r"\d{6}", manifest.division_code):
        problems.append(f"division_code {manifest.division_code!r} must be 6 digits")
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", manifest.branding.primary_color):
        problems.append(
            f"branding.primary_color {manifest.branding.primary_color!r} must be #rrggbb"
        )
    if manifest.level != "province" and not manifest.parent:
        problems.append(f"a {manifest.level} tenant needs a parent tenant")
    try:
        parse_format(manifest.serial_format)
    except InvalidInput as exc:
        reason = "; ".join(translate(e.message, "en", **e.params) for e in exc.errors)
        problems.append(f"serial_format {manifest.serial_format!r}: {reason}")
    codes = [unit.code for unit in manifest.org_units]
    if len(set(codes)) != len(codes):
        problems.append("org unit codes repeat")
    roots = [unit for unit in manifest.org_units if unit.parent is None]
    if manifest.org_units and len(roots) != 1:
        problems.append("exactly one org unit (the service centre) must have no parent")
    known = set(codes)
    available = set(registry.plugin_names())
    for unit in manifest.org_units:
        if not _CODE.match(unit.code):
            problems.append(f"org unit code {unit.code!r} may only hold letters, digits and -")
        if unit.parent is not None and unit.parent not in known:
            problems.append(f"org unit {unit.code!r} names unknown parent {unit.parent!r}")
        for plugin in unit.plugins:
            if plugin not in available:
                problems.append(
                    f"org unit {unit.code!r} enables plugin {plugin!r}, which is "
                    f"not installed (installed: {sorted(available)})"
                )
        for code in unit.items:
            installed = registry.items.get(code)
            if installed is None:
                problems.append(f"org unit {unit.code!r} enables unknown item {code!r}")
            elif installed.plugin in unit.plugins:
                problems.append(
                    f"org unit {unit.code!r} lists item {code!r} although it enables its "
                    f"plugin {installed.plugin!r} wholly"
                )
        if (unit.plugins or unit.items) and unit.kind not in HANDLING_UNIT_KINDS:
            problems.append(
                f"only departments, towns and villages enable items, {unit.code!r} is a {unit.kind}"
            )
    enabled_codes = {
        item.spec.code
        for unit in manifest.org_units
        for item in registry.items_of(set(unit.plugins))
    } | {code for unit in manifest.org_units for code in unit.items}
    windows = {unit.code for unit in manifest.org_units if unit.kind == "window"}
    seen_settings: set[str] = set()
    for setting in manifest.item_settings:
        where = f"item setting {setting.item!r}"
        installed = registry.items.get(setting.item)
        if setting.item in seen_settings:
            problems.append(f"{where} is given twice")
        seen_settings.add(setting.item)
        if installed is None or setting.item not in enabled_codes:
            problems.append(f"{where}: the item is not enabled by any org unit of this tenant")
            continue
        statutory = installed.spec.statutory_days
        if setting.promised_days is not None and not 0 <= setting.promised_days <= statutory:
            problems.append(
                f"{where}: promised_days {setting.promised_days} must be between 0 and the "
                f"statutory limit {statutory}"
            )
        if setting.window and setting.window not in windows:
            problems.append(f"{where}: window {setting.window!r} is not a window org unit")
    role_units: dict[str, str] = {}
    for role in manifest.roles:
        where = f"role {role.code!r}"
        if not ROLE_CODE.match(role.code) or role.code in ROLE_LABELS:
            problems.append(
                f"{where}: a code is 2-32 lowercase letters, digits or _, starting with a "
                "letter, and not a built-in function"
            )
        if role.code in role_units:
            problems.append(f"{where} is given twice")
        role_units[role.code] = role.org_unit
        if not role.name.strip():
            problems.append(f"{where} needs a name")
        unknown = sorted(set(role.functions) - set(ROLE_LABELS)) or (
            ["(none)"] if not role.functions else []
        )
        if unknown:
            problems.append(f"{where}: unknown functions {unknown} (known: {sorted(ROLE_LABELS)})")
        if role.org_unit not in known:
            problems.append(f"{where} belongs to unknown org unit {role.org_unit!r}")
    parents = {unit.code: unit.parent for unit in manifest.org_units}
    for person in manifest.staff:
        for grant in person.roles:
            where = f"staff {person.username!r}"
            if grant.org_unit not in known:
                problems.append(f"{where} has a role on unknown org unit {grant.org_unit!r}")
            if len(grant.position) > 32:
                problems.append(f"{where}: position {grant.position!r} is over 32 characters")
            if grant.role not in ROLE_LABELS and grant.role not in role_units:
                problems.append(
                    f"{where} has unknown role {grant.role!r} (a function, or a code in [[roles]])"
                )
            elif grant.role in role_units and not _within(
                grant.org_unit, role_units[grant.role], parents
            ):
                problems.append(
                    f"{where}: role {grant.role!r} is grantable only at "
                    f"{role_units[grant.role]!r} and below, not at {grant.org_unit!r}"
                )
    problems += check_declarations(manifest.articles)
    return problems


def _within(code: str, ancestor: str, parents: dict[str, str | None]) -> bool:
    """Whether unit ``code`` is ``ancestor`` or below it (bounded: cycles are refused
    elsewhere)."""
    current: str | None = code
    for _ in range(len(parents) + 1):
        if current is None:
            return False
        if current == ancestor:
            return True
        current = parents.get(current)
    return False


def _ordered_units(manifest: TenantManifest) -> list[str]:
    """Unit codes with every parent before its children (refuses cycles)."""
    by_code = {unit.code: unit for unit in manifest.org_units}
    ordered: list[str] = []
    state: dict[str, int] = {}

    def visit(code: str) -> None:
        if state.get(code) == 2:
            return
        if state.get(code) == 1:
            raise ManifestError(N_("组织机构存在循环上下级关系：{unit}"), unit=code)
        state[code] = 1
        parent = by_code[code].parent
        if parent:
            visit(parent)
        state[code] = 2
        ordered.append(code)

    for code in by_code:
        visit(code)
    return ordered


class _DryRun(Exception):
    """Raised at the end of a dry run so that its transaction rolls back."""


async def apply_manifest(
    manifest: TenantManifest,
    registry: PluginRegistry,
    demo_password: str,
    *,
    dry_run: bool = False,
) -> ApplyResult:
    """Create or update a tenant so that it matches ``manifest``, all in one transaction.
    Applying twice changes nothing the second time; the result lists what changed.
    ``dry_run`` works out exactly the same plan, then rolls everything back."""
    if dry_run:
        return (await plan_manifests([manifest], registry, demo_password))[0]
    async with db.transaction():
        return await _apply(manifest, registry, demo_password)


async def plan_manifests(
    manifests: list[TenantManifest], registry: PluginRegistry, demo_password: str
) -> list[ApplyResult]:
    """What applying ``manifests`` in order would change (a parent planned first is seen
    by its children), worked out by applying them in one transaction rolled back."""
    plan: list[ApplyResult] = []
    try:
        async with db.transaction():
            for manifest in manifests:
                result = await _apply(manifest, registry, demo_password)
                plan.append(
                    ApplyResult(tenant=result.tenant, changes=result.changes, new_passwords={})
                )
            raise _DryRun
    except _DryRun:
        return plan


async def _apply(
    manifest: TenantManifest, registry: PluginRegistry, demo_password: str
) -> ApplyResult:
    problems = check_manifest(manifest, registry)
    if problems:
        raise ManifestError(
            N_("租户清单 {slug} 有误：{detail}"), slug=manifest.slug, detail="; ".join(problems)
        )
    changes: list[str] = []
    new_passwords: dict[str, str] = {}
    if manifest.domain:
        taken = (
            await Tenant.select(Tenant.slug)
            .where((Tenant.domain == manifest.domain.lower()) & (Tenant.slug != manifest.slug))
            .first()
        )
        if taken:
            raise ManifestError(
                N_("域名 {domain} 已由租户 {other} 使用"),
                domain=manifest.domain,
                other=taken["slug"],
            )
    parent_id = None
    if manifest.parent:
        parent = await Tenant.objects().where(Tenant.slug == manifest.parent).first()
        if parent is None:
            raise ManifestError(
                N_("上级租户 {parent} 尚未创建，请先应用它的清单"), parent=manifest.parent
            )
        if LEVELS.index(parent.level) >= LEVELS.index(manifest.level):
            raise ManifestError(
                N_("上级租户 {parent} 的层级必须高于 {level}"),
                parent=manifest.parent,
                level=manifest.level,
            )
        parent_id = parent.id
    values = {
        "name": manifest.name,
        "name_en": manifest.name_en,
        "level": manifest.level,
        "parent": parent_id,
        "division_code": manifest.division_code,
        "locale": manifest.locale,
        "time_zone": manifest.time_zone,
        "holiday_calendar": manifest.holiday_calendar,
        "branding": msgspec.to_builtins(manifest.branding),
        "domain": manifest.domain.lower() if manifest.domain else None,
        "serial_format": _stored_format(manifest.serial_format),
    }
    tenant = (
        await Tenant.objects().output(load_json=True).where(Tenant.slug == manifest.slug).first()
    )
    if tenant is None:
        tenant = Tenant(slug=manifest.slug, **values)
        await tenant.save()
        changes.append(f"create tenant {manifest.slug}")
    else:
        differing = [k for k, v in values.items() if not _same(getattr(tenant, k), v)]
        if differing:
            for key in differing:
                setattr(tenant, key, values[key])
            await tenant.save()
            changes.append(f"update tenant {manifest.slug}: {', '.join(differing)}")

    by_code = {unit.code: unit for unit in manifest.org_units}
    unit_ids: dict[str, Any] = {}
    unit_paths: dict[str, str] = {}
    for code in _ordered_units(manifest):
        decl = by_code[code]
        parent_path = unit_paths[decl.parent] if decl.parent else "/"
        path = f"{parent_path}{code}/"
        wanted: dict[str, Any] = {
            "kind": decl.kind,
            "name": decl.name,
            "name_en": decl.name_en,
            "parent": unit_ids[decl.parent] if decl.parent else None,
            "path": path,
        }
        unit = (
            await OrgUnit.objects()
            .where((OrgUnit.tenant == tenant.id) & (OrgUnit.code == code))
            .first()
        )
        if unit is None:
            unit = OrgUnit(tenant=tenant.id, code=code)
            for key, value in wanted.items():
                setattr(unit, key, value)
            await unit.save()
            changes.append(f"create org unit {code}")
        else:
            differing = [k for k, v in wanted.items() if getattr(unit, k) != v]
            if differing:
                for key in differing:
                    setattr(unit, key, wanted[key])
                await unit.save()
                changes.append(f"update org unit {code}: {', '.join(differing)}")
        unit_ids[code] = unit.id
        unit_paths[code] = path

    changes += await _apply_enablement(tenant.id, manifest, unit_ids, registry)
    changes += await _apply_item_settings(tenant.id, manifest)
    changes += await apply_declarations(tenant.id, manifest.articles)

    changes += await _apply_roles(tenant.id, manifest, unit_ids)
    for person in manifest.staff:
        password = demo_password if manifest.demo else initial_password()
        roles = [(g.role, unit_ids[g.org_unit], g.position) for g in person.roles]
        done = await provision_staff(tenant.id, person.username, person.name, password, roles)
        if done == "created":
            changes.append(f"create staff {person.username}")
            if not manifest.demo:
                new_passwords[person.username] = password
        elif done:
            changes.append(f"update staff {person.username}: name or roles")
    return ApplyResult(tenant=manifest.slug, changes=changes, new_passwords=new_passwords)


async def _apply_enablement(
    tenant_id: Any, manifest: TenantManifest, unit_ids: dict[str, Any], registry: PluginRegistry
) -> list[str]:
    changes: list[str] = []
    wanted: dict[tuple[Any, str], list[str]] = {}
    for unit in manifest.org_units:
        for plugin in unit.plugins:
            wanted[(unit_ids[unit.code], plugin)] = []
        for code in unit.items:
            plugin = registry.items[code].plugin
            wanted.setdefault((unit_ids[unit.code], plugin), []).append(code)
    names = {unit_ids[unit.code]: unit.code for unit in manifest.org_units}
    stored = {
        (row["department"], row["plugin"]): row
        for row in await DepartmentPlugin.select()
        .output(load_json=True)
        .where(DepartmentPlugin.tenant == tenant_id)
    }
    # In unit-code order, so that a plan (dry run) reads the same as the apply.
    for (unit_id, plugin), items in sorted(wanted.items(), key=lambda w: (names[w[0][0]], w[0][1])):
        what = f"{plugin} ({', '.join(items)})" if items else plugin
        row = stored.get((unit_id, plugin))
        if row is None:
            await DepartmentPlugin(
                tenant=tenant_id, department=unit_id, plugin=plugin, items=sorted(items)
            ).save()
            changes.append(f"enable {what} for {names[unit_id]}")
        elif sorted(row["items"] or []) != sorted(items):
            await DepartmentPlugin.update({DepartmentPlugin.items: sorted(items)}).where(
                DepartmentPlugin.id == row["id"]
            )
            changes.append(f"change enabled items of {plugin} for {names[unit_id]}: {what}")
    for (unit_id, plugin), row in stored.items():
        if (unit_id, plugin) not in wanted:
            await DepartmentPlugin.delete().where(DepartmentPlugin.id == row["id"])
            changes.append(f"disable plugin {plugin} for {names.get(unit_id, unit_id)}")
    return changes


_SETTING_FIELDS = (
    "promised_days",
    "window",
    "place",
    "hours",
    "consultation_phone",
    "complaint_phone",
    "notes",
)


async def _apply_item_settings(tenant_id: Any, manifest: TenantManifest) -> list[str]:
    changes: list[str] = []
    stored = {
        row.item_code: row
        for row in await ItemSetting.objects().where(ItemSetting.tenant == tenant_id)
    }
    for decl in manifest.item_settings:
        values = {name: getattr(decl, name) for name in _SETTING_FIELDS}
        row = stored.pop(decl.item, None)
        if row is None:
            await ItemSetting(tenant=tenant_id, item_code=decl.item, **values).save()
            changes.append(f"set local settings of item {decl.item}")
            continue
        differing = [name for name, value in values.items() if getattr(row, name) != value]
        if differing:
            for name in differing:
                setattr(row, name, values[name])
            await row.save()
            changes.append(f"update local settings of item {decl.item}: {', '.join(differing)}")
    for code, row in stored.items():
        await ItemSetting.delete().where(ItemSetting.id == row.id)
        changes.append(f"remove local settings of item {code}")
    return changes


async def _apply_roles(
    tenant_id: Any, manifest: TenantManifest, unit_ids: dict[str, Any]
) -> list[str]:
    """Create or update the declared tenant roles (roles made in the console and not
    declared stay, as staff do: export writes them into the manifest)."""
    changes: list[str] = []
    stored = {row.code: row for row in await Role.objects().where(Role.tenant == tenant_id)}
    for decl in manifest.roles:
        wanted: dict[str, Any] = {
            "name": decl.name,
            "name_en": decl.name_en,
            "functions": sorted(set(decl.functions)),
            "org_unit": unit_ids[decl.org_unit],
        }
        row = stored.get(decl.code)
        if row is None:
            await Role(tenant=tenant_id, code=decl.code, **wanted).save()
            changes.append(f"create role {decl.code}")
            continue
        differing = [k for k, v in wanted.items() if not _same(getattr(row, k), v)]
        if differing:
            await Role.update({getattr(Role, k): wanted[k] for k in differing}).where(
                Role.id == row.id
            )
            changes.append(f"update role {decl.code}: {', '.join(differing)}")
    if changes:
        forget_grants()
    return changes


def _same(stored: object, wanted: object) -> bool:
    # JSON columns come back as text on SQLite and as objects on PostgreSQL.
    if isinstance(stored, str) and isinstance(wanted, dict | list):
        return bool(msgspec.json.decode(stored) == wanted)
    return stored == wanted


def _stored_format(text: str) -> str:
    """What the tenant row holds: empty for the default format spelled out."""
    text = text.strip()
    return "" if text == DEFAULT_FORMAT else text


def tenant_info(row: Tenant) -> TenantInfo:
    return TenantInfo(
        id=row.id,
        slug=row.slug,
        name=row.name,
        name_en=row.name_en,
        level=row.level,
        division_code=row.division_code,
        time_zone=row.time_zone,
        status=row.status,
        serial_format=row.serial_format,
        catalog_version=row.catalog_version,
    )


async def unit_by_code(tenant_id: Any, code: str) -> dict[str, Any]:
    """An org unit's id, code and path by its code within the tenant (404 if none)."""
    row = (
        await OrgUnit.select(OrgUnit.id, OrgUnit.code, OrgUnit.path)
        .where((OrgUnit.tenant == tenant_id) & (OrgUnit.code == code))
        .first()
    )
    if row is None:
        raise NotFound(N_("找不到机构“{unit}”"), code="org_unit_not_found", unit=code)
    return row


#: What :func:`resolve_tenant` reads: fixed text, so that the statement every API
#: request starts with is not rebuilt by the query builder each time.
_RESOLVE_SQL = (
    "SELECT id, slug, name, name_en, level, division_code, time_zone, status, "
    "serial_format, catalog_version FROM tenancy_tenant WHERE slug = {}"
)


async def read_tenant(slug: str) -> TenantInfo | None:
    """The tenant row at ``/t/{slug}`` as it is in the database, whatever its status."""
    with db.any_tenant_scope():  # tenancy_tenant is platform-wide
        rows = await Tenant.raw(_RESOLVE_SQL, slug)
    if not rows:
        return None
    row = rows[0]
    # SQLite hands back the id as text.
    tenant_id = row["id"] if isinstance(row["id"], uuid.UUID) else uuid.UUID(row["id"])
    return TenantInfo(**{**row, "id": tenant_id})


def admit_tenant(slug: str, tenant: TenantInfo | None) -> TenantInfo:
    """``tenant`` if it serves requests; 404 when unknown, 503 when suspended."""
    if tenant is None:
        raise NotFound(N_("找不到租户“{slug}”"), code="tenant_not_found", slug=slug)
    if tenant.status != "active":
        raise Unavailable(
            N_("{name}网上办事大厅暂停服务，请稍后再试"), code="tenant_suspended", name=tenant.name
        )
    return tenant


async def resolve_tenant(slug: str) -> TenantInfo:
    """The active tenant at ``/t/{slug}``, read now (requests use the process's
    :class:`govhall.tenancy.directory.TenantDirectory`)."""
    return admit_tenant(slug, await read_tenant(slug))


async def enabled_items(tenant_id: object, registry: PluginRegistry) -> dict[str, list[object]]:
    """Item code → the org units that offer it, for one tenant. Only installed items
    of enabled plugins appear; an uninstalled plugin's rows are ignored."""
    rows = (
        await DepartmentPlugin.select(
            DepartmentPlugin.plugin, DepartmentPlugin.department, DepartmentPlugin.items
        )
        .output(load_json=True)
        .where(DepartmentPlugin.tenant == tenant_id)
    )
    offered: dict[str, list[object]] = {}
    for row in rows:
        chosen = set(row["items"]) if isinstance(row["items"], list) and row["items"] else None
        for installed in registry.items_of({row["plugin"]}):
            if chosen is None or installed.spec.code in chosen:
                offered.setdefault(installed.spec.code, []).append(row["department"])
    return offered


async def item_settings(tenant_id: object) -> dict[str, ItemSetting]:
    rows = await ItemSetting.objects().where(ItemSetting.tenant == tenant_id)
    return {row.item_code: row for row in rows}
