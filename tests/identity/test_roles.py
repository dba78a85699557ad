"""Tenant-defined roles (sets of functions), positions (岗位) and their scope."""

from __future__ import annotations

from govhall.audit.tables import AuditEntry
from tests.conftest import Api
from tests.workflow.test_flows import ITEM, standard

PASSWORD = "Town-admin-2026"


async def test_a_tenant_role_gives_its_functions_and_follows_changes(api: Api, demo: None) -> None:
    admin = await api.staff("tenantadmin")
    defined = await api.client.post(
        api.t("/roles"),
        headers=admin,
        json={
            "code": "window_all",
            "name": "窗口综合岗",
            "name_en": "window generalist",
            "functions": ["clerk", "issuer"],
            "org_unit": "centre",
        },
    )
    assert defined.status_code == 201, defined.text
    assert defined.json()["function_labels"] == ["窗口受理人员", "办结发证人员"]
    made = await api.client.post(
        api.t("/staff"),
        headers=admin,
        json={
            "username": "generalist",
            "name": "综合窗口",
            "password": PASSWORD,
            "grants": [{"role": "window_all", "org_unit": "centre"}],
        },
    )
    assert made.status_code == 201, made.text
    assert made.json()["grants"][0]["role_label"] == "窗口综合岗"
    citizen = await api.citizen()
    serial = (await api.submit(citizen))["serial_number"]
    generalist = await api.login("generalist", PASSWORD, tenant="demo-county")
    assert (await api.act(generalist, serial, "accept")).status_code == 200
    # Taking 受理 out of the role takes it from every holder at once.
    changed = await api.client.patch(
        api.t("/roles/window_all"), headers=admin, json={"functions": ["issuer"]}
    )
    assert changed.status_code == 200 and changed.json()["functions"] == ["issuer"]
    second = (await api.submit(citizen))["serial_number"]
    refused = await api.act(generalist, second, "accept")
    assert refused.status_code == 403 and refused.json()["code"] == "role_required"
    # A role in use cannot be deleted; an unused one can.
    in_use = await api.client.delete(api.t("/roles/window_all"), headers=admin)
    assert in_use.status_code == 409 and in_use.json()["code"] == "role_in_use"
    listed = (await api.client.get(api.t("/roles"), headers=generalist)).json()
    assert {"clerk", "statistician", "window_all"} <= {r["code"] for r in listed}
    assert (
        await AuditEntry.count().where(AuditEntry.action.is_in(["role_defined", "role_changed"]))
        == 2
    )


async def test_a_town_admin_defines_roles_for_the_town_never_above(api: Api, demo: None) -> None:
    county = await api.staff("tenantadmin")
    await api.client.post(
        api.t("/staff"),
        headers=county,
        json={
            "username": "hexi-admin",
            "name": "河西乡管理员",
            "password": PASSWORD,
            "grants": [{"role": "tenant_admin", "org_unit": "hexi"}],
        },
    )
    town = await api.login("hexi-admin", PASSWORD, tenant="demo-county")
    above = await api.client.post(
        api.t("/roles"),
        headers=town,
        json={
            "code": "county_boss",
            "name": "县级岗",
            "functions": ["approver"],
            "org_unit": "centre",
        },
    )
    assert above.status_code == 403 and above.json()["code"] == "outside_admin_scope"
    own = await api.client.post(
        api.t("/roles"),
        headers=town,
        json={
            "code": "village_agent",
            "name": "村代办员",
            "functions": ["clerk"],
            "org_unit": "hexi",
        },
    )
    assert own.status_code == 201, own.text
    # The county admin may not grant the town's role in the county bureau: it belongs to the town.
    outside = await api.client.post(
        api.t("/staff/handler/grants"),
        headers=county,
        json={"role": "village_agent", "org_unit": "zrzyj"},
    )
    assert outside.status_code == 422 and outside.json()["code"] == "role_outside_its_unit"
    inside = await api.client.post(
        api.t("/staff/handler/grants"),
        headers=county,
        json={"role": "village_agent", "org_unit": "hexi-dawan"},
    )
    assert inside.status_code == 200, inside.text
    # Nor may the town admin change a county-level role.
    await api.client.post(
        api.t("/roles"),
        headers=county,
        json={
            "code": "county_stats",
            "name": "统计岗",
            "functions": ["statistician"],
            "org_unit": "centre",
        },
    )
    meddle = await api.client.patch(
        api.t("/roles/county_stats"), headers=town, json={"functions": ["tenant_admin"]}
    )
    assert meddle.status_code == 403


async def test_bad_roles_are_refused_with_reasons(api: Api, demo: None) -> None:
    admin = await api.staff("tenantadmin")
    bad = await api.client.post(
        api.t("/roles"),
        headers={**admin, "Accept-Language": "en"},
        json={"code": "clerk", "name": "", "functions": ["fly"], "org_unit": "centre"},
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"code", "name", "functions"}
    assert "function" in bad.json()["errors"][2]["message"]
    unknown = await api.client.post(
        api.t("/staff/handler/grants"), headers=admin, json={"role": "nobody", "org_unit": "zrzyj"}
    )
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_role"
    clerk = await api.staff("clerk")
    assert (
        await api.client.post(
            api.t("/roles"),
            headers=clerk,
            json={"code": "mine", "name": "我的", "functions": ["approver"], "org_unit": "centre"},
        )
    ).status_code == 403


async def test_a_step_with_a_position_goes_only_to_that_position(api: Api, demo: None) -> None:
    admin = await api.staff("tenantadmin")
    flow = standard()
    approve = next(s for s in flow["steps"] if s["key"] == "approve")
    approve["position"] = "分管领导"
    saved = await api.client.post(api.t(f"/flows/{ITEM}"), headers=admin, json={"flow": flow})
    assert saved.status_code == 201, saved.text
    made = await api.client.post(
        api.t("/staff"),
        headers=admin,
        json={
            "username": "deputy",
            "name": "分管副局长",
            "password": PASSWORD,
            "grants": [{"role": "approver", "org_unit": "zrzyj", "position": "分管领导"}],
        },
    )
    assert made.status_code == 201 and made.json()["grants"][0]["position"] == "分管领导"
    citizen = await api.citizen()
    serial = (await api.submit(citizen))["serial_number"]
    assert (await api.act(await api.staff("clerk"), serial, "accept")).status_code == 200
    assert (await api.act(await api.staff("handler"), serial, "pass")).status_code == 200
    approver = await api.staff("approver")  # an approver, but not in that position
    plain = await api.client.get(api.t("/worklist"), headers=approver)
    assert serial not in {i["serial_number"] for i in plain.json()["items"]}
    assert (await api.act(approver, serial, "approve")).status_code == 403
    deputy = await api.login("deputy", PASSWORD, tenant="demo-county")
    listed = await api.client.get(api.t("/worklist"), headers=deputy)
    assert serial in {i["serial_number"] for i in listed.json()["items"]}
    assert (await api.act(deputy, serial, "approve")).status_code == 200
