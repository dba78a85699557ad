"""Fees over the API (payment notices, paying, window confirmation, provider
callbacks) and the simulated bank's own page (``/simbank/pay``)."""

from __future__ import annotations

import secrets
import time
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, JSONBody

from govhall.builtin.payments import SimbankNotice, simbank_signature
from govhall.errors import NotFound
from govhall.fees.corrections import FeeCorrection, Refund, correct_fees, refund_order
from govhall.fees.payments import (
    OrderOut,
    PayIn,
    PayOut,
    confirm_at_counter,
    issue_notice,
    orders_of_case,
    provider_callback,
    start_payment,
)
from govhall.i18n import N_
from govhall.identity.tokens import Principal
from govhall.portal.rendering import render
from govhall.services import Services
from govhall.tenancy.schemas import TenantInfo


class PaymentController(Controller):
    tags = ("fees",)

    @post("/cases/{serial_number:str}/payment-notice", status_code=201, summary="缴费通知 (staff)")
    async def notice(
        self,
        serial_number: FromPath[str],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
    ) -> OrderOut:
        return await issue_notice(tenant, principal, serial_number)

    @get("/cases/{serial_number:str}/payments", summary="The case's payment orders")
    async def of_case(
        self,
        serial_number: FromPath[str],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
    ) -> list[OrderOut]:
        return await orders_of_case(tenant, principal, serial_number)

    @post("/payments/{order_no:str}/pay", status_code=200, summary="Pay through a provider")
    async def pay(
        self,
        order_no: FromPath[str],
        data: JSONBody[PayIn],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> PayOut:
        return await start_payment(services, tenant, principal, order_no, data)

    @post(
        "/cases/{serial_number:str}/fee-corrections",
        status_code=200,
        summary="Correct assessed fees within the item's rules (staff, audited)",
    )
    async def correct(
        self,
        serial_number: FromPath[str],
        data: JSONBody[FeeCorrection],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
        services: NamedDependency[Services],
    ) -> list[dict[str, Any]]:
        return await correct_fees(services, tenant, principal, serial_number, data)

    @post("/payments/{order_no:str}/refunds", status_code=200, summary="Refund a paid order")
    async def refund(
        self,
        order_no: FromPath[str],
        data: JSONBody[Refund],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
    ) -> OrderOut:
        return await refund_order(tenant, principal, order_no, data)

    @post("/payments/{order_no:str}/counter-paid", status_code=200, summary="Paid at the window")
    async def counter_paid(
        self,
        order_no: FromPath[str],
        tenant: NamedDependency[TenantInfo],
        principal: NamedDependency[Principal],
    ) -> OrderOut:
        return await confirm_at_counter(tenant, principal, order_no)

    @post(
        "/payments/callback/{provider:str}",
        status_code=200,
        summary="A payment provider's signed notice (no login; the signature is checked)",
    )
    async def callback(
        self,
        request: Request[Any, Any, Any],
        provider: FromPath[str],
        tenant: NamedDependency[TenantInfo],
        services: NamedDependency[Services],
    ) -> OrderOut:
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        return await provider_callback(services, tenant, provider, headers, body)


SimbankForm = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


@get("/simbank/pay", include_in_schema=False)
async def simbank_page(
    request: Request[Any, Any, Any],
    order: FromQuery[str],
    amount: FromQuery[int],
    ref: FromQuery[str],
    notify: FromQuery[str],
    subject: FromQuery[str] = "",
) -> Response[str]:
    """The simulated bank's payment page (it stands for the bank's own site)."""
    return render(
        request,
        "simbank/pay.html",
        portal=None,
        order=order,
        amount=amount,
        ref=ref,
        notify=notify,
        subject=subject,
        result="",
    )


@post("/simbank/pay", include_in_schema=False)
async def simbank_pay(request: Request[Any, Any, Any], data: SimbankForm) -> Response[str]:
    """The payer pays: the bank calls govhall back over HTTP with a signed notice. It
    only ever calls this platform's own address (no open relay), and not in prod."""
    settings = request.app.state.services.settings
    notify = str(data.get("notify", ""))
    if settings.env == "prod" or not notify.startswith(f"{settings.public_url}/t/"):
        raise NotFound(N_("找不到该缴费单"), code="order_not_found")
    notice = SimbankNotice(
        order_id=str(data.get("order", "")),
        paid_fen=int(str(data.get("amount", "0")) or 0),
        provider_ref=str(data.get("ref", "")),
        notice_id=secrets.token_hex(8),
        timestamp=int(time.time()),
    )
    body = msgspec.json.encode(notice)
    import httpx  # on use: a quarter of a second of every process's start-up

    async with httpx.AsyncClient(timeout=10) as bank:
        answer = await bank.post(
            notify,
            content=body,
            headers={
                "content-type": "application/json",
                "x-simbank-signature": simbank_signature(body),
            },
        )
    return render(
        request,
        "simbank/pay.html",
        status=200 if answer.status_code == 200 else 502,
        portal=None,
        order=notice.order_id,
        amount=notice.paid_fen,
        ref=notice.provider_ref,
        notify="",
        subject="",
        result="paid" if answer.status_code == 200 else "failed",
    )
