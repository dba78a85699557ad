"""Which plugins and items each department (or town, village) offers, and the local
settings of an item (R-P7), changed by administrators in the console or the API
rather than only by a manifest. The same rules as a manifest: only installed
plugins and declared items, only handling units, within the administrator's scope,
and local settings never touch the law-derived rules (a promised limit stays
within the statutory one). Every change is audited with before and after;
``govhall tenant export`` then records it.
"""

from __future__ import annotations

from typing import Any

import msgspec

from govhall import db
from govhall.audit.services import Actor, record
from govhall.errors import FieldError, Forbidden, InvalidInput, NotFound
from govhall.i18n import N_, Localized
from govhall.identity.services import in_scope, require_admin_scope, tenant_wide
from govhall.identity.tokens import Principal
from govhall.plugins import PluginRegistry
from govhall.tenancy.schemas import TenantInfo
from govhall.tenancy.services import HANDLING_UNIT_KINDS, enabled_items
from govhall.tenancy.tables import DepartmentPlugin, ItemSetting, OrgUnit


class EnablementIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    plugins: list[str] = msgspec.field(default_factory=list)
    """Plugins the unit offers with all their items."""
    items: list[str] = msgspec.field(default_factory=list)
    """Single items of plugins not offered wholly."""


class EnablementOut(msgspec.Struct, kw_only=True):
    unit: str
    plugins: list[str]
    items: list[str]


class ItemSettingIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    promised_days: int | None = None
    window: str = ""
    place: str = ""
    hours: str = ""
    consultation_phone: str = ""
    complaint_phone: str = ""
    notes: str = ""


async def unit_enablement(tenant: TenantInfo, unit_id: Any, code: str) -> EnablementOut:
    rows = (
        await DepartmentPlugin.select(DepartmentPlugin.plugin, DepartmentPlugin.items)
        .output(load_json=True)
        .where((DepartmentPlugin.tenant == tenant.id) & (DepartmentPlugin.department == unit_id))
    )
    return EnablementOut(
        unit=code,
        plugins=sorted(r["plugin"] for r in rows if not r["items"]),
        items=sorted(i for r in rows for i in r["items"] or []),
    )


async def set_enablement(
    tenant: TenantInfo,
    admin: Principal,
    unit_code: str,
    data: EnablementIn,
    registry: PluginRegistry,
    ip: str,
) -> EnablementOut:
    """Make ``unit_code`` offer exactly ``data`` (one transaction, audited)."""
    scope = await require_admin_scope(tenant, admin)
    unit = (
        await OrgUnit.select(OrgUnit.id, OrgUnit.path, OrgUnit.kind)
        .where((OrgUnit.tenant == tenant.id) & (OrgUnit.code == unit_code))
        .first()
    )
    if unit is None:
        raise NotFound(N_("找不到机构“{unit}”"), code="org_unit_not_found", unit=unit_code)
    if not in_scope(scope, unit["path"]):
        await record(tenant.id, Actor.of(admin, ip), "refused_outside_scope", target=unit_code)
        raise Forbidden(N_("该机构不在您的管理范围内"), code="outside_admin_scope")
    errors: list[FieldError] = []
    if (data.plugins or data.items) and unit["kind"] not in HANDLING_UNIT_KINDS:
        errors.append(FieldError("unit", N_("只有部门、乡镇和村（社区）可以开通事项")))
    installed = set(registry.plugin_names())
    for plugin in data.plugins:
        if plugin not in installed:
            errors.append(
                FieldError(
                    "plugins",
                    N_("插件“{plugin}”未安装，可选：{installed}"),
                    plugin=plugin,
                    installed="、".join(sorted(installed)),
                )
            )
    wanted: dict[str, list[str]] = {plugin: [] for plugin in data.plugins}
    for code in data.items:
        item = registry.items.get(code.strip())
        if item is None:
            errors.append(FieldError("items", N_("没有编码为“{code}”的事项"), code=code))
        elif item.plugin in data.plugins:
            errors.append(
                FieldError(
                    "items",
                    N_("事项“{code}”所属插件已整体开通，无需单独开通"),
                    code=code,
                )
            )
        else:
            wanted.setdefault(item.plugin, []).append(item.spec.code)
    if errors:
        raise InvalidInput(
            N_("开通设置有误，请按提示修改"), code="invalid_enablement", errors=errors
        )
    before = await unit_enablement(tenant, unit["id"], unit_code)
    async with db.transaction():
        await DepartmentPlugin.delete().where(
            (DepartmentPlugin.tenant == tenant.id) & (DepartmentPlugin.department == unit["id"])
        )
        if wanted:
            await DepartmentPlugin.insert(
                *[
                    DepartmentPlugin(
                        tenant=tenant.id,
                        department=unit["id"],
                        plugin=plugin,
                        items=sorted(set(items)),
                    )
                    for plugin, items in sorted(wanted.items())
                ]
            )
        after = await unit_enablement(tenant, unit["id"], unit_code)
        await record(
            tenant.id,
            Actor.of(admin, ip),
            "enablement_changed",
            target=unit_code,
            detail={"before": msgspec.to_builtins(before), "after": msgspec.to_builtins(after)},
        )
    return after


async def set_item_setting(
    tenant: TenantInfo,
    admin: Principal,
    item_code: str,
    data: ItemSettingIn,
    registry: PluginRegistry,
    ip: str,
) -> ItemSettingIn:
    """The tenant's local settings of an item it offers (a tenant-wide administrator)."""
    if not tenant_wide(await require_admin_scope(tenant, admin)):
        raise Forbidden(
            N_("只有本级政府的管理员可以修改事项的本地设置"), code="tenant_wide_admin_required"
        )
    installed = registry.items.get(item_code)
    if installed is None or item_code not in await enabled_items(tenant.id, registry):
        raise NotFound(
            N_("找不到事项“{item_code}”，或本地尚未开通该事项"),
            code="item_not_found",
            item_code=item_code,
        )
    statutory = installed.spec.statutory_days
    errors = []
    if data.promised_days is not None and not 0 <= data.promised_days <= statutory:
        errors.append(
            FieldError(
                "promised_days",
                N_("承诺时限须在 0 至法定时限 {limit} 个工作日之间"),
                limit=statutory,
            )
        )
    if data.window:
        window = await OrgUnit.exists().where(
            (OrgUnit.tenant == tenant.id)
            & (OrgUnit.code == data.window)
            & (OrgUnit.kind == "window")
        )
        if not window:
            errors.append(
                FieldError("window", N_("“{window}”不是本单位的窗口"), window=data.window)
            )
    for name in ("place", "hours", "consultation_phone", "complaint_phone", "notes"):
        if len(getattr(data, name)) > 500:
            errors.append(FieldError(name, N_("内容不能超过 {limit} 个字"), limit=500))
    if errors:
        raise InvalidInput(
            N_("事项“{item}”的本地设置有误"),
            code="invalid_item_setting",
            errors=errors,
            item=Localized(installed.spec.name, installed.spec.name_en),
        )
    values = msgspec.to_builtins(data)
    async with db.transaction():
        row = (
            await ItemSetting.objects()
            .where((ItemSetting.tenant == tenant.id) & (ItemSetting.item_code == item_code))
            .first()
        )
        if row is None:
            await ItemSetting(tenant=tenant.id, item_code=item_code, **values).save()
        else:
            await ItemSetting.update({getattr(ItemSetting, k): v for k, v in values.items()}).where(
                ItemSetting.id == row.id
            )
        await record(
            tenant.id, Actor.of(admin, ip), "item_settings_changed", target=item_code, detail=values
        )
    return data
