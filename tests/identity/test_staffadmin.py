"""Staff and role grants within the administrator's scope (分级授权), audited."""

from __future__ import annotations

from govhall.audit.tables import AuditEntry
from govhall.identity.tables import RoleGrant
from tests.conftest import Api

PASSWORD = "Town-admin-2026"


async def test_a_county_admin_delegates_a_town_admin_who_stays_in_the_town(
    api: Api, demo: None
) -> None:
    county = await api.staff("tenantadmin")
    created = await api.client.post(
        api.t("/staff"),
        headers=county,
        json={
            "username": "chengguan-admin",
            "name": "城关镇管理员",
            "password": PASSWORD,
            "grants": [{"role": "tenant_admin", "org_unit": "chengguan"}],
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["grants"][0]["role_label"] == "租户管理员"
    town = await api.login("chengguan-admin", PASSWORD, tenant="demo-county")
    village_clerk = await api.client.post(
        api.t("/staff"),
        headers=town,
        json={
            "username": "renmin-clerk",
            "name": "人民村代办员",
            "password": PASSWORD,
            "grants": [{"role": "clerk", "org_unit": "chengguan-renmin"}],
        },
    )
    assert village_clerk.status_code == 201, village_clerk.text
    # Escalation: the town admin tries to make itself an approver in the county's bureau.
    escalate = await api.client.post(
        api.t("/staff/chengguan-admin/grants"),
        headers=town,
        json={"role": "approver", "org_unit": "zrzyj"},
    )
    assert escalate.status_code == 403 and escalate.json()["code"] == "outside_admin_scope"
    above = await api.client.post(
        api.t("/staff/renmin-clerk/grants"),
        headers=town,
        json={"role": "tenant_admin", "org_unit": "centre"},
    )
    assert above.status_code == 403
    assert await AuditEntry.count().where(AuditEntry.action == "role_grant_refused") == 2
    # Inside the town it works, twice is harmless, and revoking is audited.
    url = api.t("/staff/renmin-clerk/grants")
    body = {"role": "handler", "org_unit": "chengguan"}
    assert (await api.client.post(url, headers=town, json=body)).status_code == 200
    assert (await api.client.post(url, headers=town, json=body)).status_code == 200
    assert await AuditEntry.count().where(AuditEntry.action == "role_granted") == 3
    revoked = await api.client.post(f"{url}/revoke", headers=town, json=body)
    assert revoked.status_code == 200
    assert [g["role"] for g in revoked.json()["grants"]] == ["clerk"]
    again = await api.client.post(f"{url}/revoke", headers=town, json=body)
    assert again.status_code == 404
    # The town admin sees the town's staff, not the county bureau's.
    listed = {s["username"] for s in (await api.client.get(api.t("/staff"), headers=town)).json()}
    assert "renmin-clerk" in listed and "handler" not in listed
    own = await api.client.post(
        api.t("/staff/chengguan-admin/grants/revoke"),
        headers=town,
        json={"role": "tenant_admin", "org_unit": "chengguan"},
    )
    assert own.status_code == 403


async def test_only_admins_and_bad_input(api: Api, demo: None) -> None:
    clerk = await api.staff("clerk")
    assert (await api.client.get(api.t("/staff"), headers=clerk)).status_code == 403
    county = await api.staff("tenantadmin")
    unknown = await api.client.post(
        api.t("/staff/clerk/grants"), headers=county, json={"role": "king", "org_unit": "centre"}
    )
    assert unknown.status_code == 422
    nowhere = await api.client.post(
        api.t("/staff/clerk/grants"), headers=county, json={"role": "clerk", "org_unit": "mars"}
    )
    assert nowhere.status_code == 404
    weak = await api.client.post(
        api.t("/staff"),
        headers=county,
        json={"username": "newbie", "name": "新人", "password": "123"},
    )
    assert weak.status_code == 422
    taken = await api.client.post(
        api.t("/staff"),
        headers=county,
        json={"username": "clerk", "name": "重名", "password": PASSWORD},
    )
    assert taken.status_code == 409
    grants_before = await RoleGrant.count()
    other_tenant = await api.client.post(
        "/t/demo-city/api/v1/staff/clerk/grants",
        headers=county,
        json={"role": "clerk", "org_unit": "centre"},
    )
    assert other_tenant.status_code == 403
    assert await RoleGrant.count() == grants_before
