"""Fee payment (R-W9): the payment notice, paying through the simulated bank with its
signed callback (bad signature, wrong amount and replays refused, nothing changed),
and payment at the window confirmed by a clerk."""

from __future__ import annotations

import time

import msgspec

from govhall.builtin.payments import SimbankNotice, simbank_signature
from govhall.fees.tables import PaymentOrder
from tests.conftest import Api
from tests.portal.test_apply import csrf


def signed(
    order: str, amount: int, ref: str, notice_id: str = "n1"
) -> tuple[bytes, dict[str, str]]:
    body = msgspec.json.encode(
        SimbankNotice(
            order_id=order,
            paid_fen=amount,
            provider_ref=ref,
            notice_id=notice_id,
            timestamp=int(time.time()),
        )
    )
    return body, {
        "content-type": "application/json",
        "x-simbank-signature": simbank_signature(body),
    }


async def test_pay_through_the_simulated_bank_with_a_signed_callback(api: Api, demo: None) -> None:
    citizen = await api.citizen()
    serial = (await api.submit(citizen))["serial_number"]
    notice_url = api.t(f"/cases/{serial}/payment-notice")
    assert (await api.client.post(notice_url, headers=citizen)).status_code == 403
    clerk = await api.staff("clerk")
    issued = await api.client.post(notice_url, headers=clerk)
    assert issued.status_code == 201, issued.text
    order = issued.json()
    assert order["amount_fen"] == 9000 and order["status"] == "unpaid"
    assert all(line["basis"] for line in order["lines"])  # every fee line has its basis
    assert (await api.client.post(notice_url, headers=clerk)).status_code == 409

    listed = await api.client.get(api.t(f"/cases/{serial}/payments"), headers=citizen)
    assert [o["order_no"] for o in listed.json()] == [order["order_no"]]
    pay_url = api.t(f"/payments/{order['order_no']}/pay")
    unknown = await api.client.post(pay_url, headers=citizen, json={"provider": "alipay"})
    assert unknown.status_code == 422 and "simbank" in unknown.json()["detail"]
    other = await api.citizen("other-payer")
    assert (
        await api.client.post(pay_url, headers=other, json={"provider": "simbank"})
    ).status_code == 403
    started = await api.client.post(pay_url, headers=citizen, json={"provider": "simbank"})
    assert started.status_code == 200 and started.json()["pay_url"].startswith("/simbank/pay?")
    bank_page = await api.client.get(started.json()["pay_url"])
    assert bank_page.status_code == 200 and "90.00" in bank_page.text

    callback = api.t("/payments/callback/simbank")
    ref = f"SB{order['order_no']}"
    body, headers = signed(order["order_no"], 9000, ref)
    forged = await api.client.post(
        callback, content=body.replace(b"9000", b"9001"), headers=headers
    )
    assert forged.status_code == 403 and forged.json()["code"] == "payment_signature_invalid"
    short_body, short_headers = signed(order["order_no"], 100, ref, "n0")
    short = await api.client.post(callback, content=short_body, headers=short_headers)
    assert short.status_code == 422 and short.json()["code"] == "payment_amount_mismatch"
    assert (await PaymentOrder.objects().first()).status == "unpaid"  # type: ignore[union-attr]
    paid = await api.client.post(callback, content=body, headers=headers)
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "paid" and paid.json()["receipt_no"].startswith("R")
    replayed = await api.client.post(callback, content=body, headers=headers)
    assert replayed.status_code == 409
    # The bank never posts anywhere but this platform's own address.
    await api.client.get(started.json()["pay_url"])
    relay = await api.client.post(
        "/simbank/pay",
        data={
            "order": order["order_no"],
            "amount": "9000",
            "ref": ref,
            "notify": "http://169.254.169.254/latest",
            "_csrf_token": csrf(api.client),
        },
    )
    assert relay.status_code == 404


async def test_payment_at_the_window_confirmed_by_a_clerk(api: Api, demo: None) -> None:
    citizen = await api.citizen()
    serial = (await api.submit(citizen))["serial_number"]
    clerk = await api.staff("clerk")
    order = (await api.client.post(api.t(f"/cases/{serial}/payment-notice"), headers=clerk)).json()
    confirm = api.t(f"/payments/{order['order_no']}/counter-paid")
    assert (await api.client.post(confirm, headers=citizen)).status_code == 403
    approver = await api.staff("approver")
    assert (await api.client.post(confirm, headers=approver)).status_code == 403
    done = await api.client.post(confirm, headers=clerk)
    assert done.status_code == 200 and done.json()["provider"] == "counter"
    assert (await api.client.post(confirm, headers=clerk)).status_code == 409
