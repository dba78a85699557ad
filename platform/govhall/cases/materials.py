"""A case's materials at the window (R-W1, R-W8): the automatic completeness check
against the item's list, and the clerk's "original checked" mark that raises a
user-uploaded copy (trust C) to B (R-L3), recorded in the audit log."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec

from govhall import db
from govhall.audit.services import Actor, record
from govhall.cases.tables import Case, CaseEvent, CaseMaterial
from govhall.errors import Conflict, Forbidden, NotFound
from govhall.i18n import N_, Localized
from govhall.identity.services import covers, grants_of, org_unit_path
from govhall.identity.tokens import Principal
from govhall.sdk import ItemSpec, evaluate
from govhall.tenancy.schemas import TenantInfo


class Completeness(msgspec.Struct, kw_only=True):
    complete: bool
    missing: list[str]
    """Required materials neither supplied, nor from an e-certificate, nor 容缺."""
    deferred: list[str]
    """容缺: accepted now, to be supplied later."""
    from_certificates: list[str]


async def completeness(case: Case, spec: ItemSpec, locale: str) -> Completeness:
    supplied = {
        r["material_code"]
        for r in await CaseMaterial.select(CaseMaterial.material_code).where(
            CaseMaterial.case == case.id
        )
    }
    submitted = (
        await CaseEvent.select(CaseEvent.data)
        .output(load_json=True)
        .where((CaseEvent.case == case.id) & (CaseEvent.seq == 1))
        .first()
    )
    data: dict[str, Any] = (submitted or {}).get("data") or {}
    certified = set((data.get("certificates") or {}).keys())
    deferred = set(data.get("outstanding_materials") or [])
    form: dict[str, Any] = case.form if isinstance(case.form, dict) else {}
    missing, later, from_certificates = [], [], []
    for material in spec.materials:
        name = Localized(material.name, material.name_en).pick(locale)
        needed = material.required or (
            material.required_when is not None and evaluate(material.required_when, form)
        )
        if material.code in certified:
            from_certificates.append(name)
        elif material.code in deferred and material.code not in supplied:
            later.append(name)
        elif needed and material.code not in supplied and material.source == "applicant":
            missing.append(name)
    return Completeness(
        complete=not missing, missing=missing, deferred=later, from_certificates=from_certificates
    )


async def mark_original_checked(
    tenant: TenantInfo, staff: Principal, serial_number: str, material_id: uuid.UUID
) -> str:
    """The clerk saw the original of an uploaded copy: trust C becomes B. Returns the
    new level; only a clerk over the case's unit may do it, once."""
    if staff.kind != "staff" or staff.tenant_id != tenant.id:
        raise Forbidden(N_("仅本单位工作人员可以办理"), code="staff_required")
    case = (
        await Case.select(Case.id, Case.department)
        .where((Case.tenant == tenant.id) & (Case.serial_number == serial_number))
        .first()
    )
    if case is None:
        raise NotFound(
            N_("找不到办件 {serial_number}"), code="case_not_found", serial_number=serial_number
        )
    path = await org_unit_path(case["department"])
    if not covers(await grants_of(staff.id, tenant), "clerk", path):
        raise Forbidden(N_("只有受理人员可以核验材料原件"), code="role_required")
    async with db.transaction():
        updated = (
            await CaseMaterial.update({CaseMaterial.trust_level: "B"})
            .where(
                (CaseMaterial.id == material_id)
                & (CaseMaterial.case == case["id"])
                & (CaseMaterial.trust_level == "C")
            )
            .returning(CaseMaterial.material_code)
        )
        if not updated:
            raise Conflict(N_("该材料无需核验原件或已核验"), code="original_already_checked")
        await record(
            tenant.id,
            Actor(kind="staff", id=str(staff.id), name=staff.name),
            "original_checked",
            target=serial_number,
            detail={"material": updated[0]["material_code"], "trust_level": "B"},
        )
    return "B"
