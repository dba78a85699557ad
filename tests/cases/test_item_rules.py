"""Submissions against the first-party items: handling units, conditional fields and
materials, 容缺 materials, batch fees, and a plugin that fails at run time."""

from __future__ import annotations

import dataclasses
from typing import Any

import httpx
import msgspec
import sentry_sdk

from govhall.cases.tables import Case, CaseMaterial
from govhall.plugins import PluginRegistry, get_plugin_manager
from govhall.sdk import ItemSpec, Problem, hookimpl
from govhall.settings import REPO_ROOT, Settings
from govhall.tenancy.services import apply_manifest, load_manifest
from govhall_natural_resources.plugin import FIRST_REGISTRATION, HOMESTEAD
from tests.conftest import (
    CREDIT_CODE,
    DEMO_PASSWORD,
    DEMO_TENANTS,
    ID_NUMBER,
    PNG_BYTES,
    Api,
    create_test_app,
)
from tests.test_observability import CapturingTransport, _events

HOMESTEAD_FORM = {
    "applicant_name": "张三",
    "id_number": ID_NUMBER,
    "village": "城关镇人民村三组",
    "household_size": 4,
    "reason": "first_home",
    "old_homestead": "none",
    "land_area": 120,
    "floors": 2,
    "building_area": 220,
}


async def _apply(api: Api, headers: dict[str, str], body: dict[str, Any]) -> httpx.Response:
    return await api.client.post(api.t("/applications"), headers=headers, json=body)


async def _materials(api: Api, headers: dict[str, str], *codes: str) -> list[dict[str, str]]:
    return [
        {"material_code": code, "blob_id": (await api.upload(headers))["blob_id"]} for code in codes
    ]


async def test_town_item_needs_a_handling_unit_and_goes_to_it(api: Api, demo: None) -> None:
    headers = await api.citizen()
    materials = await _materials(api, headers, "application_form", "commitment", "group_minutes")
    body = {"item_code": "NR-ZJD-0001", "form": HOMESTEAD_FORM, "materials": materials}
    missing = await _apply(api, headers, body)
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "handling_unit"
    assert "河西乡（hexi）" in missing.json()["errors"][0]["message"]

    done = await _apply(api, headers, {**body, "handling_unit": "hexi"})
    assert done.status_code == 201, done.text
    receipt = done.json()
    assert (receipt["handling_unit"], receipt["fee_total_fen"]) == ("hexi", 0)
    case = await Case.objects().where(Case.serial_number == receipt["serial_number"]).first()
    assert case is not None
    # The household register is an e-certificate: nothing to upload; uploads are level C.
    levels = await CaseMaterial.select(CaseMaterial.trust_level).where(CaseMaterial.case == case.id)
    assert {row["trust_level"] for row in levels} == {"C"}

    too_big = await _apply(
        api,
        headers,
        {
            **body,
            "handling_unit": "hexi",
            "form": {**HOMESTEAD_FORM, "land_area": 140, "household_size": 3},
        },
    )
    assert too_big.status_code == 422
    assert too_big.json()["errors"] == [
        {"field": "land_area", "message": "3口之户的宅基地面积不得超过120平方米"}
    ]


async def test_conditional_fields_and_materials(api: Api, demo: None) -> None:
    headers = await api.citizen()
    materials = await _materials(api, headers, "application_form", "identity_proof")
    form = {
        "applicant_name": "张三",
        "property_location": "城关镇解放路12号",
        "property_use": "residential",
        "floor_area": 98.5,
        "agent_applies": True,
    }
    body = {"item_code": "NR-BDC-0001", "form": form, "materials": materials}
    refused = await _apply(api, headers, body)
    assert refused.status_code == 422
    fields = {e["field"] for e in refused.json()["errors"]}
    assert fields == {"agent_name", "materials.power_of_attorney"}

    # Without an agent the agent's name is hidden: a stale value is dropped, not stored.
    stale = {**form, "agent_applies": False, "agent_name": "李四"}
    accepted = await _apply(api, headers, {**body, "form": stale})
    assert accepted.status_code == 201, accepted.text
    case = (
        await Case.objects()
        .output(load_json=True)
        .where(Case.serial_number == accepted.json()["serial_number"])
        .first()
    )
    assert case is not None and "agent_name" not in case.form


async def test_supplementable_material_may_follow(api: Api, demo: None) -> None:
    headers = await api.citizen()
    form = {
        "operator_name": "张三",
        "id_number": ID_NUMBER,
        "phone": "13800138000",
        "organisation": "individual",
        "business_scope": "日用百货零售",
        "premises": "城关镇人民路8号",
        "capital_wan": 3,
        "employees": 1,
    }
    materials = await _materials(api, headers, "application_form", "operator_identity")
    done = await _apply(
        api, headers, {"item_code": "SC-GTGS-0001", "form": form, "materials": materials}
    )
    assert done.status_code == 201, done.text
    assert done.json()["outstanding_materials"] == ["premises_proof"]

    bad_id = await _apply(
        api,
        headers,
        {"item_code": "SC-GTGS-0001", "form": {**form, "id_number": "110105194912310021"}},
    )
    assert bad_id.status_code == 422
    assert any(
        e["field"] == "id_number" and "校验位" in e["message"] for e in bad_id.json()["errors"]
    )


async def test_batch_health_certificates_get_one_fee_line_each(api: Api, demo: None) -> None:
    await api.register(
        "haowei",
        kind="enterprise",
        name="示范县好味餐饮有限公司",
        credit_code=CREDIT_CODE,
        id_number=None,
    )
    headers = await api.login("haowei")
    workers = [
        {"name": "孙八", "id_number": "11010519491231002X"},
        {"name": "周九", "id_number": "110105194912310038"},
        {"name": "吴十", "id_number": "110105198005150024"},
    ]
    form = {
        "employer": "示范县好味餐饮有限公司",
        "credit_code": CREDIT_CODE,
        "contact_phone": "13800138000",
        "industry": "food",
        "workers": workers,
    }
    materials = await _materials(api, headers, "worker_list")
    done = await _apply(
        api, headers, {"item_code": "WJ-JKZM-0001", "form": form, "materials": materials}
    )
    assert done.status_code == 201, done.text
    receipt = done.json()
    assert [line["amount_fen"] for line in receipt["fees"]] == [4500, 4500, 4500]
    assert receipt["fee_total_fen"] == 13500
    assert all("示发改价格〔2024〕12号" in line["basis"] for line in receipt["fees"])


class Broken:
    """The natural resources items, with a validation hook that crashes."""

    @hookimpl
    def govhall_items(self) -> list[ItemSpec]:
        materials = tuple(
            msgspec.structs.replace(m, sample=None) for m in FIRST_REGISTRATION.materials
        )
        return [msgspec.structs.replace(FIRST_REGISTRATION, materials=materials), HOMESTEAD]

    @hookimpl
    async def govhall_validate_application(self, form: dict[str, Any]) -> list[Problem]:
        raise ZeroDivisionError("vendor bug")


async def test_a_failing_plugin_is_isolated(settings: Settings) -> None:
    pm = get_plugin_manager()
    pm.unregister(name="natural_resources")
    pm.register(Broken(), name="natural_resources")
    registry = PluginRegistry(pm)
    CapturingTransport.envelopes.clear()
    with_dsn = dataclasses.replace(settings, sentry_dsn="http://public@127.0.0.1:9/1")
    from govhall.observability import init_sentry

    app = create_test_app(with_dsn, registry)
    assert init_sentry(with_dsn, transport=CapturingTransport)
    services = app.state.services
    await services.start()
    try:
        for slug in DEMO_TENANTS:
            await apply_manifest(
                load_manifest(REPO_ROOT / "tenants" / slug), registry, DEMO_PASSWORD
            )
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as client:
            api = Api(client)
            headers = await api.citizen()
            materials = await _materials(api, headers, "application_form", "identity_proof")
            form = {
                "applicant_name": "张三",
                "property_location": "城关镇解放路12号",
                "property_use": "residential",
                "floor_area": 98.5,
            }
            failed = await _apply(
                api, headers, {"item_code": "NR-BDC-0001", "form": form, "materials": materials}
            )
            assert failed.status_code == 503
            assert failed.json()["code"] == "plugin_failed"
            assert failed.json()["detail"].startswith(
                "事项“国有建设用地使用权及房屋所有权首次登记”的业务规则暂时无法执行"
            )
            assert await Case.count() == 0
            # Another plugin's item in the same tenant carries on.
            other = await _apply(
                api,
                headers,
                {
                    "item_code": "MZ-LNYD-0001",
                    "form": {
                        "elder_name": "张三",
                        "elder_id_number": ID_NUMBER,
                        "phone": "13800138000",
                        "delivery": "window",
                    },
                    "materials": [
                        {
                            "material_code": "photo",
                            "blob_id": (await api.upload(headers, PNG_BYTES, "photo.png"))[
                                "blob_id"
                            ],
                        }
                    ],
                },
            )
            assert other.status_code == 201, other.text
        sentry_sdk.flush()
        tagged = [event for event in _events() if event.get("tags", {}).get("plugin")]
        assert [(e["tags"]["plugin"], e["tags"]["hook"]) for e in tagged] == [
            ("natural_resources", "govhall_validate_application")
        ]
        assert tagged[0]["exception"]["values"][-1]["type"] == "ZeroDivisionError"
    finally:
        sentry_sdk.init(dsn=None)
        await services.stop()
