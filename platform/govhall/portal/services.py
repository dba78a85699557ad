"""What portal pages show: a tenant found by path or by its own domain, its
branding, and its catalogue grouped the ways citizens look for things."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Awaitable
from typing import Any

import msgspec

from govhall import db
from govhall.catalog.schemas import ItemSummary
from govhall.catalog.services import CatalogService
from govhall.errors import NotFound, Unavailable
from govhall.i18n import N_
from govhall.tenancy.directory import TenantDirectory
from govhall.tenancy.schemas import TenantInfo
from govhall.tenancy.services import tenant_info
from govhall.tenancy.tables import Tenant


class Branding(msgspec.Struct, kw_only=True):
    portal_name: str
    portal_name_en: str
    primary_color: str
    footer: str
    phones: list[str]
    logo: str = ""
    """A data: URI (image/svg+xml or image/png), or empty."""


class Portal(msgspec.Struct, kw_only=True):
    tenant: TenantInfo
    branding: Branding
    base: str
    """Path prefix of the portal's pages: '/t/{slug}', or '' on its own domain."""


def _safe_colour(colour: str) -> str:
    """The colour goes into a style sheet: only ``#rrggbb`` gets there."""
    return colour if re.fullmatch(r"#[0-9a-fA-F]{6}", colour) else "#b71c1c"


def _safe_logo(uri: str) -> str:
    """Only the image data URIs manifests produce make it into an <img src>."""
    allowed = ("data:image/svg+xml;base64,", "data:image/png;base64,", "data:image/jpeg;base64,")
    return uri if uri.startswith(allowed) else ""


async def _portal(row: Tenant | None, base: str) -> Portal:
    if row is None:
        raise NotFound(N_("找不到该网上办事大厅"), code="tenant_not_found")
    if row.status != "active":
        raise Unavailable(
            N_("{name}网上办事大厅暂停服务，请稍后再试"), code="tenant_suspended", name=row.name
        )
    raw: dict[str, Any] = row.branding if isinstance(row.branding, dict) else {}
    branding = Branding(
        portal_name=str(raw.get("portal_name") or row.name),
        portal_name_en=str(raw.get("portal_name_en") or row.name_en or ""),
        primary_color=_safe_colour(str(raw.get("primary_color") or "")),
        footer=str(raw.get("footer") or ""),
        phones=[str(p) for p in raw.get("phones") or []],
        logo=_safe_logo(str(raw.get("logo") or "")),
    )
    db.enter_tenant(row.id)
    return Portal(tenant=tenant_info(row), branding=branding, base=base)


async def _portal_row(column: Any, value: str) -> Tenant | None:
    return await Tenant.objects().output(load_json=True).where(column == value).first()


async def portal_by_slug(slug: str, tenants: TenantDirectory | None = None) -> Portal:
    def read() -> Awaitable[Tenant | None]:
        return _portal_row(Tenant.slug, slug)

    row = await (tenants.keep(("portal", slug), read) if tenants else read())
    return await _portal(row, f"/t/{slug}")


async def portal_by_host(host: str, tenants: TenantDirectory | None = None) -> Portal | None:
    """The tenant whose own domain this is, or None (the platform's landing page)."""
    name = host.split(":", 1)[0].strip().lower()
    if not name:
        return None

    def read() -> Awaitable[Tenant | None]:
        return _portal_row(Tenant.domain, name)

    row = await (tenants.keep(("host", name), read) if tenants else read())
    return await _portal(row, "") if row is not None else None


async def tenants_for_landing() -> list[dict[str, Any]]:
    return (
        await Tenant.select(Tenant.slug, Tenant.name, Tenant.name_en, Tenant.level)
        .where(Tenant.status == "active")
        .order_by(Tenant.division_code)
    )


def filter_items(
    items: list[ItemSummary], *, department: str = "", category: str = "", audience: str = ""
) -> list[ItemSummary]:
    return [
        item
        for item in items
        if (not department or any(u.code == department for u in item.handling_units))
        and (not category or category in item.categories)
        and (not audience or audience in item.audience)
    ]


def facets(items: list[ItemSummary]) -> dict[str, list[tuple[str, str, str, int]]]:
    """For each way to browse: (value, zh label, en label, how many items)."""
    departments: dict[str, list[Any]] = {}
    categories: dict[str, int] = defaultdict(int)
    for item in items:
        for unit in item.handling_units:
            entry = departments.setdefault(unit.code, [unit.name, unit.name_en, 0])
            entry[2] += 1
        for category in item.categories:
            categories[category] += 1
    return {
        "department": [(code, v[0], v[1], v[2]) for code, v in sorted(departments.items())],
        "category": [(c, c, c, n) for c, n in sorted(categories.items())],
    }


class ScenarioNode(msgspec.Struct, kw_only=True):
    """A life event (场景) and what is under it: narrower events and the items."""

    name: str
    children: list[ScenarioNode] = msgspec.field(default_factory=list)
    items: list[ItemSummary] = msgspec.field(default_factory=list)


def scenario_tree(
    items: list[ItemSummary], scenarios: dict[str, tuple[str, ...]]
) -> list[ScenarioNode]:
    """The tree of life events from the items' scenario paths ("我要开店/个体工商户"):
    one node per path segment, each item under the deepest segment of each path."""
    roots: list[ScenarioNode] = []
    for item in items:
        for path in scenarios.get(item.code, ()):
            level = roots
            node = None
            for part in (p.strip() for p in path.split("/") if p.strip()):
                node = next((n for n in level if n.name == part), None)
                if node is None:
                    node = ScenarioNode(name=part)
                    level.append(node)
                level = node.children
            if node is not None:
                node.items.append(item)
    return roots


async def centre_directory(tenant: TenantInfo, catalog: CatalogService) -> dict[str, Any]:
    """The centre's departments (with how many services each offers here) and its
    windows (with the services handled there, their place and phone)."""
    from govhall.tenancy.services import item_settings
    from govhall.tenancy.tables import OrgUnit

    units = await OrgUnit.select(OrgUnit.code, OrgUnit.name, OrgUnit.name_en, OrgUnit.kind).where(
        (OrgUnit.tenant == tenant.id) & OrgUnit.kind.is_in(["department", "window"])
    )
    summaries = [catalog.summary(i) for i in await catalog.tenant_items(tenant)]
    settings = await item_settings(tenant.id)
    departments = []
    for unit in (u for u in units if u.get("kind") == "department"):
        offered = [s for s in summaries if unit["code"] in {d.code for d in s.handling_units}]
        departments.append({**unit, "services": len(offered)})
    windows = []
    for unit in (u for u in units if u.get("kind") == "window"):
        here = []
        for summary in summaries:
            setting = settings.get(summary.code)
            if setting is not None and setting.window == unit["code"]:
                here.append(
                    {"item": summary, "place": setting.place, "phone": setting.consultation_phone}
                )
        windows.append({**unit, "services": here})
    return {"departments": departments, "windows": windows}
