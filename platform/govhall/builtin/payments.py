"""Built-in payment providers (``govhall_payment_providers``):

- ``counter``: pay at the service hall's window; a clerk confirms the payment.
- ``simbank``: a simulated bank for the demo and tests. It hands the payer a page of
  its own (``/simbank/pay``), and on payment calls govhall back over HTTP with a
  notice signed by HMAC-SHA256 (key derived from the platform secret) carrying a
  timestamp and a notice id — the shape real bank and 统一公共支付平台 callbacks have,
  so the verification, replay and amount checks are exercised for real.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import urlencode

import msgspec

from govhall.notify import outbound
from govhall.sdk import (
    PaymentNotice,
    PaymentOrder,
    PaymentProvider,
    PaymentRequest,
    hookimpl,
)

#: Notices older than this are refused (a replay protection on top of notice ids).
MAX_NOTICE_AGE = 300


class CounterPayment(PaymentProvider):
    name = "counter"
    label = "窗口缴费"

    async def create_payment(self, order: PaymentOrder, *, notify_url: str) -> PaymentRequest:
        return PaymentRequest(pay_url="", provider_ref=f"counter-{order.order_id}")

    async def verify_notice(self, headers: dict[str, str], body: bytes) -> PaymentNotice:
        raise ValueError("counter payments are confirmed by a clerk, not by a notice")


class SimbankNotice(msgspec.Struct, kw_only=True):
    order_id: str
    paid_fen: int
    provider_ref: str
    notice_id: str
    timestamp: int


def simbank_key() -> bytes:
    return hashlib.sha256(b"govhall simbank:" + outbound.settings().secret_key.encode()).digest()


def simbank_signature(body: bytes) -> str:
    return hmac.new(simbank_key(), body, hashlib.sha256).hexdigest()


class SimulatedBank(PaymentProvider):
    name = "simbank"
    label = "模拟银行（演示）"

    async def create_payment(self, order: PaymentOrder, *, notify_url: str) -> PaymentRequest:
        ref = f"SB{order.order_id}"
        query = urlencode(
            {
                "order": order.order_id,
                "amount": order.amount_fen,
                "subject": order.subject,
                "ref": ref,
                "notify": notify_url,
            }
        )
        return PaymentRequest(pay_url=f"/simbank/pay?{query}", provider_ref=ref)

    async def verify_notice(self, headers: dict[str, str], body: bytes) -> PaymentNotice:
        given = headers.get("x-simbank-signature", "")
        if not hmac.compare_digest(given, simbank_signature(body)):
            raise ValueError("bad signature")
        notice = msgspec.json.decode(body, type=SimbankNotice)
        if abs(time.time() - notice.timestamp) > MAX_NOTICE_AGE:
            raise ValueError("stale notice")
        return PaymentNotice(
            order_id=notice.order_id,
            paid_fen=notice.paid_fen,
            provider_ref=f"{notice.provider_ref}#{notice.notice_id}",
        )


@hookimpl(trylast=True)
def govhall_payment_providers() -> list[PaymentProvider]:
    return [CounterPayment(), SimulatedBank()]
