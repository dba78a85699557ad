"""Editing the org tree through the API, within the administrator's scope."""

from __future__ import annotations

from govhall.audit.tables import AuditEntry
from govhall.tenancy.tables import OrgUnit
from tests.conftest import Api

PASSWORD = "Town-admin-2026"


async def _path(code: str) -> str:
    row = await OrgUnit.select(OrgUnit.path).where(OrgUnit.code == code).first()
    assert row is not None
    return str(row["path"])


async def test_admins_add_rename_move_and_remove_units(api: Api, demo: None) -> None:
    admin = await api.staff("tenantadmin")
    tree = (await api.client.get(api.t("/org-units"), headers=await api.staff("clerk"))).json()
    assert tree[0]["code"] == "centre" and tree[0]["depth"] == 0
    added = await api.client.post(
        api.t("/org-units"),
        headers=admin,
        json={"code": "hexi-xinzhuang", "name": "新庄村", "kind": "village", "parent": "hexi"},
    )
    assert added.status_code == 201, added.text
    assert added.json()["depth"] == 2
    group = await api.client.post(
        api.t("/org-units"),
        headers=admin,
        json={
            "code": "xinzhuang-team",
            "name": "代办组",
            "kind": "group",
            "parent": "hexi-xinzhuang",
        },
    )
    assert group.status_code == 201
    renamed = await api.client.patch(
        api.t("/org-units/hexi-xinzhuang"),
        headers=admin,
        json={"name": "新庄社区", "kind": "village"},
    )
    assert renamed.status_code == 204
    moved = await api.client.post(
        api.t("/org-units/hexi-xinzhuang/move"), headers=admin, json={"parent": "chengguan"}
    )
    assert moved.status_code == 204, moved.text
    assert await _path("xinzhuang-team") == "/centre/chengguan/hexi-xinzhuang/xinzhuang-team/"
    cycle = await api.client.post(
        api.t("/org-units/hexi-xinzhuang/move"), headers=admin, json={"parent": "xinzhuang-team"}
    )
    assert cycle.status_code == 422 and cycle.json()["code"] == "org_unit_cycle"
    busy = await api.client.delete(api.t("/org-units/hexi-xinzhuang"), headers=admin)
    assert busy.status_code == 409 and busy.json()["code"] == "org_unit_in_use"
    assert (
        await api.client.delete(api.t("/org-units/xinzhuang-team"), headers=admin)
    ).status_code == 204
    assert (
        await api.client.delete(api.t("/org-units/hexi-xinzhuang"), headers=admin)
    ).status_code == 204
    dept = await api.client.delete(api.t("/org-units/zrzyj"), headers=admin)
    assert dept.status_code == 409  # it has staff, cases' plugins …
    root = await api.client.delete(api.t("/org-units/centre"), headers=admin)
    assert root.status_code == 409 and root.json()["code"] == "org_unit_root"
    actions = {
        r["action"]
        for r in await AuditEntry.select(AuditEntry.action).where(
            AuditEntry.action.like("org_unit_%")
        )
    }
    assert {"org_unit_created", "org_unit_changed", "org_unit_moved", "org_unit_deleted"} <= actions


async def test_a_town_admin_edits_only_the_town(api: Api, demo: None) -> None:
    county = await api.staff("tenantadmin")
    await api.client.post(
        api.t("/staff"),
        headers=county,
        json={
            "username": "cg-admin",
            "name": "城关镇管理员",
            "password": PASSWORD,
            "grants": [{"role": "tenant_admin", "org_unit": "chengguan"}],
        },
    )
    town = await api.login("cg-admin", PASSWORD, tenant="demo-county")
    ok = await api.client.post(
        api.t("/org-units"),
        headers=town,
        json={"code": "cg-new", "name": "新村", "kind": "village", "parent": "chengguan"},
    )
    assert ok.status_code == 201
    for response in (
        await api.client.post(
            api.t("/org-units"),
            headers=town,
            json={"code": "rogue", "name": "县直机构", "kind": "department", "parent": "centre"},
        ),
        await api.client.patch(api.t("/org-units/zrzyj"), headers=town, json={"name": "改名"}),
        await api.client.post(
            api.t("/org-units/cg-new/move"), headers=town, json={"parent": "hexi"}
        ),
        # Moving the town itself would take it from where the county put it.
        await api.client.post(
            api.t("/org-units/chengguan/move"), headers=town, json={"parent": "chengguan-renmin"}
        ),
    ):
        assert response.status_code == 403, response.text
        assert response.json()["code"] == "outside_admin_scope"
    assert await AuditEntry.count().where(AuditEntry.action == "org_unit_change_refused") == 4


async def test_bad_units_are_refused(api: Api, demo: None) -> None:
    admin = await api.staff("tenantadmin")
    bad = await api.client.post(
        api.t("/org-units"),
        headers=admin,
        json={"code": "bad code!", "name": "", "kind": "village", "parent": "hexi"},
    )
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {"code", "name"}
    kind = await api.client.post(
        api.t("/org-units"),
        headers=admin,
        json={"code": "x1", "name": "x", "kind": "planet", "parent": "hexi"},
    )
    assert kind.status_code == 400 or kind.status_code == 422
    taken = await api.client.post(
        api.t("/org-units"),
        headers=admin,
        json={"code": "hexi-dawan", "name": "重复", "kind": "village", "parent": "hexi"},
    )
    assert taken.status_code == 409
    missing = await api.client.post(
        api.t("/org-units"),
        headers=admin,
        json={"code": "x2", "name": "x", "kind": "village", "parent": "nowhere"},
    )
    assert missing.status_code == 404
