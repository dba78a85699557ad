"""The e-certificate library (R-L3) and its reuse when applying (R-A6): a business
licence issued by one approved case supplies the 营业执照 material of the next
application, in the API and on the portal."""

from __future__ import annotations

from typing import Any

from govhall.cases.tables import CaseEvent, Certificate
from tests.cases.test_projects import FORM
from tests.conftest import Api
from tests.portal.test_apply import BASE, web_sign_in

LICENCE_FORM = {
    k: FORM[k]
    for k in (
        "operator_name",
        "id_number",
        "phone",
        "organisation",
        "business_name",
        "business_scope",
        "premises",
        "capital_wan",
        "employees",
    )
}
HYGIENE_FORM = {
    k: FORM[k]
    for k in (
        "unit_name",
        "credit_code",
        "legal_representative",
        "address",
        "place_kind",
        "floor_area",
        "central_air_conditioning",
        "phone",
        "employees",
    )
}


async def _apply(
    api: Api, headers: dict[str, str], item: str, form: dict[str, Any], codes: list[str]
) -> Any:
    materials = []
    for code in codes:
        blob = await api.upload(headers)
        materials.append({"material_code": code, "blob_id": blob["blob_id"]})
    return await api.client.post(
        api.t("/applications"),
        headers=headers,
        json={"item_code": item, "form": form, "materials": materials},
    )


async def _approve(api: Api, serial: str) -> None:
    for who, action in (
        ("clerk", "accept"),
        ("dept-handler", "pass"),
        ("dept-approver", "approve"),
        ("dept-handler", "conclude"),
    ):
        done = await api.act(await api.staff(who), serial, action, "同意")
        assert done.status_code == 200, done.text


async def test_a_licence_enters_the_library_and_supplies_the_next_application(
    api: Api, demo: None
) -> None:
    citizen = await api.citizen("wangwu")
    licence = await _apply(
        api, citizen, "SC-GTGS-0001", LICENCE_FORM, ["application_form", "premises_proof"]
    )
    assert licence.status_code == 201, licence.text
    serial = licence.json()["serial_number"]
    assert (await api.client.get("/api/v1/me/certificates", headers=citizen)).json() == []
    await _approve(api, serial)
    issued = (await api.client.get("/api/v1/me/certificates", headers=citizen)).json()
    assert [(c["certificate_type"], c["number"], c["tenant"]) for c in issued] == [
        ("营业执照", serial, "demo-county")
    ]
    # Announcing the conclusion again (a retried job, a correction) issues nothing more.
    assert await Certificate.count() == 1

    hygiene = await _apply(
        api, citizen, "WJ-GGCS-0001", HYGIENE_FORM, ["application_form", "layout", "hygiene_rules"]
    )
    assert hygiene.status_code == 201, hygiene.text
    submitted = (
        await CaseEvent.select(CaseEvent.data)
        .output(load_json=True)
        .where((CaseEvent.action == "submit") & (CaseEvent.seq == 1))
        .order_by(CaseEvent.created_at, ascending=False)
        .first()
    )
    assert submitted is not None
    assert submitted["data"]["certificates"] == {
        "business_licence": {"certificate_type": "营业执照", "number": serial}
    }

    # On the portal: the library, and the wizard saying the licence will be used.
    await web_sign_in(api.client, "wangwu")
    page = await api.client.get(f"{BASE}/me/certificates")
    assert "营业执照" in page.text and serial in page.text
    await api.client.get(f"{BASE}/items/WJ-GGCS-0001")
    started = await api.client.post(
        f"{BASE}/items/WJ-GGCS-0001/apply",
        data={"_csrf_token": api.client.cookies.get("govhall_csrf", "")},
    )
    materials = await api.client.get(started.headers["location"] + "?step=materials")
    assert f"将使用您的电子证照：营业执照（编号 {serial}）" in materials.text

    # A denied case issues nothing.
    other = await api.citizen("zhaoliu")
    denied = await _apply(
        api, other, "SC-GTGS-0001", LICENCE_FORM, ["application_form", "premises_proof"]
    )
    number = denied.json()["serial_number"]
    for who, action in (("clerk", "accept"), ("dept-handler", "pass"), ("dept-approver", "deny")):
        assert (
            await api.act(await api.staff(who), number, action, "不符合条件")
        ).status_code == 200
    assert (await api.client.get("/api/v1/me/certificates", headers=other)).json() == []
