"""Fee corrections and refunds (R-W9): staff correct a case's assessed fees only
within the item's rules — a line may be lowered or waived, with a reason, never
raised above what the rule assesses nor added — and refund a paid order with a
reason. Each change is audited with the amounts before and after; an unpaid
payment notice for the old amounts is cancelled so that a new one is issued.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

import msgspec

from govhall import db
from govhall.audit.services import Actor, record
from govhall.cases.tables import Case
from govhall.errors import Conflict, FieldError, InvalidInput, NotFound
from govhall.fees.payments import OrderOut, _orders, _staff_over_case
from govhall.fees.services import assess_fees
from govhall.fees.tables import PaymentOrder
from govhall.i18n import N_
from govhall.identity.access import require_staff_of
from govhall.identity.tokens import Principal
from govhall.tenancy.schemas import TenantInfo

if TYPE_CHECKING:
    from govhall.services import Services


class FeeCorrection(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    amounts: dict[str, int]
    """New amount in fen by fee line code (lines not named keep their amount)."""
    reason: str


class Refund(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    reason: str
    amount_fen: int | None = None
    """None refunds everything not yet refunded."""


async def assessed_lines(services: Services, case: Case) -> dict[str, dict[str, Any]]:
    """What the item's rules assess for the case's form now, by line code."""
    installed = services.registry.items.get(case.item_code)
    if installed is None:
        return {}
    spec = await services.catalog.spec_of_version(case.item_version)
    form: dict[str, Any] = cast(dict[str, Any], case.form or {})
    lines = await services.registry.adjust_fees(installed, form, assess_fees(spec, form))
    return {line.code: msgspec.to_builtins(line) for line in lines}


async def correct_fees(
    services: Services,
    tenant: TenantInfo,
    staff: Principal,
    serial_number: str,
    data: FeeCorrection,
) -> list[dict[str, Any]]:
    case = await _staff_over_case(tenant, staff, serial_number)
    reason = data.reason.strip()
    if not reason:
        raise InvalidInput(
            N_("请填写更正收费的理由"),
            code="fee_reason_required",
            errors=[FieldError("reason", N_("请填写更正收费的理由"))],
        )
    if await PaymentOrder.exists().where(
        (PaymentOrder.case == case.id) & (PaymentOrder.status == "paid")
    ):
        raise Conflict(N_("费用已缴清，请办理退费而不是更正"), code="fee_already_paid")
    rules = await assessed_lines(services, case)
    fees = cast(list[dict[str, Any]], case.fees or [])
    current: dict[str, dict[str, Any]] = {line["code"]: dict(line) for line in fees}
    errors = []
    for code, amount in data.amounts.items():
        rule = rules.get(code)
        if code not in current or rule is None:
            errors.append(FieldError(code, N_("收费项目“{code}”不在事项的收费规则中"), code=code))
        elif not 0 <= amount <= int(rule["amount_fen"]):
            errors.append(
                FieldError(
                    code,
                    N_("“{name}”只能在 0 至 {limit} 元之间更正（依据：{basis}）"),
                    name=rule["name"],
                    limit=f"{int(rule['amount_fen']) / 100:.2f}",
                    basis=rule["basis"],
                )
            )
    if errors:
        raise InvalidInput(
            N_("更正后的收费超出了事项的收费规则"), code="fee_outside_rules", errors=errors
        )
    before = {code: int(line["amount_fen"]) for code, line in current.items()}
    for code, amount in data.amounts.items():
        current[code]["amount_fen"] = amount
    lines = list(current.values())
    total = sum(int(line["amount_fen"]) for line in lines)
    async with db.transaction():
        await Case.update({Case.fees: lines, Case.fee_total: total}).where(Case.id == case.id)
        await PaymentOrder.update({PaymentOrder.status: "cancelled"}).where(
            (PaymentOrder.case == case.id) & (PaymentOrder.status == "unpaid")
        )
        await record(
            tenant.id,
            Actor(kind="staff", id=str(staff.id), name=staff.name),
            "fees_corrected",
            target=serial_number,
            detail={
                "before": before,
                "after": {code: int(line["amount_fen"]) for code, line in current.items()},
                "reason": reason,
            },
        )
    return lines


async def refund_order(
    tenant: TenantInfo, staff: Principal, order_no: str, data: Refund
) -> OrderOut:
    """Refund (part of) a paid order; the order keeps its receipt and shows the refund."""
    require_staff_of(staff, tenant)
    order = (
        await PaymentOrder.objects()
        .where((PaymentOrder.tenant == tenant.id) & (PaymentOrder.order_no == order_no))
        .first()
    )
    if order is None:
        raise NotFound(N_("找不到缴费单 {order}"), code="order_not_found", order=order_no)
    case = await Case.select(Case.serial_number).where(Case.id == order.case).first()
    assert case is not None
    await _staff_over_case(tenant, staff, case["serial_number"])
    if order.status not in ("paid", "refunded"):
        raise Conflict(N_("该缴费单尚未缴费，无需退费"), code="order_not_paid")
    left = order.amount_fen - order.refund_fen
    amount = left if data.amount_fen is None else data.amount_fen
    if not data.reason.strip():
        raise InvalidInput(N_("请填写退费理由"), code="refund_reason_required")
    if not 0 < amount <= left:
        raise InvalidInput(
            N_("退费金额须在 0.01 至 {limit} 元之间"),
            code="refund_amount",
            limit=f"{left / 100:.2f}",
        )
    refunded = (
        await PaymentOrder.update(
            {
                PaymentOrder.refund_fen: PaymentOrder.refund_fen + amount,
                PaymentOrder.refund_reason: data.reason.strip()[:500],
                PaymentOrder.refunded_at: datetime.now(UTC),
                PaymentOrder.status: "refunded" if amount == left else "paid",
            }
        )
        .where((PaymentOrder.id == order.id) & (PaymentOrder.refund_fen == order.refund_fen))
        .returning(PaymentOrder.id)
    )
    if not refunded:
        raise Conflict(N_("该缴费单刚被其他人处理，请刷新后重试"), code="stale_order")
    await record(
        tenant.id,
        Actor(kind="staff", id=str(staff.id), name=staff.name),
        "payment_refunded",
        target=order_no,
        detail={"amount_fen": amount, "reason": data.reason.strip()},
    )
    return (await _orders(PaymentOrder.id == order.id))[0]
