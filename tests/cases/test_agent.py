"""Agent application (代申请, R-W2): a clerk enters a walk-in applicant's case with
scanned materials; the applicant is found by ID number or gets an account."""

from __future__ import annotations

from govhall.audit.tables import AuditEntry
from govhall.cases.tables import Case, CaseEvent
from govhall.identity.tables import Account
from tests.conftest import GOOD_FORM, ITEM_CODE, PDF_BYTES, PNG_BYTES, Api

WALK_IN = {"kind": "individual", "name": "赵大爷", "id_number": "110105194912310038"}


async def test_a_clerk_applies_for_a_walk_in_applicant(api: Api, demo: None) -> None:
    clerk = await api.staff("clerk")
    scans = [
        await api.upload(clerk, PDF_BYTES, "扫描件.pdf"),
        await api.upload(clerk, PNG_BYTES, "身份证.png"),
    ]
    body = {
        "applicant": WALK_IN,
        "item_code": ITEM_CODE,
        "form": {**GOOD_FORM, "applicant_name": "赵大爷"},
        "materials": [
            {"material_code": "application_form", "blob_id": scans[0]["blob_id"]},
            {"material_code": "identity_proof", "blob_id": scans[1]["blob_id"]},
        ],
    }
    url = api.t("/agent-applications")
    handler = await api.staff("handler")
    assert (await api.client.post(url, headers=handler, json=body)).status_code == 403
    citizen = await api.citizen("someone")
    assert (await api.client.post(url, headers=citizen, json=body)).status_code == 403
    bad = await api.client.post(
        url,
        headers=clerk,
        json={**body, "applicant": {**WALK_IN, "id_number": "110105194912310021"}},
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "id_number"
    assert await Case.count() == 0
    made = await api.client.post(url, headers=clerk, json=body)
    assert made.status_code == 201, made.text
    receipt = made.json()
    assert receipt["query_code"] and receipt["serial_number"]
    opened = await Account.objects().where(Account.name == "赵大爷").first()
    assert opened is not None and opened.username.startswith("wi")
    assert await AuditEntry.count().where(AuditEntry.action == "walk_in_account_opened") == 1
    submitted = (
        await CaseEvent.select(CaseEvent.data)
        .output(load_json=True)
        .where(CaseEvent.seq == 1)
        .first()
    )
    assert submitted is not None and submitted["data"]["via"]["channel"] == "window"
    again = await api.client.post(url, headers=clerk, json=body)
    assert again.status_code == 201
    assert await Account.count().where(Account.name == "赵大爷") == 1  # found by ID number
    progress = await api.client.get(
        api.t("/progress"),
        params={"serial_number": receipt["serial_number"], "query_code": receipt["query_code"]},
    )
    assert progress.status_code == 200
