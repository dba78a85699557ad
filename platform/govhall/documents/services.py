"""Issuing documents when a case reaches the step where they are due (R-W10), and
checking them: by their short code (anyone: the essential fields, validity, and
whether the stored record's signature holds) and by comparing an uploaded copy
with the issued file (any changed byte shows).

Acceptance → 受理通知书; correction request → 补正告知书; a §45 special procedure →
特别程序告知书 (the procedure and the time it needs); rejection → 不予受理决定书;
denial → 不予许可决定书; an approved conclusion → 准予许可决定书 and the item's
licence, when its plugin declares one. One document per kind and case event, so a
retried announcement issues nothing twice.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import msgspec
from jinja2.sandbox import SandboxedEnvironment

from govhall.cases.tables import Case
from govhall.documents import signing
from govhall.documents.tables import Document, SigningKey
from govhall.errors import Forbidden, NotFound
from govhall.i18n import N_
from govhall.identity.access import require_party_of
from govhall.identity.tokens import Principal
from govhall.sdk import DocumentTemplate, ItemSpec
from govhall.storage.services import store_upload
from govhall.storage.tables import BlobRecord
from govhall.tenancy.schemas import TenantInfo
from govhall.tenancy.tables import OrgUnit
from govhall.workflow.engine import ActionOutcome

if TYPE_CHECKING:
    from govhall.services import Services

log = logging.getLogger(__name__)

KINDS_BY_ACTION = {
    "accept": ("acceptance_notice",),
    "request_correction": ("correction_notice",),
    "pause": ("special_procedure_notice",),
    "reject": ("rejection_notice",),
    "deny": ("denial_decision",),
}
ON_APPROVED_CONCLUSION = ("approval_decision", "licence", "certificate")
#: Short codes avoid look-alike characters, like query codes.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_templates = SandboxedEnvironment(autoescape=True)


class DocumentOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    kind: str
    title: str
    code: str
    status: str
    issued_at: datetime


class VerificationOut(msgspec.Struct, kw_only=True):
    code: str
    title: str
    kind: str
    status: str
    """valid | revoked"""
    signature_valid: bool
    """The stored record is exactly what was signed when it was issued."""
    fields: dict[str, Any]
    issued_at: datetime


def _code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


def kinds_for(outcome: ActionOutcome) -> tuple[str, ...]:
    if outcome.to_status == "concluded" and outcome.decision == "approved":
        return ON_APPROVED_CONCLUSION
    return KINDS_BY_ACTION.get(outcome.action, ())


async def issue_for_action(
    services: Services,
    tenant: TenantInfo,
    outcome: ActionOutcome,
    *,
    opinion: str = "",
    corrections: list[str] | None = None,
) -> list[DocumentOut]:
    """Issue what this action makes due. A failure is reported (Sentry) and the action
    stands: the document can be issued again from the case."""
    kinds = kinds_for(outcome)
    installed = services.registry.items.get(outcome.item_code)
    if not kinds or installed is None:
        return []
    try:
        spec = await services.catalog.spec_of_version(outcome.item_version)
        templates = services.registry.documents.get(outcome.item_code, {})
        issued = []
        for kind in kinds:
            template = templates.get(kind)
            if kind == "certificate" and not spec.result_certificate:
                continue  # only results that are certificates (R-L3) get one
            if template is not None:
                issued.append(
                    await _issue(
                        services, tenant, outcome, spec, template, opinion, corrections or []
                    )
                )
        return [d for d in issued if d is not None]
    except Exception as exc:  # the legal action is done; never undo it for a PDF
        log.exception("issuing documents for %s failed", outcome.serial_number)
        import sentry_sdk  # on use: ~0.3 s of every process start otherwise

        sentry_sdk.capture_exception(exc)
        return []


def _procedure(outcome: ActionOutcome) -> dict[str, Any]:
    """A special procedure the case is in (§45): its name, the time it needs and until
    when — for the 特别程序告知书."""
    from govhall.workflow.machine import SPECIAL_PROCEDURES

    hold = outcome.state.hold
    if hold is None or hold.kind != "special":
        return {}
    name = SPECIAL_PROCEDURES.get(hold.procedure)
    return {
        "name": name["zh-CN"] if name else hold.procedure,
        "days": hold.days_needed,
        "until": hold.due_on.strftime("%Y年%m月%d日") if hold.due_on else "",
        "hearing": hold.procedure == "hearing",
    }


async def _issue(
    services: Services,
    tenant: TenantInfo,
    outcome: ActionOutcome,
    spec: ItemSpec,
    template: DocumentTemplate,
    opinion: str,
    corrections: list[str],
) -> DocumentOut | None:
    already = await Document.exists().where(
        (Document.case == outcome.case_id)
        & (Document.event_seq == outcome.event_seq)
        & (Document.kind == template.kind)
    )
    if already:
        return None
    case = await Case.objects().where(Case.id == outcome.case_id).first()
    assert case is not None
    department = await OrgUnit.select(OrgUnit.name).where(OrgUnit.id == case.department).first()
    issuer = department["name"] if department else tenant.name
    today = datetime.now(ZoneInfo(tenant.time_zone)).date()
    code = _code()
    number = f"{case.serial_number}-{outcome.event_seq:02d}"
    context = {
        "case": {
            "serial_number": case.serial_number,
            "applicant_name": case.applicant_name,
            "submitted_date": case.submitted_at.astimezone(ZoneInfo(tenant.time_zone)).strftime(
                "%Y年%m月%d日"
            ),
        },
        "item": {"name": spec.name, "code": spec.code, "result_name": spec.result_name},
        "tenant": {"name": tenant.name},
        "department": {"name": issuer},
        "form": case.form,
        "decision": outcome.decision,
        "reason": opinion,
        "corrections": corrections,
        "document_number": f"编号：{number}",
        "promised_days": (await services.catalog.tenant_item(tenant, spec.code)).promised_days,
        "date": today.strftime("%Y年%m月%d日"),
        "validity": template.validity,
        "procedure": _procedure(outcome),
    }
    body = _templates.from_string(template.body).render(**context)
    base = services.settings.public_url.rstrip("/")
    verify_url = f"{base}/t/{tenant.slug}/verify/{code}"
    payload = {
        "code": code,
        "kind": template.kind,
        "title": template.name,
        "number": number,
        "serial_number": case.serial_number,
        "item": spec.name,
        "holder": case.applicant_name,
        "issuer": issuer,
        "issued_on": today.isoformat(),
        "tenant": tenant.slug,
        **({"validity": template.validity} if template.validity else {}),
    }
    title = spec.result_certificate if template.kind == "certificate" else template.name
    payload["title"] = title
    from govhall.documents.pdf import render_pdf  # reportlab on use: start-up

    content = render_pdf(
        body_html=body,
        title=title,
        issuer=issuer,
        verify_url=verify_url,
        code=code,
        code_label="验证码",
        metadata=payload,
    )
    key = signing.signing_key(services.settings.secret_key)
    signature = signing.sign(key, payload)
    await SigningKey.insert(
        SigningKey(key_id=signing.key_id(key), public_key=signing.public_key_text(key))
    ).on_conflict(action="DO NOTHING")

    async def chunks() -> Any:
        yield content

    stored = await store_upload(
        chunks=chunks(),
        filename=f"{template.name}-{case.serial_number}.pdf",
        tenant_id=tenant.id,
        # Issued by the platform itself: no person owns the file; it is read through
        # the document's own access checks (the applicant, the tenant's staff).
        owner=Principal(kind="staff", id=uuid.UUID(int=0), username="system", name="system"),
        store=services.blobs,
        max_bytes=max(len(content), 1),
    )
    row = Document(
        tenant=tenant.id,
        case=case.id,
        event_seq=outcome.event_seq,
        kind=template.kind,
        template=template.code,
        title=title,
        code=code,
        payload=payload,
        signature=signature,
        key_id=signing.key_id(key),
        sha256=hashlib.sha256(content).hexdigest(),
        blob=stored.blob_id,
        issued_at=datetime.now(UTC),
    )
    await row.save()
    return DocumentOut(
        id=row.id,
        kind=row.kind,
        title=row.title,
        code=code,
        status="valid",
        issued_at=row.issued_at,
    )


async def documents_of_case(
    tenant: TenantInfo, principal: Principal, serial_number: str
) -> list[DocumentOut]:
    """The case's documents, for its applicant and the tenant's staff."""
    case = await _readable_case(tenant, principal, serial_number)
    rows = (
        await Document.select(
            Document.id,
            Document.kind,
            Document.title,
            Document.code,
            Document.status,
            Document.issued_at,
        )
        .where(Document.case == case)
        .order_by(Document.issued_at)
    )
    return [msgspec.convert(r, DocumentOut) for r in rows]


async def _readable_case(tenant: TenantInfo, principal: Principal, serial_number: str) -> uuid.UUID:
    require_party_of(principal, tenant)
    row = (
        await Case.select(Case.id, Case.applicant)
        .where((Case.tenant == tenant.id) & (Case.serial_number == serial_number))
        .first()
    )
    if row is None:
        raise NotFound(
            N_("找不到办件 {serial_number}"), code="case_not_found", serial_number=serial_number
        )
    staff_here = principal.kind == "staff" and principal.tenant_id == tenant.id
    if not staff_here and not (principal.kind == "account" and row["applicant"] == principal.id):
        raise Forbidden(N_("无权查看该办件的文书"), code="document_forbidden")
    return uuid.UUID(str(row["id"]))


async def document_file(
    tenant: TenantInfo, principal: Principal, document_id: uuid.UUID
) -> BlobRecord:
    require_party_of(principal, tenant)  # other tenants' staff and operators: not at all
    row = (
        await Document.select(Document.case.serial_number, Document.blob)
        .where((Document.id == document_id) & (Document.tenant == tenant.id))
        .first()
    )
    if row is None:
        raise NotFound(N_("找不到该文书"), code="document_not_found")
    await _readable_case(tenant, principal, row["case.serial_number"])
    blob = await BlobRecord.objects().where(BlobRecord.id == row["blob"]).first()
    assert blob is not None
    return blob


async def verify_code(tenant: TenantInfo, code: str) -> VerificationOut:
    row = (
        await Document.objects()
        .output(load_json=True)
        .where((Document.tenant == tenant.id) & (Document.code == code.strip().upper()))
        .first()
    )
    if row is None:
        raise NotFound(N_("验证码不正确，查无此文书"), code="document_not_found")
    known = (
        await SigningKey.select(SigningKey.public_key)
        .where(SigningKey.key_id == row.key_id)
        .first()
    )
    payload: dict[str, Any] = dict(row.payload) if isinstance(row.payload, dict) else {}
    return VerificationOut(
        code=row.code,
        title=row.title,
        kind=row.kind,
        status=row.status,
        signature_valid=known is not None
        and signing.verify(
            signing.public_key_from_text(known["public_key"]), payload, row.signature
        ),
        fields=payload,
        issued_at=row.issued_at,
    )


async def compare_copy(tenant: TenantInfo, code: str, content: bytes) -> bool:
    """Whether an uploaded file is, byte for byte, the document issued under ``code``."""
    row = (
        await Document.select(Document.sha256)
        .where((Document.tenant == tenant.id) & (Document.code == code.strip().upper()))
        .first()
    )
    if row is None:
        raise NotFound(N_("验证码不正确，查无此文书"), code="document_not_found")
    return bool(row["sha256"] == hashlib.sha256(content).hexdigest())
