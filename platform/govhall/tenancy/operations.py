"""The platform operator's view over every tenant (R-T1, R-T2): onboarding a tenant
from an uploaded manifest (planned first with a dry run, then applied in one
transaction), each tenant's health, and the plugin registry — which distributions
are installed, at which version, with which items, and which tenants use them.

Health is a handful of grouped queries (one per measure, never one per tenant):
cases submitted today (in each tenant's time zone), open cases, open steps past
their deadline, notifications that failed for good, and bytes stored.
"""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from piccolo.query.functions.aggregate import Count, Sum

from govhall.cases.tables import Case
from govhall.i18n import N_
from govhall.identity.operators import require_operator
from govhall.identity.tokens import Principal
from govhall.notify.tables import Delivery
from govhall.plugins import PluginRegistry
from govhall.storage.tables import BlobRecord
from govhall.tenancy.schemas import ApplyResult, TenantManifest
from govhall.tenancy.services import (
    LOGO_MAX_BYTES,
    ManifestError,
    apply_manifest,
    plan_manifests,
)
from govhall.tenancy.tables import DepartmentPlugin, Tenant
from govhall.workflow.tables import Task

#: The largest manifest an operator uploads (a county with thousands of villages).
MAX_MANIFEST_BYTES = 2 * 1024 * 1024
_LOGO = re.compile(r"^data:image/(svg\+xml|png|jpeg);base64,([A-Za-z0-9+/=\s]+)$")


class TenantHealth(msgspec.Struct, kw_only=True):
    slug: str
    name: str
    level: str
    status: str
    cases_today: int
    open_cases: int
    overdue_steps: int
    failed_notifications: int
    storage_bytes: int


class PluginOut(msgspec.Struct, kw_only=True):
    name: str
    version: str
    items: list[str]
    tenants: list[str]
    """Slugs of the tenants where a unit enables the plugin or one of its items."""


def decode_manifest(content: bytes) -> TenantManifest:
    """An uploaded ``tenant.toml``; its logo, if any, inline as a data: URI."""
    if len(content) > MAX_MANIFEST_BYTES:
        raise ManifestError(N_("租户清单过大（上限 {limit} KB）"), limit=MAX_MANIFEST_BYTES // 1024)
    try:
        manifest = msgspec.toml.decode(content, type=TenantManifest)
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        raise ManifestError(
            N_("租户清单 {path} 有误：{detail}"), path="tenant.toml", detail=str(exc)
        ) from exc
    logo = manifest.branding.logo
    found = _LOGO.match(logo) if logo else None
    if logo and (
        found is None or len(base64.b64decode(found.group(2), validate=False)) > LOGO_MAX_BYTES
    ):
        raise ManifestError(
            N_("租户清单 {path} 有误：{detail}"),
            path="tenant.toml",
            detail="branding.logo must be a data:image/svg+xml|png;base64 URI of at most "
            f"{LOGO_MAX_BYTES // 1024} KB when uploaded",
        )
    return manifest


async def onboard(
    principal: Principal,
    registry: PluginRegistry,
    content: bytes,
    *,
    dry_run: bool,
) -> ApplyResult:
    """Create (or update) a tenant from an uploaded manifest. Staff get random
    initial passwords, shown once in the answer (an upload is never a demo)."""
    require_operator(principal)
    manifest = decode_manifest(content)
    manifest.demo = False
    if dry_run:
        return (await plan_manifests([manifest], registry, ""))[0]
    return await apply_manifest(manifest, registry, "")


async def tenant_health(principal: Principal) -> list[TenantHealth]:
    require_operator(principal)
    tenants = await Tenant.select(
        Tenant.id, Tenant.slug, Tenant.name, Tenant.level, Tenant.status, Tenant.time_zone
    ).order_by(Tenant.slug)
    today_cases: dict[Any, int] = {}
    for zone in {t["time_zone"] for t in tenants}:
        ids = [t["id"] for t in tenants if t["time_zone"] == zone]
        midnight = datetime.now(ZoneInfo(zone)).replace(hour=0, minute=0, second=0, microsecond=0)
        today_cases.update(
            await _counts(
                Case.select(Case.tenant, Count()).where(
                    Case.tenant.is_in(ids) & (Case.submitted_at >= midnight.astimezone(UTC))
                ),
                Case.tenant,
            )
        )
    open_cases = await _counts(
        Case.select(Case.tenant, Count()).where(Case.concluded_at.is_null()), Case.tenant
    )
    today = datetime.now(UTC).date()
    overdue = await _counts(
        Task.select(Task.tenant, Count()).where((Task.status == "open") & (Task.due_on < today)),
        Task.tenant,
    )
    failed = await _counts(
        Delivery.select(Delivery.tenant, Count()).where(Delivery.status == "failed"),
        Delivery.tenant,
    )
    stored = await _counts(
        BlobRecord.select(BlobRecord.tenant, Sum(BlobRecord.size)), BlobRecord.tenant
    )
    return [
        TenantHealth(
            slug=t["slug"],
            name=t["name"],
            level=t["level"],
            status=t["status"],
            cases_today=today_cases.get(t["id"], 0),
            open_cases=open_cases.get(t["id"], 0),
            overdue_steps=overdue.get(t["id"], 0),
            failed_notifications=failed.get(t["id"], 0),
            storage_bytes=stored.get(t["id"], 0),
        )
        for t in tenants
    ]


async def _counts(query: Any, column: Any) -> dict[Any, int]:
    """``{tenant id: n}`` from a one-aggregate query grouped by its tenant column."""
    rows = await query.group_by(column)
    out: dict[Any, int] = {}
    for row in rows:
        key, value = list(row.values())
        out[key] = int(value or 0)
    return out


async def plugin_registry(principal: Principal, registry: PluginRegistry) -> list[PluginOut]:
    require_operator(principal)
    used: dict[str, set[str]] = {}
    for row in await DepartmentPlugin.select(
        DepartmentPlugin.plugin, DepartmentPlugin.tenant.slug
    ).distinct():
        used.setdefault(row["plugin"], set()).add(row["tenant.slug"])
    return [
        PluginOut(
            name=name,
            version=registry.plugin_version(name),
            items=sorted(item.spec.code for item in registry.items_of({name})),
            tenants=sorted(used.get(name, set())),
        )
        for name in registry.plugin_names()
    ]
