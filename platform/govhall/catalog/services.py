"""The catalogue of items a tenant has enabled, their guides and frozen versions."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

import msgspec

from govhall.catalog.schemas import DepartmentRef, FlowStepOut, ItemGuide, ItemSummary
from govhall.catalog.tables import ItemVersion
from govhall.errors import NotFound
from govhall.i18n import N_
from govhall.plugins import InstalledItem, PluginRegistry
from govhall.sdk import ITEM_TYPES
from govhall.tenancy.schemas import TenantInfo
from govhall.tenancy.services import enabled_plugins
from govhall.tenancy.tables import OrgUnit


@dataclass(frozen=True, slots=True)
class TenantItem:
    """An installed item as one tenant offers it: through one of its departments."""

    installed: InstalledItem
    department: DepartmentRef


class CatalogService:
    def __init__(self, registry: PluginRegistry) -> None:
        self.registry = registry
        self._frozen: dict[tuple[str, str, str], uuid.UUID] = {}

    async def tenant_items(self, tenant: TenantInfo) -> list[TenantItem]:
        enabled = await enabled_plugins(tenant.id)
        if not enabled:
            return []
        units = {
            row["id"]: row
            for row in await OrgUnit.select(
                OrgUnit.id, OrgUnit.code, OrgUnit.name, OrgUnit.name_en
            ).where(OrgUnit.id.is_in(list(enabled.values())))
        }
        result = []
        for installed in self.registry.items_of(set(enabled)):
            unit = units[enabled[installed.plugin]]
            department = DepartmentRef(
                id=unit["id"], code=unit["code"], name=unit["name"], name_en=unit["name_en"]
            )
            result.append(TenantItem(installed=installed, department=department))
        return sorted(result, key=lambda item: item.installed.spec.code)

    async def tenant_item(self, tenant: TenantInfo, code: str) -> TenantItem:
        for item in await self.tenant_items(tenant):
            if item.installed.spec.code == code:
                return item
        raise NotFound(
            N_("找不到事项“{item_code}”，或本地尚未开通该事项"),
            code="item_not_found",
            item_code=code,
        )

    @staticmethod
    def summary(item: TenantItem) -> ItemSummary:
        spec = item.installed.spec
        return ItemSummary(
            code=spec.code,
            name=spec.name,
            name_en=spec.name_en,
            item_type=spec.item_type,
            item_type_label=ITEM_TYPES[spec.item_type],
            department=item.department,
            statutory_days=spec.statutory_days,
            promised_days=spec.promised_days,
            on_the_spot=spec.on_the_spot,
            categories=spec.categories,
            audience=spec.audience,
        )

    def guide(self, item: TenantItem) -> ItemGuide:
        spec = item.installed.spec
        flow = self.registry.flow_for(item.installed)
        return ItemGuide(
            **msgspec.structs.asdict(self.summary(item)),
            version=spec.version,
            legal_implementer=spec.legal_implementer,
            legal_basis=spec.legal_basis,
            conditions=spec.conditions,
            procedure=spec.procedure,
            form=spec.form.schema,
            form_ui=spec.form.ui,
            materials=spec.materials,
            fees=spec.fees,
            fee_free=spec.fee_free,
            result_name=spec.result_name,
            keywords=spec.keywords,
            consultation_phone=spec.consultation_phone,
            complaint_phone=spec.complaint_phone,
            flow=[FlowStepOut(key=s.key, name=s.name, name_en=s.name_en) for s in flow.steps],
        )

    async def freeze(self, item: InstalledItem) -> uuid.UUID:
        """The id of the stored copy of this exact declaration, storing it the first time."""
        spec_json = msgspec.json.encode(item.spec)
        digest = hashlib.sha256(spec_json).hexdigest()
        key = (item.spec.code, item.spec.version, digest)
        known = self._frozen.get(key)
        if known is not None:
            return known
        row = (
            await ItemVersion.objects()
            .where(
                (ItemVersion.code == key[0])
                & (ItemVersion.version == key[1])
                & (ItemVersion.digest == digest)
            )
            .first()
        )
        if row is None:
            await ItemVersion.insert(
                ItemVersion(
                    code=key[0],
                    version=key[1],
                    plugin=item.plugin,
                    digest=digest,
                    spec=spec_json.decode(),
                )
            ).on_conflict(action="DO NOTHING")
            row = (
                await ItemVersion.objects()
                .where(
                    (ItemVersion.code == key[0])
                    & (ItemVersion.version == key[1])
                    & (ItemVersion.digest == digest)
                )
                .first()
            )
        assert row is not None
        self._frozen[key] = row.id
        return row.id
