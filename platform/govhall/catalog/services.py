"""The catalogue: the items a tenant offers, their guides, frozen versions and the
platform's libraries (事项库, 便民服务事项库, 法律法规库)."""

from __future__ import annotations

import hashlib
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import msgspec

from govhall.catalog.forms import describe_fields
from govhall.catalog.schemas import (
    BandOut,
    Condition,
    DepartmentRef,
    DiscretionOut,
    DocumentOut,
    FeeRuleOut,
    FlowStepOut,
    ItemGuide,
    ItemSummary,
    ItemVersionOut,
    LibraryItem,
    MaterialOut,
    ReductionOut,
    Regulation,
)
from govhall.catalog.tables import ItemVersion
from govhall.errors import NotFound
from govhall.i18n import N_
from govhall.plugins import InstalledItem, PluginRegistry, spec_from_json
from govhall.sdk import HANDLING_KINDS, ITEM_TYPES, ItemSpec, Rule, describe
from govhall.tenancy.schemas import TenantInfo
from govhall.tenancy.services import enabled_items, item_settings
from govhall.tenancy.tables import ItemSetting, OrgUnit

CONVENIENCE_TYPES = ("public_service",)
"""Item types of the convenience-service library (便民服务事项库); the rest form the
government-service library (政务服务事项库)."""


@dataclass(frozen=True, slots=True)
class TenantItem:
    """An installed item as one tenant offers it: through its units, with its settings."""

    installed: InstalledItem
    units: tuple[DepartmentRef, ...]
    setting: ItemSetting | None = None
    window: DepartmentRef | None = None

    @property
    def department(self) -> DepartmentRef:
        return self.units[0]

    @property
    def promised_days(self) -> int:
        local = self.setting.promised_days if self.setting else None
        return self.installed.spec.promised_days if local is None else local

    def unit(self, code: str | None) -> DepartmentRef | None:
        """The offering unit named ``code``; the only one when ``code`` is None."""
        if code is None:
            return self.units[0] if len(self.units) == 1 else None
        return next((u for u in self.units if u.code == code), None)


def _ref(row: dict[str, Any]) -> DepartmentRef:
    return DepartmentRef(
        id=row["id"], code=row["code"], name=row["name"], name_en=row["name_en"], kind=row["kind"]
    )


def _condition(rule: Rule | None, labels: dict[str, tuple[str, str]]) -> Condition | None:
    if rule is None:
        return None
    text, text_en = describe(rule, labels)
    return Condition(rule=msgspec.to_builtins(rule), text=text, text_en=text_en)


#: Tenants whose catalogue one process keeps (least recently used dropped first).
CACHED_TENANTS = 512


class CatalogService:
    def __init__(self, registry: PluginRegistry) -> None:
        self.registry = registry
        self._frozen: dict[tuple[str, str, str], uuid.UUID] = {}
        #: id(spec) → (the spec, its stored version): kept with the spec, so an id
        #: reused by a later object never matches.
        self._frozen_specs: dict[int, tuple[object, uuid.UUID]] = {}
        self._versions: dict[uuid.UUID, ItemSpec] = {}
        # Tenant id → (catalog_version, its items, guides built so far). Every request
        # reads the tenant row anyway; its catalog_version, raised by triggers on any
        # change to units, enabled plugins or item settings, says whether this entry
        # is still true — so the cache needs no expiry and no cross-process messages.
        self._cached: OrderedDict[
            uuid.UUID, tuple[int, tuple[TenantItem, ...], dict[str, ItemGuide]]
        ] = OrderedDict()

    # --- the tenant's catalogue ------------------------------------------------

    def _entry(
        self, tenant: TenantInfo
    ) -> tuple[int, tuple[TenantItem, ...], dict[str, ItemGuide]] | None:
        entry = self._cached.get(tenant.id)
        if entry is None or tenant.catalog_version is None or entry[0] != tenant.catalog_version:
            return None
        self._cached.move_to_end(tenant.id)
        return entry

    async def tenant_items(self, tenant: TenantInfo) -> list[TenantItem]:
        """The items ``tenant`` offers, sorted by code (cached per catalog_version)."""
        entry = self._entry(tenant)
        if entry is not None:
            return list(entry[1])
        items = await self._load_items(tenant)
        if tenant.catalog_version is not None:
            self._cached[tenant.id] = (tenant.catalog_version, tuple(items), {})
            self._cached.move_to_end(tenant.id)
            while len(self._cached) > CACHED_TENANTS:
                self._cached.popitem(last=False)
        return items

    async def _load_items(self, tenant: TenantInfo) -> list[TenantItem]:
        offered = await enabled_items(tenant.id, self.registry)
        if not offered:
            return []
        settings = await item_settings(tenant.id)
        unit_ids = {unit for units in offered.values() for unit in units}
        window_codes = {s.window for s in settings.values() if s.window}
        columns = (OrgUnit.id, OrgUnit.code, OrgUnit.name, OrgUnit.name_en, OrgUnit.kind)
        rows = await OrgUnit.select(*columns).where(
            (OrgUnit.tenant == tenant.id)
            & (OrgUnit.id.is_in(list(unit_ids)) | OrgUnit.code.is_in(list(window_codes) or [""]))
        )
        by_id = {row["id"]: _ref(row) for row in rows}
        by_code = {row["code"]: _ref(row) for row in rows}
        result = []
        for code, units in offered.items():
            setting = settings.get(code)
            refs = sorted((by_id[u] for u in units if u in by_id), key=lambda r: r.code)
            if not refs:
                continue
            result.append(
                TenantItem(
                    installed=self.registry.items[code],
                    units=tuple(refs),
                    setting=setting,
                    window=by_code.get(setting.window) if setting and setting.window else None,
                )
            )
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
            parent_code=spec.parent_code,
            handling_kind=spec.handling_kind,
            handling_kind_label=HANDLING_KINDS[spec.handling_kind],
            department=item.department,
            handling_units=list(item.units),
            statutory_days=spec.statutory_days,
            promised_days=item.promised_days,
            on_the_spot=spec.on_the_spot,
            fee_free=spec.fee_free,
            categories=spec.categories,
            audience=spec.audience,
            keywords=spec.keywords,
        )

    def guide(self, item: TenantItem, tenant: TenantInfo) -> ItemGuide:
        """The item's service guide (办事指南); built once per catalog_version. The
        same object is returned to every caller: read it, never change it."""
        entry = self._entry(tenant)
        code = item.installed.spec.code
        if entry is not None and entry[1] and any(i is item for i in entry[1]):
            cached = entry[2].get(code)
            if cached is None:
                cached = entry[2][code] = self._build_guide(item, tenant)
            return cached
        return self._build_guide(item, tenant)

    def _build_guide(self, item: TenantItem, tenant: TenantInfo) -> ItemGuide:
        spec = item.installed.spec
        labels = spec.form.labels()
        base = f"/t/{tenant.slug}/api/v1/items/{spec.code}"
        setting = item.setting
        flow = self.registry.flow_for(item.installed)
        documents = self.registry.document_templates(item.installed)
        return ItemGuide(
            **msgspec.structs.asdict(self.summary(item)),
            version=spec.version,
            department_kind=spec.department_kind,
            handling_level=spec.handling_level,
            legal_implementer=spec.legal_implementer,
            legal_basis=spec.legal_basis,
            conditions=spec.conditions,
            procedure=spec.procedure,
            plugin_promised_days=spec.promised_days,
            visits=spec.visits,
            form=spec.form.schema,
            form_fields=describe_fields(spec.form),
            materials=[
                MaterialOut(
                    code=m.code,
                    name=m.name,
                    name_en=m.name_en,
                    required=m.required,
                    required_when=_condition(m.required_when, labels),
                    copies=m.copies,
                    original_check=m.original_check,
                    formats=m.formats,
                    max_size_mb=m.max_size_mb,
                    sample_url=f"{base}/samples/{m.code}" if m.sample else None,
                    source=m.source,
                    trust_level=m.trust_level,
                    certificate_type=m.certificate_type,
                    supplementable=m.supplementable,
                    notes=m.notes,
                    notes_en=m.notes_en,
                )
                for m in spec.materials
            ],
            fees=[
                FeeRuleOut(
                    code=f.code,
                    name=f.name,
                    name_en=f.name_en,
                    basis=f.basis,
                    standard=f.standard,
                    category=f.category,
                    kind=f.kind,
                    amount_fen=f.amount_fen,
                    unit_name=f.unit_name,
                    free_units=f.free_units,
                    tiers=[msgspec.to_builtins(t) for t in f.tiers],
                    min_fen=f.min_fen,
                    max_fen=f.max_fen,
                    when=_condition(f.when, labels),
                    reductions=[
                        ReductionOut(
                            code=r.code,
                            name=r.name,
                            name_en=r.name_en,
                            basis=r.basis,
                            percent=r.percent,
                            when=_condition(r.when, labels)
                            or Condition(rule={}, text="", text_en=""),
                        )
                        for r in f.reductions
                    ],
                )
                for f in spec.fees
            ],
            fee_free_basis=spec.fee_free_basis,
            discretion=[
                DiscretionOut(
                    code=d.code,
                    name=d.name,
                    name_en=d.name_en,
                    basis=d.basis,
                    subject=d.subject,
                    unit=d.unit,
                    low=d.low,
                    high=d.high,
                    decisions=d.decisions,
                    bands=[
                        BandOut(
                            key=b.key,
                            name=b.name,
                            name_en=b.name_en,
                            low=b.low,
                            high=b.high,
                            decisions=b.decisions,
                            circumstances=b.circumstances,
                        )
                        for b in d.bands
                    ],
                )
                for d in spec.discretion
            ],
            annual_inspection=spec.annual_inspection,
            annual_inspection_note=spec.annual_inspection_note,
            place=(setting.place if setting and setting.place else spec.place),
            hours=(setting.hours if setting and setting.hours else spec.hours),
            window=item.window,
            consultation_phone=(
                setting.consultation_phone
                if setting and setting.consultation_phone
                else spec.consultation_phone
            ),
            complaint_phone=(
                setting.complaint_phone
                if setting and setting.complaint_phone
                else spec.complaint_phone
            ),
            local_notes=setting.notes if setting else "",
            result_name=spec.result_name,
            result_sample_url=f"{base}/result-sample" if spec.result_sample else None,
            documents=[
                DocumentOut(code=d.code, kind=d.kind, name=d.name, name_en=d.name_en)
                for d in documents.values()
            ],
            faqs=spec.faqs,
            scenarios=spec.scenarios,
            batch=spec.batch,
            flow=[FlowStepOut(key=s.key, name=s.name, name_en=s.name_en) for s in flow.steps],
        )

    def sample(self, item: TenantItem, material_code: str | None) -> tuple[str, bytes]:
        """A material's sample file (or, with None, the result sample): name and bytes."""
        spec = item.installed.spec
        if material_code is None:
            path = spec.result_sample
        else:
            path = next((m.sample for m in spec.materials if m.code == material_code), None)
        content = self.registry.resource(item.installed.plugin, path) if path else None
        if path is None or content is None:
            raise NotFound(N_("该事项没有提供此样本"), code="sample_not_found")
        return path.rsplit("/", 1)[-1], content

    # --- versions (R-P8) -----------------------------------------------------

    async def publish_all(self) -> None:
        """Store the current declaration of every installed item: after a plugin
        upgrade this publishes the new versions; open cases keep theirs."""
        for installed in self.registry.items.values():
            await self.freeze(installed)

    async def freeze(self, item: InstalledItem) -> uuid.UUID:
        """The id of the stored copy of this exact declaration, storing it the first time."""
        # Every submission asks: the same (immutable) spec object answers from memory
        # without encoding and hashing the declaration again.
        seen = self._frozen_specs.get(id(item.spec))
        if seen is not None and seen[0] is item.spec:
            return seen[1]
        version_id = await self._freeze(item)
        self._frozen_specs[id(item.spec)] = (item.spec, version_id)
        return version_id

    async def _freeze(self, item: InstalledItem) -> uuid.UUID:
        spec_json = msgspec.json.encode(item.spec)
        digest = hashlib.sha256(spec_json).hexdigest()
        key = (item.spec.code, item.spec.version, digest)
        known = self._frozen.get(key)
        if known is not None:
            return known
        where = (
            (ItemVersion.code == key[0])
            & (ItemVersion.version == key[1])
            & (ItemVersion.digest == digest)
        )
        row = await ItemVersion.objects().where(where).first()
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
            row = await ItemVersion.objects().where(where).first()
        assert row is not None
        self._frozen[key] = row.id
        self._versions[row.id] = item.spec
        return row.id

    async def spec_of_version(self, version_id: uuid.UUID) -> ItemSpec:
        """The declaration a case started with, whatever the plugin declares today."""
        spec = self._versions.get(version_id)
        if spec is None:
            rows = await ItemVersion.select(ItemVersion.spec).where(ItemVersion.id == version_id)
            if not rows:
                raise NotFound(N_("找不到事项版本"), code="item_version_not_found")
            stored = rows[0]["spec"]
            spec = spec_from_json(
                stored if isinstance(stored, str | bytes) else msgspec.json.encode(stored)
            )
            self._versions[version_id] = spec
        return spec

    async def versions(self, code: str) -> list[ItemVersionOut]:
        current = self.registry.items.get(code)
        current_digest = (
            hashlib.sha256(msgspec.json.encode(current.spec)).hexdigest() if current else ""
        )
        rows = (
            await ItemVersion.select(
                ItemVersion.id,
                ItemVersion.version,
                ItemVersion.plugin,
                ItemVersion.digest,
                ItemVersion.created_at,
            )
            .where(ItemVersion.code == code)
            .order_by(ItemVersion.created_at, ascending=False)
        )
        return [
            ItemVersionOut(
                id=row["id"],
                version=row["version"],
                plugin=row["plugin"],
                digest=row["digest"],
                published_at=row["created_at"],
                current=row["digest"] == current_digest,
            )
            for row in rows
        ]

    # --- libraries (R-L1) ------------------------------------------------------

    def library_items(self, library: str | None = None) -> list[LibraryItem]:
        """Every installed item; ``convenience`` or ``government`` picks one library."""
        out = []
        for code in sorted(self.registry.items):
            installed = self.registry.items[code]
            spec = installed.spec
            convenience = spec.item_type in CONVENIENCE_TYPES
            if (library == "convenience" and not convenience) or (
                library == "government" and convenience
            ):
                continue
            out.append(
                LibraryItem(
                    code=spec.code,
                    name=spec.name,
                    name_en=spec.name_en,
                    item_type=spec.item_type,
                    item_type_label=ITEM_TYPES[spec.item_type],
                    plugin=installed.plugin,
                    plugin_version=self.registry.plugin_version(installed.plugin),
                    version=spec.version,
                    department_kind=spec.department_kind,
                    statutory_days=spec.statutory_days,
                    promised_days=spec.promised_days,
                    legal_basis=spec.legal_basis,
                )
            )
        return out

    def regulations(self) -> list[Regulation]:
        """Every law and document the installed items rely on, with their citations."""
        found: dict[str, Regulation] = {}
        for code in sorted(self.registry.items):
            spec = self.registry.items[code].spec
            cited = [
                (b.title, b.level, b.issuer, b.document_number, b.articles)
                for b in spec.legal_basis
            ]
            for title, level, issuer, number, articles in cited:
                regulation = found.setdefault(
                    title,
                    Regulation(
                        title=title,
                        level=level,
                        issuer=issuer,
                        document_number=number,
                        citations=[],
                    ),
                )
                regulation.issuer = regulation.issuer or issuer
                regulation.document_number = regulation.document_number or number
                regulation.citations.append(
                    {"item_code": spec.code, "item_name": spec.name, "articles": list(articles)}
                )
        return sorted(found.values(), key=lambda r: r.title)
