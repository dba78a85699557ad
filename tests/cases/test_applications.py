"""Submitting applications: checks, fees, receipts, and bad input."""

from __future__ import annotations

from typing import Any

from govhall.cases.tables import Case, CaseEvent, CaseMaterial
from govhall.workflow.tables import Task
from tests.conftest import GOOD_FORM, ITEM_CODE, PNG_BYTES, Api


async def test_submission_creates_case_event_task_and_receipt(api: Api, demo: None) -> None:
    headers = await api.citizen()
    receipt = await api.submit(headers)
    assert receipt["serial_number"].startswith("990101")
    assert len(receipt["serial_number"]) == 20
    assert len(receipt["query_code"]) == 8
    assert receipt["status"] == "submitted"
    assert receipt["status_label"] == "已提交，待受理"
    # 80 yuan residential registration + 10 yuan for one extra certificate.
    assert [line["code"] for line in receipt["fees"]] == [
        "residential_registration",
        "extra_certificate",
    ]
    assert receipt["fee_total_fen"] == 9000
    case = await Case.objects().where(Case.serial_number == receipt["serial_number"]).first()
    assert case is not None and case.step == "accept" and case.fee_total == 9000
    assert receipt["query_code"] not in case.query_code_hash
    assert await CaseMaterial.count().where(CaseMaterial.case == case.id) == 2
    assert await CaseEvent.count().where(CaseEvent.case == case.id) == 1
    tasks = await Task.select(Task.step, Task.role).where(Task.case == case.id)
    assert tasks == [{"step": "accept", "role": "clerk"}]


async def test_non_residential_fee_and_serial_numbers_increase(api: Api, demo: None) -> None:
    headers = await api.citizen()
    first = await api.submit(
        headers, {**GOOD_FORM, "property_use": "non_residential", "extra_certificates": 0}
    )
    second = await api.submit(headers)
    assert first["fee_total_fen"] == 55000
    assert int(second["serial_number"][-6:]) == int(first["serial_number"][-6:]) + 1


async def _submit_raw(
    api: Api, headers: dict[str, str], body: Any, language: str | None = None
) -> Any:
    if language:
        headers = {**headers, "accept-language": language}
    return await api.client.post(api.t("/applications"), headers=headers, json=body)


async def test_form_errors_name_every_field_in_both_languages(api: Api, demo: None) -> None:
    headers = await api.citizen()
    body = {
        "item_code": ITEM_CODE,
        "form": {"property_use": "castle", "floor_area": -3},
        "materials": [],
    }
    response = await _submit_raw(api, headers, body)
    assert response.status_code == 422
    payload = response.json()
    assert payload["code"] == "invalid_application"
    messages = {error["field"]: error["message"] for error in payload["errors"]}
    assert messages["applicant_name"] == "请填写“权利人姓名或名称”"
    assert messages["floor_area"] == "“建筑面积（平方米）”必须大于 0"
    assert messages["property_use"] == "“房屋用途”的取值不在可选范围内"
    assert messages["materials.application_form"] == "缺少必需的申请材料“不动产登记申请书”"
    english = (await _submit_raw(api, headers, body, "en")).json()
    messages_en = {error["field"]: error["message"] for error in english["errors"]}
    assert english["detail"].startswith("The application has problems")
    assert messages_en["applicant_name"] == "Please fill in 'Owner's name'"
    assert messages_en["materials.identity_proof"] == (
        "The required material 'Applicant's identity document' is missing"
    )
    assert await Case.count() == 0


async def test_plugin_validation_hook_reports_its_problem(api: Api, demo: None) -> None:
    headers = await api.citizen()
    upload = await api.upload(headers)
    body = {
        "item_code": ITEM_CODE,
        "form": {**GOOD_FORM, "property_location": "城关镇解放路东侧"},
        "materials": [
            {"material_code": "application_form", "blob_id": upload["blob_id"]},
            {"material_code": "identity_proof", "blob_id": upload["blob_id"]},
        ],
    }
    response = await _submit_raw(api, headers, body, "en")
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "property_location",
            "message": "The property location must include a house number, "
            "e.g. 'No. 12 Jiefang Road, Chengguan Town'",
        }
    ]


async def test_unknown_item_and_foreign_blob_and_wrong_format(api: Api, demo: None) -> None:
    headers = await api.citizen()
    missing = await _submit_raw(api, headers, {"item_code": "NOPE", "form": {}, "materials": []})
    assert missing.status_code == 404
    assert missing.json()["detail"] == "找不到事项“NOPE”，或本地尚未开通该事项"

    other = await api.citizen("lisi")
    foreign = await api.upload(other)
    mine = await api.upload(headers, PNG_BYTES, "scan.png")
    body = {
        "item_code": ITEM_CODE,
        "form": GOOD_FORM,
        "materials": [
            {"material_code": "application_form", "blob_id": foreign["blob_id"]},
            {"material_code": "identity_proof", "blob_id": mine["blob_id"]},
            {"material_code": "no_such_material", "blob_id": mine["blob_id"]},
        ],
    }
    response = await _submit_raw(api, headers, body)
    assert response.status_code == 422
    fields = [error["field"] for error in response.json()["errors"]]
    assert "materials.application_form" in fields
    assert "materials.no_such_material" in fields
    assert await Case.count() == 0


async def test_malformed_json_and_unknown_fields_are_400(api: Api, demo: None) -> None:
    headers = await api.citizen()
    broken = await api.client.post(
        api.t("/applications"),
        content=b"{not json",
        headers={**headers, "content-type": "application/json"},
    )
    assert broken.status_code == 400
    assert broken.json()["detail"].startswith("请求内容无效")
    extra = await _submit_raw(api, headers, {"item_code": ITEM_CODE, "form": {}, "x": 1}, "en")
    assert extra.status_code == 400
    assert extra.json()["detail"].startswith("Invalid request")


async def test_staff_cannot_submit_as_applicant(api: Api, demo: None) -> None:
    clerk = await api.staff("clerk")
    response = await _submit_raw(api, clerk, {"item_code": ITEM_CODE, "form": GOOD_FORM})
    assert response.status_code == 403
    assert response.json()["code"] == "applicant_required"


async def test_submission_needs_login(api: Api, demo: None) -> None:
    response = await _submit_raw(api, {}, {"item_code": ITEM_CODE, "form": GOOD_FORM}, "en")
    assert response.status_code == 401
    assert response.json()["detail"] == "Please log in first"
