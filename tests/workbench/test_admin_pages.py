"""The tenant administrator's console: branding with its preview, the org tree,
staff and roles, and local calendar days — refusals shown in place."""

from __future__ import annotations

from govhall.calendar.tables import CalendarDay
from govhall.identity.tables import RoleGrant, Staff
from govhall.tenancy.tables import OrgUnit
from tests.conftest import Api
from tests.portal.test_apply import BASE, hidden
from tests.workbench.test_pages import staff_sign_in


async def test_a_tenant_admin_runs_the_console(api: Api, demo: None) -> None:
    await staff_sign_in(api, "tenantadmin")
    console = await api.client.get(f"{BASE}/work/admin/")
    assert console.status_code == 200 and 'id="brand-preview"' in console.text
    assert 'data-unit="hexi-dawan"' in console.text and 'data-staff="clerk"' in console.text
    token = hidden(console.text, "_csrf_token")
    post = api.client.post

    bad = await post(
        f"{BASE}/work/admin/branding",
        data={"_csrf_token": token, "portal_name": "新名称", "primary_color": "red"},
    )
    assert (
        bad.status_code == 422
        and 'id="err-primary_color"' in bad.text
        and 'value="新名称"' in bad.text
    )
    good = await post(
        f"{BASE}/work/admin/branding",
        data={
            "_csrf_token": token,
            "portal_name": "示范县政务服务网",
            "primary_color": "#0d47a1",
            "phones": "0999-1\n0999-2",
        },
    )
    assert good.status_code == 303
    assert "示范县政务服务网" in (await api.client.get(f"{BASE}/")).text

    added = await post(
        f"{BASE}/work/admin/units",
        data={
            "_csrf_token": token,
            "code": "hexi-xinzhuang",
            "name": "新庄村",
            "kind": "village",
            "parent": "hexi",
        },
    )
    assert added.status_code == 303
    village = await OrgUnit.objects().where(OrgUnit.code == "hexi-xinzhuang").first()
    assert village is not None and village.path.endswith("/hexi/hexi-xinzhuang/")
    again = await post(
        f"{BASE}/work/admin/units",
        data={
            "_csrf_token": token,
            "code": "hexi-xinzhuang",
            "name": "新庄村",
            "kind": "village",
            "parent": "hexi",
        },
    )
    assert again.status_code in (409, 422) and 'id="units-error"' in again.text
    moved = await post(
        f"{BASE}/work/admin/units/change",
        data={
            "_csrf_token": token,
            "target": "hexi-xinzhuang",
            "parent": "chengguan",
            "action": "move",
        },
    )
    assert moved.status_code == 303
    village = await OrgUnit.objects().where(OrgUnit.code == "hexi-xinzhuang").first()
    assert village is not None and "/chengguan/" in village.path
    in_use = await post(
        f"{BASE}/work/admin/units/change",
        data={"_csrf_token": token, "target": "zrzyj", "action": "remove"},
    )
    assert in_use.status_code == 409 and 'id="units-error"' in in_use.text

    made = await post(
        f"{BASE}/work/admin/staff",
        data={
            "_csrf_token": token,
            "username": "village-clerk",
            "name": "村代办员",
            "password": "Village-pass-2026",
            "role": "clerk",
            "org_unit": "hexi-xinzhuang",
        },
    )
    assert made.status_code == 303, made.text
    person = await Staff.objects().where(Staff.username == "village-clerk").first()
    assert person is not None and await RoleGrant.count().where(RoleGrant.staff == person.id) == 1
    weak = await post(
        f"{BASE}/work/admin/staff",
        data={
            "_csrf_token": token,
            "username": "weak",
            "name": "弱",
            "password": "1",
            "role": "clerk",
            "org_unit": "centre",
        },
    )
    assert weak.status_code == 422 and 'value="weak"' in weak.text
    revoked = await post(
        f"{BASE}/work/admin/staff/grants",
        data={
            "_csrf_token": token,
            "username": "village-clerk",
            "role": "clerk",
            "org_unit": "hexi-xinzhuang",
            "action": "revoke",
        },
    )
    assert revoked.status_code == 303
    assert await RoleGrant.count().where(RoleGrant.staff == person.id) == 0

    day = await post(
        f"{BASE}/work/admin/calendar",
        data={"_csrf_token": token, "day": "2026-12-28", "name": "县庆"},
    )
    assert day.status_code == 303
    assert "县庆" in (await api.client.get(f"{BASE}/work/admin/")).text
    assert await CalendarDay.count() == 1
    nodate = await post(
        f"{BASE}/work/admin/calendar", data={"_csrf_token": token, "day": "", "name": "x"}
    )
    assert nodate.status_code == 422
    await post(f"{BASE}/work/admin/calendar/2026-12-28/remove", data={"_csrf_token": token})
    assert await CalendarDay.count() == 0


async def test_only_administrators_open_the_console(api: Api, demo: None) -> None:
    await staff_sign_in(api, "clerk")
    assert (await api.client.get(f"{BASE}/work/admin/")).status_code == 403
