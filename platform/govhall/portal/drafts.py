"""Applying online on the portal (R-A6): drafts saved at every step, the form read
back from an HTML form against the item's FormSpec, materials attached as they are
uploaded, a fee preview, and submission exactly once.

A draft belongs to one account; every read and write checks that, so a draft id
seen by someone else opens nothing. Submitting claims the draft (``draft`` →
``submitting`` in one UPDATE) before the case is created: a double click, a
second tab or a retried request find it claimed and are shown the receipt.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import msgspec

from govhall.cases.enterprise import SubmissionOut
from govhall.cases.schemas import ApplicationCreate, ApplicationOut, MaterialRef
from govhall.cases.sealing import open_sealed, restore, seal_form
from govhall.catalog.forms import describe_fields, strip_hidden, validate_form
from govhall.catalog.services import TenantItem
from govhall.errors import Conflict, FieldError, InvalidInput, NotFound
from govhall.fees.services import assess_fees, total_fen
from govhall.i18n import N_
from govhall.identity import fieldcrypt
from govhall.identity.services import applicant_facts
from govhall.identity.tokens import Principal
from govhall.portal.tables import Draft
from govhall.sdk import FeeLine, FormSpec, evaluate
from govhall.storage.tables import BlobRecord
from govhall.tenancy.schemas import TenantInfo

if TYPE_CHECKING:
    from govhall.services import Services

DRAFT_COLUMN = "portal_draft.form_sealed"
FIELD_PREFIX = "f."


class DraftMaterial(msgspec.Struct, kw_only=True):
    material_code: str
    blob_id: uuid.UUID
    filename: str
    size: int


class DraftView(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    item_code: str
    handling_unit: str
    on_behalf_of: str
    form: dict[str, Any]
    """With ID numbers opened: only ever shown to the draft's own account."""
    materials: list[DraftMaterial]
    status: str
    receipt: dict[str, Any]
    updated_at: datetime


def _view(row: dict[str, Any]) -> DraftView:
    form = restore(row["form"] or {}, open_sealed(row["form_sealed"] or {}, DRAFT_COLUMN))
    return DraftView(
        id=row["id"],
        item_code=row["item_code"],
        handling_unit=row["handling_unit"],
        on_behalf_of=row["on_behalf_of"],
        form=form,
        materials=msgspec.convert(row["materials"] or [], list[DraftMaterial]),
        status=row["status"],
        receipt=_opened_receipt(row["receipt"] or {}),
        updated_at=row["updated_at"],
    )


async def start_draft(
    services: Services, tenant: TenantInfo, applicant: Principal, item: TenantItem
) -> uuid.UUID:
    """A new draft for the item, prefilled with what the account already told us and
    what the item's plugin adds (the ``govhall_prefill`` hook)."""
    facts = await applicant_facts(applicant)
    prefilled = await services.registry.prefill(item.installed, facts, tenant.slug)
    spec = item.installed.spec
    known = {
        k: v for k, v in prefilled.items() if k in spec.form.properties and v not in ("", None)
    }
    masked, sealed = seal_form(spec.form, known, DRAFT_COLUMN)
    row = Draft(
        tenant=tenant.id,
        account=applicant.id,
        item_code=spec.code,
        handling_unit=item.units[0].code if len(item.units) == 1 else "",
        form=masked,
        form_sealed=sealed,
    )
    await row.save()
    return uuid.UUID(str(row.id))


async def load_draft(tenant: TenantInfo, applicant: Principal, draft_id: uuid.UUID) -> DraftView:
    row = (
        await Draft.select()
        .output(load_json=True)
        .where(
            (Draft.id == draft_id) & (Draft.tenant == tenant.id) & (Draft.account == applicant.id)
        )
        .first()
    )
    if row is None:
        raise NotFound(N_("找不到该草稿，可能已被删除"), code="draft_not_found")
    return _view(row)


async def draft_with_item(
    services: Services, tenant: TenantInfo, applicant: Principal, draft_id: uuid.UUID
) -> tuple[DraftView, TenantItem]:
    """The applicant's draft and the item it applies for (as the tenant offers it)."""
    draft = await load_draft(tenant, applicant, draft_id)
    return draft, await services.catalog.tenant_item(tenant, draft.item_code)


async def my_drafts(tenant: TenantInfo, applicant: Principal) -> list[DraftView]:
    rows = (
        await Draft.select()
        .output(load_json=True)
        .where(
            (Draft.tenant == tenant.id)
            & (Draft.account == applicant.id)
            & (Draft.status == "draft")
        )
        .order_by(Draft.updated_at, ascending=False)
        .limit(50)
    )
    return [_view(r) for r in rows]


async def earlier_uploads(
    tenant: TenantInfo, applicant: Principal, limit: int = 30
) -> list[dict[str, Any]]:
    """The applicant's own files uploaded before on this portal, newest first, to
    attach again (材料复用) instead of scanning them once more."""
    rows: list[dict[str, Any]] = (
        await BlobRecord.select(
            BlobRecord.id, BlobRecord.filename, BlobRecord.size, BlobRecord.content_type
        )
        .where(
            (BlobRecord.tenant == tenant.id)
            & (BlobRecord.owner_kind == applicant.kind)
            & (BlobRecord.owner_id == applicant.id)
        )
        .order_by(BlobRecord.created_at, ascending=False)
        .limit(limit)
    )
    return rows


def _editable(draft: DraftView) -> None:
    if draft.status != "draft":
        raise Conflict(N_("该申请已提交，不能再修改"), code="draft_submitted")


def read_posted_form(spec: FormSpec, posted: dict[str, Any]) -> dict[str, Any]:
    """An HTML form's fields (``f.<name>``, ``f.<list>.<row>.<column>``) as the item's
    form data: numbers as numbers where they parse (else kept as typed, for the
    validator to name), checkboxes as booleans, empty fields left out, so a draft
    keeps exactly what the applicant typed."""
    out: dict[str, Any] = {}
    rows: dict[str, dict[int, dict[str, str]]] = {}
    for key, raw in posted.items():
        if not key.startswith(FIELD_PREFIX):
            continue
        value = raw[-1] if isinstance(raw, list) else raw
        name, _, rest = key[len(FIELD_PREFIX) :].partition(".")
        prop = spec.properties.get(name)
        if prop is None:
            continue
        if rest:
            index, _, column = rest.partition(".")
            if index.isdigit() and column:
                rows.setdefault(name, {}).setdefault(int(index), {})[column] = str(value).strip()
            continue
        out[name] = _typed(prop, str(value).strip())
    for name, prop in spec.properties.items():
        if prop.get("type") == "boolean":
            out[name] = str(out.get(name, "")).lower() in ("true", "on", "1", "yes")
    for name, by_index in rows.items():
        columns = spec.properties[name].get("items", {}).get("properties", {})
        entries = []
        for position in sorted(by_index):
            entry = {
                column: _typed(columns.get(column, {}), typed)
                for column, typed in by_index[position].items()
                if typed != ""
            }
            if entry:
                entries.append(entry)
        out[name] = entries
    return {name: value for name, value in out.items() if value != "" and value is not None}


def _typed(prop: dict[str, Any], value: str) -> Any:
    kind = prop.get("type")
    if value == "":
        return ""
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            number = float(value)
            return int(number) if number.is_integer() else number
    except ValueError:
        return value
    return value


async def save_form(
    tenant: TenantInfo,
    applicant: Principal,
    draft_id: uuid.UUID,
    item: TenantItem,
    form: dict[str, Any],
    *,
    handling_unit: str | None = None,
    on_behalf_of: str | None = None,
) -> list[FieldError]:
    """Keep what was typed, valid or not, and return the problems the server's own
    rules find (shown next to each field); hidden conditional answers are dropped."""
    draft = await load_draft(tenant, applicant, draft_id)
    _editable(draft)
    spec = item.installed.spec
    visible = strip_hidden(spec.form, form)
    masked, sealed = seal_form(spec.form, visible, DRAFT_COLUMN)
    values: dict[Any, Any] = {
        Draft.form: masked,
        Draft.form_sealed: sealed,
        Draft.updated_at: datetime.now(UTC),
    }
    if handling_unit is not None:
        values[Draft.handling_unit] = handling_unit
    if on_behalf_of is not None:
        values[Draft.on_behalf_of] = on_behalf_of
    await Draft.update(values).where(Draft.id == draft_id)
    return validate_form(spec.form, visible)


async def attach_material(
    tenant: TenantInfo,
    applicant: Principal,
    draft_id: uuid.UUID,
    item: TenantItem,
    material_code: str,
    blob_id: uuid.UUID,
) -> DraftMaterial:
    """Attach an uploaded file to one of the item's materials, after the checks the
    submission makes (declared material, allowed type, size)."""
    from govhall.cases.services import check_materials

    draft = await load_draft(tenant, applicant, draft_id)
    _editable(draft)
    errors, _, _ = await check_materials(
        item.installed.spec,
        [MaterialRef(material_code=material_code, blob_id=blob_id)],
        tenant,
        [applicant],
        {},
        demand_required=False,
    )
    if errors:
        raise InvalidInput(
            errors[0].message, code="invalid_material", errors=errors, **errors[0].params
        )
    blob = (
        await BlobRecord.select(BlobRecord.filename, BlobRecord.size)
        .where(BlobRecord.id == blob_id)
        .first()
    )
    assert blob is not None  # check_materials found it
    attached = DraftMaterial(
        material_code=material_code, blob_id=blob_id, filename=blob["filename"], size=blob["size"]
    )
    materials = [*draft.materials, attached]
    await Draft.update(
        {Draft.materials: msgspec.to_builtins(materials), Draft.updated_at: datetime.now(UTC)}
    ).where(Draft.id == draft_id)
    return attached


async def detach_material(
    tenant: TenantInfo, applicant: Principal, draft_id: uuid.UUID, blob_id: uuid.UUID
) -> None:
    draft = await load_draft(tenant, applicant, draft_id)
    _editable(draft)
    kept = [m for m in draft.materials if m.blob_id != blob_id]
    await Draft.update(
        {Draft.materials: msgspec.to_builtins(kept), Draft.updated_at: datetime.now(UTC)}
    ).where(Draft.id == draft_id)


async def discard_draft(tenant: TenantInfo, applicant: Principal, draft_id: uuid.UUID) -> None:
    draft = await load_draft(tenant, applicant, draft_id)
    _editable(draft)
    await Draft.delete().where((Draft.id == draft_id) & (Draft.status == "draft"))


class FeePreview(msgspec.Struct, kw_only=True):
    lines: list[FeeLine]
    total_fen: int


async def fee_preview(services: Services, item: TenantItem, form: dict[str, Any]) -> FeePreview:
    """The fees the submission would assess, from the same rules and plugin hooks."""
    spec = item.installed.spec
    visible = strip_hidden(spec.form, form)
    lines = await services.registry.adjust_fees(item.installed, visible, assess_fees(spec, visible))
    return FeePreview(lines=lines, total_fen=total_fen(lines))


def visible_fields(spec: FormSpec, form: dict[str, Any]) -> list[dict[str, Any]]:
    """The form's fields for the page, each with whether its condition holds now."""
    fields = describe_fields(spec)
    for described in fields:
        rule = next((c.when for c in spec.conditional if c.field == described["name"]), None)
        described["shown"] = rule is None or evaluate(rule, form)
        if described["type"] == "array":
            columns = spec.properties[described["name"]].get("items", {}).get("properties", {})
            described["columns"] = [
                {
                    "name": name,
                    "label": column.get("title", name),
                    "label_en": column.get("x-title-en", column.get("title", name)),
                }
                for name, column in columns.items()
            ]
    return fields


async def submit_draft(
    services: Services,
    tenant: TenantInfo,
    applicant: Principal,
    draft_id: uuid.UUID,
    locale: str,
) -> dict[str, Any]:
    """Submit once. Returns the receipt; a draft already submitted returns its
    receipt again; one being submitted by a parallel request is a 409."""
    from govhall.cases.applying import file_application

    draft = await load_draft(tenant, applicant, draft_id)
    if draft.status == "submitted":
        return draft.receipt
    claimed = (
        await Draft.update({Draft.status: "submitting", Draft.updated_at: datetime.now(UTC)})
        .where((Draft.id == draft_id) & (Draft.status == "draft"))
        .returning(Draft.id)
    )
    if not claimed:
        raise Conflict(N_("该申请正在提交，请勿重复点击"), code="draft_submitting")
    data = ApplicationCreate(
        item_code=draft.item_code,
        form=draft.form,
        materials=[
            MaterialRef(material_code=m.material_code, blob_id=m.blob_id) for m in draft.materials
        ],
        handling_unit=draft.handling_unit or None,
        on_behalf_of=draft.on_behalf_of or None,
    )
    try:
        filed = await file_application(services, tenant, applicant, data, locale)
    except BaseException:
        # Refused (or failed): the draft is the applicant's again, unchanged, to fix.
        await Draft.update({Draft.status: "draft"}).where(Draft.id == draft_id)
        raise
    receipt: dict[str, Any]
    if isinstance(filed, SubmissionOut):
        receipt = {"held": True, "submission": msgspec.to_builtins(filed)}
    else:
        receipt = _receipt_dict(filed)
    await Draft.update(
        {
            Draft.status: "submitted",
            Draft.receipt: receipt,
            Draft.form: {},
            Draft.form_sealed: {},
            Draft.updated_at: datetime.now(UTC),
        }
    ).where(Draft.id == draft_id)
    return _opened_receipt(receipt)


RECEIPT_COLUMN = "portal_draft.receipt"


def _receipt_dict(filed: ApplicationOut) -> dict[str, Any]:
    """The receipt kept for showing again (a reload, a double click); the query code
    is sealed in it like an ID number, opened only for the draft's own account."""
    out: dict[str, Any] = msgspec.to_builtins(filed)
    out["query_code"] = fieldcrypt.cipher().seal(filed.query_code, RECEIPT_COLUMN)
    out["held"] = False
    return out


def _opened_receipt(receipt: dict[str, Any]) -> dict[str, Any]:
    if receipt.get("query_code"):
        receipt = {
            **receipt,
            "query_code": fieldcrypt.cipher().open(receipt["query_code"], RECEIPT_COLUMN),
        }
    return receipt
