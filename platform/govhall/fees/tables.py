"""Payment orders for assessed fees (R-W9) and the payment notices already used."""

from piccolo.columns import JSONB, UUID, BigInt, ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from govhall.cases.tables import Case
from govhall.tenancy.tables import Tenant


class PaymentOrder(Table, tablename="fees_payment_order"):
    """缴费通知: what one payer owes on a case, and whether and how it was paid."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True, on_delete=OnDelete.restrict)
    case = ForeignKey(Case, null=False, index=True, on_delete=OnDelete.restrict)
    order_no = Varchar(length=40, unique=True)
    payer_name = Varchar(length=200)
    amount_fen = BigInt()
    lines = JSONB(default=[], help_text="The fee lines with their basis")
    status = Varchar(length=16, default="unpaid", help_text="unpaid | paid | cancelled | refunded")
    provider = Varchar(length=64, default="")
    provider_ref = Varchar(length=100, default="")
    receipt_no = Varchar(length=40, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    paid_at = Timestamptz(null=True, default=None)
    refund_fen = BigInt(default=0, help_text="Refunded so far (退费)")
    refund_reason = Varchar(length=500, default="")
    refunded_at = Timestamptz(null=True, default=None)


class UsedNotice(Table, tablename="fees_used_notice"):
    """A payment provider's notice already acted on: a replayed one is refused."""

    id = UUID(primary_key=True)
    provider = Varchar(length=64)
    notice_id = Varchar(length=100, unique=True, help_text="provider:notice id")
    received_at = Timestamptz(default=TimestamptzNow())
