"""Payments of assessed fees (R-W9): staff issue the payment notice (缴费通知) for a
case's fees; the applicant pays through a payment provider plugin (or at the
window, confirmed by a clerk); the provider's signed callback marks the order paid
exactly once — a notice with a bad signature, a replayed one or one for another
amount is refused and changes nothing — and the payer gets a receipt number.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import msgspec

from govhall import db
from govhall.audit.services import Actor, record
from govhall.cases.tables import Case
from govhall.errors import Conflict, Forbidden, InvalidInput, NotFound
from govhall.fees.tables import PaymentOrder, UsedNotice
from govhall.i18n import N_
from govhall.identity.access import require_account, require_party_of, require_staff_of
from govhall.identity.services import covers, grants_of, org_unit_path
from govhall.identity.tokens import Principal
from govhall.sdk import PaymentOrder as ProviderOrder
from govhall.tenancy.schemas import TenantInfo

if TYPE_CHECKING:
    from govhall.services import Services

#: Who may issue payment notices and confirm payments at the window.
FEE_ROLES = ("clerk", "handler")


class OrderOut(msgspec.Struct, kw_only=True):
    order_no: str
    serial_number: str
    payer_name: str
    amount_fen: int
    lines: list[dict[str, Any]]
    status: str
    provider: str
    receipt_no: str
    paid_at: datetime | None
    refund_fen: int = 0
    refund_reason: str = ""


class PayIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    provider: str


class PayOut(msgspec.Struct, kw_only=True):
    order_no: str
    provider: str
    pay_url: str
    """Where to send the payer; empty: pay at the window."""


def _out(row: dict[str, Any]) -> OrderOut:
    return OrderOut(
        order_no=row["order_no"],
        serial_number=row["case.serial_number"],
        payer_name=row["payer_name"],
        amount_fen=row["amount_fen"],
        lines=list(row["lines"] or []),
        status=row["status"],
        provider=row["provider"],
        receipt_no=row["receipt_no"],
        paid_at=row["paid_at"],
        refund_fen=row["refund_fen"],
        refund_reason=row["refund_reason"],
    )


_COLUMNS = (
    PaymentOrder.order_no,
    PaymentOrder.case.serial_number,
    PaymentOrder.payer_name,
    PaymentOrder.amount_fen,
    PaymentOrder.lines,
    PaymentOrder.status,
    PaymentOrder.provider,
    PaymentOrder.receipt_no,
    PaymentOrder.paid_at,
    PaymentOrder.refund_fen,
    PaymentOrder.refund_reason,
)


async def _staff_over_case(tenant: TenantInfo, staff: Principal, serial_number: str) -> Case:
    if staff.kind != "staff" or staff.tenant_id != tenant.id:
        raise Forbidden(N_("仅本单位工作人员可以办理"), code="staff_required")
    case = (
        await Case.objects()
        .output(load_json=True)
        .where((Case.tenant == tenant.id) & (Case.serial_number == serial_number))
        .first()
    )
    if case is None:
        raise NotFound(
            N_("找不到办件 {serial_number}"), code="case_not_found", serial_number=serial_number
        )
    path = await org_unit_path(case.department)
    grants = await grants_of(staff.id, tenant)
    if not any(covers(grants, role, path) for role in FEE_ROLES):
        raise Forbidden(N_("只有受理或承办人员可以办理收费"), code="role_required")
    return case


async def issue_notice(tenant: TenantInfo, staff: Principal, serial_number: str) -> OrderOut:
    """The payment notice for the case's assessed fees; one unpaid order at a time."""
    case = await _staff_over_case(tenant, staff, serial_number)
    if case.fee_total <= 0:
        raise Conflict(N_("该办件没有应缴费用"), code="no_fee_due")
    existing = await PaymentOrder.exists().where(
        (PaymentOrder.case == case.id) & PaymentOrder.status.is_in(["unpaid", "paid"])
    )
    if existing:
        raise Conflict(N_("该办件已开具缴费通知"), code="payment_notice_exists")
    row = PaymentOrder(
        tenant=tenant.id,
        case=case.id,
        order_no=f"P{case.serial_number}{uuid.uuid4().hex[:4].upper()}",
        payer_name=case.applicant_name,
        amount_fen=case.fee_total,
        lines=case.fees,
    )
    async with db.transaction():
        await row.save()
        await record(
            tenant.id,
            Actor(kind="staff", id=str(staff.id), name=staff.name),
            "payment_notice_issued",
            target=serial_number,
            detail={"order": row.order_no, "amount_fen": case.fee_total},
        )
    return (await _orders(PaymentOrder.id == row.id))[0]


async def _orders(where: Any) -> list[OrderOut]:
    rows = (
        await PaymentOrder.select(*_COLUMNS)
        .output(load_json=True)
        .where(where)
        .order_by(PaymentOrder.created_at)
    )
    return [_out(r) for r in rows]


async def orders_of_case(
    tenant: TenantInfo, principal: Principal, serial_number: str
) -> list[OrderOut]:
    require_party_of(principal, tenant)
    case = (
        await Case.select(Case.id, Case.applicant)
        .where((Case.tenant == tenant.id) & (Case.serial_number == serial_number))
        .first()
    )
    if case is not None and principal.kind == "account" and case["applicant"] != principal.id:
        raise Forbidden(N_("只有缴费人本人可以查看"), code="payer_only")
    if case is None:
        raise NotFound(
            N_("找不到办件 {serial_number}"), code="case_not_found", serial_number=serial_number
        )
    return await _orders(PaymentOrder.case == case["id"])


async def _unpaid_order_of(
    tenant: TenantInfo, order_no: str
) -> tuple[PaymentOrder, dict[str, Any]]:
    order = (
        await PaymentOrder.objects()
        .where((PaymentOrder.tenant == tenant.id) & (PaymentOrder.order_no == order_no))
        .first()
    )
    if order is None:
        raise NotFound(N_("找不到缴费单 {order}"), code="order_not_found", order=order_no)
    case = (
        await Case.select(Case.applicant, Case.serial_number).where(Case.id == order.case).first()
    )
    assert case is not None
    if order.status != "unpaid":
        raise Conflict(N_("该缴费单已缴清"), code="order_paid")
    return order, case


async def start_payment(
    services: Services, tenant: TenantInfo, payer: Principal, order_no: str, data: PayIn
) -> PayOut:
    require_account(payer)
    order, case = await _unpaid_order_of(tenant, order_no)
    if payer.kind != "account" or case["applicant"] != payer.id:
        raise Forbidden(N_("只有缴费人本人可以支付"), code="payer_only")
    provider = services.registry.payment_providers.get(data.provider)
    if provider is None:
        raise InvalidInput(
            N_("没有名为“{name}”的支付方式，可选：{names}"),
            code="unknown_provider",
            name=data.provider,
            names="、".join(services.registry.payment_providers),
        )
    base = services.settings.public_url.rstrip("/")
    request = await provider.create_payment(
        ProviderOrder(
            order_id=order.order_no, amount_fen=order.amount_fen, subject=case["serial_number"]
        ),
        notify_url=f"{base}/t/{tenant.slug}/api/v1/payments/callback/{provider.name}",
    )
    await PaymentOrder.update(
        {PaymentOrder.provider: provider.name, PaymentOrder.provider_ref: request.provider_ref}
    ).where(PaymentOrder.id == order.id)
    return PayOut(order_no=order.order_no, provider=provider.name, pay_url=request.pay_url)


async def _mark_paid(
    tenant: TenantInfo, order: PaymentOrder, provider: str, ref: str, actor: Actor
) -> OrderOut:
    receipt = f"R{order.order_no[1:]}"
    paid = (
        await PaymentOrder.update(
            {
                PaymentOrder.status: "paid",
                PaymentOrder.provider: provider,
                PaymentOrder.provider_ref: ref[:100],
                PaymentOrder.receipt_no: receipt,
                PaymentOrder.paid_at: datetime.now(UTC),
            }
        )
        .where((PaymentOrder.id == order.id) & (PaymentOrder.status == "unpaid"))
        .returning(PaymentOrder.id)
    )
    if not paid:
        raise Conflict(N_("该缴费单已缴清"), code="order_paid")
    await record(
        tenant.id,
        actor,
        "payment_received",
        target=order.order_no,
        detail={"provider": provider, "amount_fen": order.amount_fen, "receipt": receipt},
    )
    return (await _orders(PaymentOrder.id == order.id))[0]


async def confirm_at_counter(tenant: TenantInfo, staff: Principal, order_no: str) -> OrderOut:
    require_staff_of(staff, tenant)
    order, case = await _unpaid_order_of(tenant, order_no)
    await _staff_over_case(tenant, staff, case["serial_number"])
    async with db.transaction():
        return await _mark_paid(
            tenant,
            order,
            "counter",
            f"counter:{staff.username}",
            Actor(kind="staff", id=str(staff.id), name=staff.name),
        )


async def provider_callback(
    services: Services,
    tenant: TenantInfo,
    provider_name: str,
    headers: dict[str, str],
    body: bytes,
) -> OrderOut:
    """A provider's notice: verified, used once, for the exact amount — then paid."""
    provider = services.registry.payment_providers.get(provider_name)
    if provider is None:
        raise NotFound(
            N_("没有名为“{name}”的支付方式"), code="unknown_provider", name=provider_name
        )
    try:
        notice = await provider.verify_notice(headers, body)
    except (ValueError, msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise Forbidden(N_("支付通知验签失败"), code="payment_signature_invalid") from exc
    order, _ = await _unpaid_order_of(tenant, notice.order_id)
    if notice.paid_fen != order.amount_fen:
        raise InvalidInput(N_("支付金额与缴费单不符"), code="payment_amount_mismatch")
    async with db.transaction():
        try:
            await UsedNotice(
                provider=provider.name, notice_id=f"{provider.name}:{notice.provider_ref}"[:100]
            ).save()
        except Exception as exc:
            if db.is_unique_violation(exc):
                raise Conflict(N_("重复的支付通知"), code="payment_notice_replayed") from exc
            raise
        return await _mark_paid(
            tenant,
            order,
            provider.name,
            notice.provider_ref,
            Actor(kind="system", id=provider.name, name=provider.label or provider.name),
        )


class ReceiptOut(msgspec.Struct, kw_only=True):
    """收据: one payer's receipt for a paid order."""

    order: OrderOut
    item_name: str
    payee: str
    amount_in_words: str
    refund_in_words: str


async def receipt_of(
    services: Services, tenant: TenantInfo, principal: Principal, order_no: str
) -> ReceiptOut:
    """The payer (or the tenant's staff) reads the receipt of a paid order."""
    import cn2an

    require_party_of(principal, tenant)
    row = (
        await PaymentOrder.select(
            PaymentOrder.case.applicant, PaymentOrder.case.item_code, PaymentOrder.case.department
        )
        .where((PaymentOrder.tenant == tenant.id) & (PaymentOrder.order_no == order_no))
        .first()
    )
    if row is not None and principal.kind == "account" and row["case.applicant"] != principal.id:
        raise Forbidden(N_("只有缴费人本人可以查看"), code="payer_only")
    orders = await _orders((PaymentOrder.tenant == tenant.id) & (PaymentOrder.order_no == order_no))
    if row is None or not orders:
        raise NotFound(N_("找不到缴费单 {order}"), code="order_not_found", order=order_no)
    order = orders[0]
    if order.status not in ("paid", "refunded"):
        raise Conflict(N_("该缴费单尚未缴费，没有收据"), code="order_not_paid")
    from govhall.tenancy.tables import OrgUnit

    unit = await OrgUnit.select(OrgUnit.name).where(OrgUnit.id == row["case.department"]).first()
    installed = services.registry.items.get(row["case.item_code"])

    def words(fen: int) -> str:
        return str(cn2an.an2cn(f"{fen / 100:.2f}", "rmb")) if fen else ""

    return ReceiptOut(
        order=order,
        item_name=installed.spec.name if installed else row["case.item_code"],
        payee=unit["name"] if unit else tenant.name,
        amount_in_words=words(order.amount_fen),
        refund_in_words=words(order.refund_fen),
    )
