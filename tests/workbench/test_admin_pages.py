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


async def test_enablement_and_local_settings_within_the_rules(api: Api, demo: None) -> None:
    from govhall.tenancy.tables import DepartmentPlugin, ItemSetting

    admin = await api.staff("tenantadmin")
    url = api.t("/org-units/wjj/enablement")
    unknown = await api.client.put(url, headers=admin, json={"plugins": ["astrology"]})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "plugins"
    window = await api.client.put(
        api.t("/org-units/window-general/enablement"), headers=admin, json={"plugins": ["health"]}
    )
    assert window.status_code == 422
    both = await api.client.put(
        url, headers=admin, json={"plugins": ["health"], "items": ["WJ-JKZM-0001"]}
    )
    assert both.status_code == 422
    done = await api.client.put(
        url, headers=admin, json={"plugins": ["health"], "items": ["ZJ-SGXK-0001"]}
    )
    assert done.status_code == 200 and done.json() == {
        "unit": "wjj",
        "plugins": ["health"],
        "items": ["ZJ-SGXK-0001"],
    }
    wjj = await OrgUnit.objects().where(OrgUnit.code == "wjj").first()
    assert (
        wjj is not None
        and await DepartmentPlugin.count().where(DepartmentPlugin.department == wjj.id) == 2
    )
    items = {i["code"] for i in (await api.client.get(api.t("/items"))).json()}
    assert "ZJ-SGXK-0001" in items
    clerk = await api.staff("clerk")
    assert (await api.client.put(url, headers=clerk, json={})).status_code == 403

    setting = api.t("/item-settings/WJ-JKZM-0001")
    above = await api.client.put(setting, headers=admin, json={"promised_days": 99})
    assert above.status_code == 422 and "7" in above.json()["errors"][0]["message"]
    not_window = await api.client.put(setting, headers=admin, json={"window": "wjj"})
    assert not_window.status_code == 422
    ok = await api.client.put(
        setting, headers=admin, json={"promised_days": 2, "window": "window-general"}
    )
    assert ok.status_code == 200
    assert (
        await ItemSetting.objects().where(ItemSetting.item_code == "WJ-JKZM-0001").first()
    ).promised_days == 2  # type: ignore[union-attr]
    guide = (await api.client.get(api.t("/items/WJ-JKZM-0001"))).json()
    assert guide["promised_days"] == 2 and guide["plugin_promised_days"] == 3

    await staff_sign_in(api, "tenantadmin")
    console = await api.client.get(f"{BASE}/work/admin/")
    assert 'data-unit-enabled="wjj"' in console.text
    token = hidden(console.text, "_csrf_token")
    page = await api.client.post(
        f"{BASE}/work/admin/item-settings",
        data={"_csrf_token": token, "item": "WJ-JKZM-0001", "promised_days": "3天"},
    )
    assert page.status_code == 422 and 'id="err-promised_days"' in page.text
    saved = await api.client.post(
        f"{BASE}/work/admin/enablement",
        data={"_csrf_token": token, "unit": "wjj", "plugins": "health", "items": ""},
    )
    assert saved.status_code == 303
    assert await DepartmentPlugin.count().where(DepartmentPlugin.department == wjj.id) == 1


async def test_search_terms_and_news_from_the_console(api: Api, demo: None) -> None:
    from govhall.portal.tables import Article, SearchTerm

    await staff_sign_in(api, "tenantadmin")
    console = await api.client.get(f"{BASE}/work/admin/")
    token = hidden(console.text, "_csrf_token")
    term = await api.client.post(
        f"{BASE}/work/admin/terms",
        data={"_csrf_token": token, "kind": "synonym", "term": "办房产证", "target": "不动产登记"},
    )
    assert term.status_code == 303
    assert 'data-term="办房产证"' in (await api.client.get(f"{BASE}/work/admin/")).text
    found = (await api.client.get(api.t("/search"), params={"q": "办房产证"})).json()
    assert found["items"] and found["items"][0]["code"] == "NR-BDC-0001"
    empty = await api.client.post(
        f"{BASE}/work/admin/terms", data={"_csrf_token": token, "kind": "keyword", "term": ""}
    )
    assert empty.status_code == 422
    stored = await SearchTerm.objects().where(SearchTerm.term == "办房产证").first()
    assert stored is not None
    await api.client.post(
        f"{BASE}/work/admin/terms", data={"_csrf_token": token, "remove": str(stored.id)}
    )
    assert await SearchTerm.count().where(SearchTerm.term == "办房产证") == 0

    news = await api.client.post(
        f"{BASE}/work/admin/articles",
        data={
            "_csrf_token": token,
            "kind": "news",
            "title": "元旦假期安排",
            "body": "1月1日休息。",
            "publish": "1",
        },
    )
    assert news.status_code == 303
    assert "元旦假期安排" in (await api.client.get(f"{BASE}/news")).text
    untitled = await api.client.post(
        f"{BASE}/work/admin/articles",
        data={"_csrf_token": token, "kind": "news", "title": "", "body": "x"},
    )
    assert untitled.status_code == 422 and 'id="articles-error"' in untitled.text
    piece = await Article.objects().where(Article.title == "元旦假期安排").first()
    assert piece is not None
    await api.client.post(
        f"{BASE}/work/admin/articles", data={"_csrf_token": token, "remove": str(piece.id)}
    )
    assert await Article.count().where(Article.title == "元旦假期安排") == 0


async def test_notification_channels_and_wording_from_the_console(api: Api, demo: None) -> None:
    from govhall.notify.tables import MessageTemplate, TenantChannels

    await staff_sign_in(api, "tenantadmin")
    console = await api.client.get(f"{BASE}/work/admin/")
    assert 'data-template="case_submitted-zh-CN"' in console.text
    token = hidden(console.text, "_csrf_token")
    wrong = await api.client.post(
        f"{BASE}/work/admin/notifications",
        data={"_csrf_token": token, "sms": "carrier-pigeon", "email": "smtp"},
    )
    assert wrong.status_code == 422 and 'id="notifications-error"' in wrong.text
    ok = await api.client.post(
        f"{BASE}/work/admin/notifications",
        data={"_csrf_token": token, "sms": "log_sms", "email": "smtp"},
    )
    assert ok.status_code == 303 and await TenantChannels.count() == 1
    bad = await api.client.post(
        f"{BASE}/work/admin/notifications",
        data={
            "_csrf_token": token,
            "template": "case_submitted",
            "locale": "zh-CN",
            "text": "您好 {password}",
        },
    )
    assert bad.status_code == 422
    good = await api.client.post(
        f"{BASE}/work/admin/notifications",
        data={
            "_csrf_token": token,
            "template": "case_submitted",
            "locale": "zh-CN",
            "text": "示范县已收到您的“{item}”申请（{serial_number}）。",
        },
    )
    assert good.status_code == 303 and await MessageTemplate.count() == 1


async def test_the_scenario_tree_from_the_console(api: Api, demo: None) -> None:
    await staff_sign_in(api, "tenantadmin")
    console = await api.client.get(f"{BASE}/work/admin/")
    token = hidden(console.text, "_csrf_token")
    wrong = await api.client.post(
        f"{BASE}/work/admin/scenarios",
        data={"_csrf_token": token, "tree": "我要开店/开餐馆 | SC-GTGS-0001 XX-NONE-0001 | aliens"},
    )
    assert wrong.status_code == 422 and "XX-NONE-0001" in wrong.text
    assert "我要开店/开餐馆" in wrong.text  # the typed tree stays
    saved = await api.client.post(
        f"{BASE}/work/admin/scenarios",
        data={
            "_csrf_token": token,
            "tree": "我要开店/开餐馆 | SC-GTGS-0001 SC-SPJY-0001\n\n我要建房 | NR-ZJD-0001 | individual",
        },
    )
    assert saved.status_code == 303
    page = await api.client.get(f"{BASE}/scenarios")
    assert "开餐馆" in page.text and "我要建房" in page.text
    console = await api.client.get(f"{BASE}/work/admin/")
    assert "我要建房 | NR-ZJD-0001 | individual" in console.text


async def test_roles_positions_and_the_number_format_from_the_console(api: Api, demo: None) -> None:
    from govhall.identity.tables import Role
    from govhall.tenancy.tables import Tenant

    await staff_sign_in(api, "tenantadmin")
    console = await api.client.get(f"{BASE}/work/admin/")
    assert 'data-role="clerk"' in console.text and 'id="serial-example"' in console.text
    token = hidden(console.text, "_csrf_token")
    post = api.client.post
    # A role with no functions is refused in place, what was typed kept.
    bad = await post(
        f"{BASE}/work/admin/roles",
        data={"_csrf_token": token, "code": "town_window", "name": "乡镇窗口", "org_unit": "hexi"},
    )
    assert bad.status_code == 422 and 'id="err-functions"' in bad.text
    assert 'value="乡镇窗口"' in bad.text
    made = await post(
        f"{BASE}/work/admin/roles",
        data={
            "_csrf_token": token,
            "code": "town_window",
            "name": "乡镇窗口",
            "org_unit": "hexi",
            "functions": ["clerk", "handler"],
        },
    )
    assert made.status_code == 303
    role = await Role.objects().output(load_json=True).where(Role.code == "town_window").first()
    assert role is not None and sorted(role.functions) == ["clerk", "handler"]
    # Granted in the town with a position; a grant outside the town is refused.
    outside = await post(
        f"{BASE}/work/admin/staff/grants",
        data={
            "_csrf_token": token,
            "username": "clerk",
            "role": "town_window",
            "org_unit": "centre",
            "action": "grant",
        },
    )
    assert outside.status_code == 422 and "只能授予其所属机构及下级机构" in outside.text
    granted = await post(
        f"{BASE}/work/admin/staff/grants",
        data={
            "_csrf_token": token,
            "username": "clerk",
            "role": "town_window",
            "org_unit": "hexi",
            "position": "窗口负责人",
            "action": "grant",
        },
    )
    assert granted.status_code == 303
    grant = await RoleGrant.objects().where(RoleGrant.role == "town_window").first()
    assert grant is not None and grant.position == "窗口负责人"
    page = (await api.client.get(f"{BASE}/work/admin/")).text
    assert "岗位：窗口负责人" in page and 'data-role="town_window"' in page
    # A held role cannot be deleted; once revoked it can.
    held = await post(f"{BASE}/work/admin/roles/town_window/remove", data={"_csrf_token": token})
    assert held.status_code == 409 and await Role.exists().where(Role.code == "town_window")
    await post(
        f"{BASE}/work/admin/staff/grants",
        data={
            "_csrf_token": token,
            "username": "clerk",
            "role": "town_window",
            "org_unit": "hexi",
            "position": "窗口负责人",
            "action": "revoke",
        },
    )
    gone = await post(f"{BASE}/work/admin/roles/town_window/remove", data={"_csrf_token": token})
    assert gone.status_code == 303 and not await Role.exists().where(Role.code == "town_window")

    # The number format: refused with the reason in place, then saved with an example.
    wrong = await post(
        f"{BASE}/work/admin/serial-format",
        data={"_csrf_token": token, "format": "SF{yyyy}{seq:5}"},
    )
    assert wrong.status_code == 422 and 'id="err-format"' in wrong.text
    assert "行政区划代码" in wrong.text and 'value="SF{yyyy}{seq:5}"' in wrong.text
    saved = await post(
        f"{BASE}/work/admin/serial-format",
        data={"_csrf_token": token, "format": "SF{division}{yyyy}{seq:5}"},
    )
    assert saved.status_code == 303
    county = await Tenant.select(Tenant.serial_format).where(Tenant.slug == "demo-county").first()
    assert county == {"serial_format": "SF{division}{yyyy}{seq:5}"}
    citizen = await api.citizen()
    case = await api.submit(citizen)
    assert case["serial_number"].startswith("SF990101") and case["serial_number"].endswith("00001")
    # The API says the same, in English on request.
    admin = await api.staff("tenantadmin")
    shown = await api.client.get(api.t("/serial-format"), headers=admin)
    assert shown.json()["period"] == "year" and shown.json()["example"].startswith("SF990101")
    refused = await api.client.put(
        api.t("/serial-format"),
        headers={**admin, "Accept-Language": "en"},
        json={"format": "{division}{dd}{seq:6}"},
    )
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"field": "format", "message": "A day needs its month, and a month its year"}
    ]
    clerk = await api.staff("clerk")
    assert (
        await api.client.put(api.t("/serial-format"), headers=clerk, json={"format": ""})
    ).status_code == 403
