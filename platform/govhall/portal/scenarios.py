"""The tenant's scenario tree (场景式服务, R-A2): life events leading to items, with
entries for individuals, for enterprises or for everyone. Tenant administrators
replace the whole tree at once (it is small and edited as one outline); until they
do, the tree is built from the scenarios the items' plugins declare.
"""

from __future__ import annotations

from typing import Any

import msgspec

from govhall import db
from govhall.catalog.schemas import ItemSummary
from govhall.errors import FieldError, InvalidInput
from govhall.i18n import N_
from govhall.identity.services import require_admin_scope
from govhall.identity.tokens import Principal
from govhall.portal.services import ScenarioNode, scenario_tree
from govhall.portal.tables import Scenario
from govhall.tenancy.schemas import TenantInfo

AUDIENCES = ("", "individual", "enterprise")
MAX_DEPTH = 4


class ScenarioEntry(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    path: str
    items: list[str]
    audience: str = ""


def _levels(path: str) -> list[str]:
    return [part.strip() for part in path.split("/") if part.strip()]


async def tenant_entries(tenant: TenantInfo) -> list[ScenarioEntry]:
    rows = (
        await Scenario.select(Scenario.path, Scenario.items, Scenario.audience)
        .output(load_json=True)
        .where(Scenario.tenant == tenant.id)
        .order_by(Scenario.position)
    )
    return [msgspec.convert(r, ScenarioEntry) for r in rows]


async def effective_tree(
    tenant: TenantInfo,
    summaries: list[ItemSummary],
    declared: dict[str, tuple[str, ...]],
    audience: str = "",
) -> list[ScenarioNode]:
    """The tenant's tree if it has one, else the declared one; ``audience`` keeps the
    entries for everyone and for that kind of applicant."""
    entries = await tenant_entries(tenant)
    if not entries:
        return scenario_tree(summaries, declared)
    by_code = {s.code: s for s in summaries}
    roots: list[ScenarioNode] = []
    for entry in entries:
        if audience and entry.audience not in ("", audience):
            continue
        level, node = roots, None
        for part in _levels(entry.path):
            node = next((n for n in level if n.name == part), None)
            if node is None:
                node = ScenarioNode(name=part)
                level.append(node)
            level = node.children
        if node is not None:
            node.items.extend(by_code[c] for c in entry.items if c in by_code)
    return roots


async def replace_tree(
    tenant: TenantInfo, principal: Principal, entries: list[ScenarioEntry], offered: set[str]
) -> list[ScenarioEntry]:
    """Replace the tenant's tree; every problem is named by its entry. An empty list
    goes back to the items' declared scenarios."""
    await require_admin_scope(tenant, principal)
    errors: list[FieldError] = []
    for index, entry in enumerate(entries):
        where = f"entries[{index}]"
        levels = _levels(entry.path)
        if not levels:
            errors.append(FieldError(f"{where}.path", N_("请填写场景名称")))
        elif len(levels) > MAX_DEPTH or any(len(p) > 60 for p in levels):
            errors.append(
                FieldError(
                    f"{where}.path", N_("场景最多 {depth} 级，每级不超过 60 个字"), depth=MAX_DEPTH
                )
            )
        if entry.audience not in AUDIENCES:
            errors.append(
                FieldError(f"{where}.audience", N_("适用对象只能是 individual、enterprise 或留空"))
            )
        unknown = [c for c in entry.items if c not in offered]
        if unknown:
            errors.append(
                FieldError(
                    f"{where}.items",
                    N_("本大厅没有这些事项：{codes}"),
                    codes="、".join(unknown),
                )
            )
        if not entry.items:
            errors.append(FieldError(f"{where}.items", N_("每个场景至少要有一个事项")))
    if errors:
        raise InvalidInput(N_("场景设置有误"), code="invalid_scenarios", errors=errors)
    rows: list[dict[str, Any]] = [
        {"path": "/".join(_levels(e.path)), "items": e.items, "audience": e.audience}
        for e in entries
    ]
    async with db.transaction():
        await Scenario.delete().where(Scenario.tenant == tenant.id)
        if rows:
            await Scenario.insert(
                *[Scenario(tenant=tenant.id, position=i, **row) for i, row in enumerate(rows)]
            )
    return await tenant_entries(tenant)
