"""The e-certificate library (电子证照库, R-L3): an approved case whose item declares
``result_certificate`` issues one certificate (exactly one: a unique index on the
case) to its applicant; applications for other items then draw materials of that
``certificate_type`` from the library instead of asking for an upload (一次办成).

The certificate is the record here; its printable, signed rendition is a document
(the workbench issue's document generation).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from govhall.cases.tables import Case, Certificate
from govhall.errors import Conflict
from govhall.i18n import N_
from govhall.identity.access import require_account
from govhall.identity.tokens import Principal
from govhall.sdk import ItemSpec
from govhall.tenancy.schemas import TenantInfo


class CertificateOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    certificate_type: str
    number: str
    holder_name: str
    item_code: str
    issued_on: date
    status: str
    tenant: str
    valid_until: date | None = None
    """The last day it is valid (行政许可法 §50); None: no expiry."""


def valid_until(issued_on: date, years: int) -> date | None:
    """The last day of a validity of ``years`` from ``issued_on`` (the day before the
    anniversary; 29 February issues run to 27 February)."""
    if years <= 0:
        return None
    try:
        anniversary = issued_on.replace(year=issued_on.year + years)
    except ValueError:  # 29 February
        anniversary = issued_on.replace(year=issued_on.year + years, day=28)
    return anniversary - timedelta(days=1)


class Renewal(msgspec.Struct, kw_only=True):
    """The certificate a renewal application renews, and when it expires."""

    number: str
    certificate_type: str
    expires_on: date


async def renewal_of(holder_id: uuid.UUID, spec: ItemSpec, today: date) -> Renewal | None:
    """§50: for a renewal item, the holder's certificate it renews — refused when there
    is none still valid, or when the renewal window has not opened yet."""
    if spec.handling_kind != "renew" or not spec.renews:
        return None
    rows = (
        await Certificate.select(Certificate.number, Certificate.valid_until)
        .where(
            (Certificate.holder == holder_id)
            & (Certificate.status == "valid")
            & (Certificate.certificate_type == spec.renews)
            & Certificate.valid_until.is_not_null()
            & (Certificate.valid_until >= today)
        )
        .order_by(Certificate.valid_until, ascending=False)
        .first()
    )
    if rows is None:
        raise Conflict(
            N_("没有可以延续的有效“{kind}”：证件已过期或不存在的，请重新申请"),
            code="nothing_to_renew",
            kind=spec.renews,
        )
    opens = rows["valid_until"] - timedelta(days=spec.renewal_window_days)
    if today < opens:
        raise Conflict(
            N_("“{kind}”有效期至 {until}，可于 {opens} 起申请延续"),
            code="renewal_not_open",
            kind=spec.renews,
            until=rows["valid_until"].isoformat(),
            opens=opens.isoformat(),
        )
    return Renewal(
        number=rows["number"], certificate_type=spec.renews, expires_on=rows["valid_until"]
    )


async def issue_for(tenant: TenantInfo, case_id: uuid.UUID, spec: ItemSpec) -> None:
    """Issue the case's certificate if its item makes one and it was approved; safe
    to call again (the second call finds the certificate there)."""
    if not spec.result_certificate:
        return
    case = (
        await Case.select(
            Case.id, Case.applicant, Case.applicant_name, Case.serial_number, Case.decision
        )
        .where(Case.id == case_id)
        .first()
    )
    if case is None or case["applicant"] is None or case["decision"] != "approved":
        return
    issued_on = datetime.now(ZoneInfo(tenant.time_zone)).date()
    row = Certificate(
        tenant=tenant.id,
        holder=case["applicant"],
        case=case["id"],
        certificate_type=spec.result_certificate,
        number=case["serial_number"],
        holder_name=case["applicant_name"],
        item_code=spec.code,
        issued_on=issued_on,
        valid_until=valid_until(issued_on, spec.result_valid_years),
    )
    await Certificate.insert(row).on_conflict(action="DO NOTHING")


_COLUMNS = (
    Certificate.id,
    Certificate.certificate_type,
    Certificate.number,
    Certificate.holder_name,
    Certificate.item_code,
    Certificate.issued_on,
    Certificate.valid_until,
    Certificate.status,
    Certificate.tenant.slug,
)


def _out(row: dict[str, Any]) -> CertificateOut:
    return CertificateOut(
        **{k: v for k, v in row.items() if k != "tenant.slug"}, tenant=row["tenant.slug"]
    )


async def certificates_of(principal: Principal) -> list[CertificateOut]:
    """The account's own certificates, from every government that issued one."""
    holder = require_account(principal)
    rows = (
        await Certificate.select(*_COLUMNS)
        .where(Certificate.holder == holder.id)
        .order_by(Certificate.issued_on, ascending=False)
    )
    return [_out(r) for r in rows]


async def usable_for(holder_id: uuid.UUID, spec: ItemSpec) -> dict[str, CertificateOut]:
    """Material code → the holder's valid certificate of the type it asks for."""
    wanted = {
        m.code: m.certificate_type
        for m in spec.materials
        if m.source == "e_certificate" and m.certificate_type
    }
    if not wanted:
        return {}
    rows = (
        await Certificate.select(*_COLUMNS)
        .where(
            (Certificate.holder == holder_id)
            & (Certificate.status == "valid")
            & Certificate.certificate_type.is_in(sorted(set(wanted.values())))
        )
        .order_by(Certificate.issued_on, ascending=False)
    )
    newest: dict[str, CertificateOut] = {}
    for row in rows:
        newest.setdefault(row["certificate_type"], _out(row))
    return {code: newest[kind] for code, kind in wanted.items() if kind in newest}
