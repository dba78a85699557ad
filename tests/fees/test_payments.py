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


async def test_fee_corrections_stay_within_the_rules_and_refunds_are_audited(
    api: Api, demo: None
) -> None:
    from govhall.audit.tables import AuditEntry
    from govhall.cases.tables import Case

    citizen = await api.citizen()
    serial = (await api.submit(citizen))["serial_number"]
    clerk = await api.staff("clerk")
    notice_url = api.t(f"/cases/{serial}/payment-notice")
    first = (await api.client.post(notice_url, headers=clerk)).json()
    case = await Case.select(Case.fees).output(load_json=True).first()
    assert case is not None
    line = case["fees"][0]
    url = api.t(f"/cases/{serial}/fee-corrections")
    above = await api.client.post(
        url, headers=clerk, json={"amounts": {line["code"]: line["amount_fen"] + 1}, "reason": "x"}
    )
    assert above.status_code == 422 and above.json()["code"] == "fee_outside_rules"
    assert line["basis"][:6] in above.json()["errors"][0]["message"]
    invented = await api.client.post(
        url, headers=clerk, json={"amounts": {"tip": 100}, "reason": "x"}
    )
    assert invented.status_code == 422
    no_reason = await api.client.post(
        url, headers=clerk, json={"amounts": {line["code"]: 0}, "reason": " "}
    )
    assert no_reason.status_code == 422 and no_reason.json()["code"] == "fee_reason_required"
    citizen_try = await api.client.post(url, headers=citizen, json={"amounts": {}, "reason": "x"})
    assert citizen_try.status_code == 403
    waived = await api.client.post(
        url, headers=clerk, json={"amounts": {line["code"]: 0}, "reason": "低保户减免"}
    )
    assert waived.status_code == 200, waived.text
    total = sum(x["amount_fen"] for x in waived.json())
    assert total == 9000 - line["amount_fen"]
    orders = (await api.client.get(api.t(f"/cases/{serial}/payments"), headers=clerk)).json()
    assert [o["status"] for o in orders] == ["cancelled"]  # the old notice is void
    assert orders[0]["order_no"] == first["order_no"]
    order = (await api.client.post(notice_url, headers=clerk)).json()
    assert order["amount_fen"] == total
    await api.client.post(api.t(f"/payments/{order['order_no']}/counter-paid"), headers=clerk)
    late = await api.client.post(
        url, headers=clerk, json={"amounts": {line["code"]: 0}, "reason": "x"}
    )
    assert late.status_code == 409 and late.json()["code"] == "fee_already_paid"
    refund_url = api.t(f"/payments/{order['order_no']}/refunds")
    too_much = await api.client.post(
        refund_url, headers=clerk, json={"reason": "多收", "amount_fen": total + 1}
    )
    assert too_much.status_code == 422 and too_much.json()["code"] == "refund_amount"
    part = await api.client.post(
        refund_url, headers=clerk, json={"reason": "多收", "amount_fen": 100}
    )
    assert part.status_code == 200 and part.json()["status"] == "paid"
    rest = await api.client.post(refund_url, headers=clerk, json={"reason": "申请撤回"})
    assert rest.status_code == 200 and rest.json()["status"] == "refunded"
    assert (
        await api.client.post(refund_url, headers=clerk, json={"reason": "x"})
    ).status_code == 422
    actions = {r["action"] for r in await AuditEntry.select(AuditEntry.action)}
    assert {"fees_corrected", "payment_refunded"} <= actions


async def test_the_payer_and_staff_print_the_receipt(api: Api, demo: None) -> None:
    from tests.portal.test_apply import BASE, web_sign_in
    from tests.workbench.test_pages import staff_sign_in

    citizen = await api.citizen()
    serial = (await api.submit(citizen))["serial_number"]
    clerk = await api.staff("clerk")
    order = (await api.client.post(api.t(f"/cases/{serial}/payment-notice"), headers=clerk)).json()
    await web_sign_in(api.client, "zhangsan")
    early = await api.client.get(f"{BASE}/me/payments/{order['order_no']}/receipt")
    assert early.status_code == 409
    await api.client.post(api.t(f"/payments/{order['order_no']}/counter-paid"), headers=clerk)
    mine = await api.client.get(f"{BASE}/me/payments/{order['order_no']}/receipt")
    assert mine.status_code == 200 and "玖拾元整" in mine.text and "data-print" in mine.text
    await api.citizen("someone-else")
    await web_sign_in(api.client, "someone-else")
    theirs = await api.client.get(f"{BASE}/me/payments/{order['order_no']}/receipt")
    assert theirs.status_code == 403
    await staff_sign_in(api, "clerk")
    staff_copy = await api.client.get(f"{BASE}/work/payments/{order['order_no']}/receipt")
    assert staff_copy.status_code == 200 and 'id="receipt-no">R' in staff_copy.text
