"""The platform operator onboards a tenant from an uploaded manifest (dry run first,
then one transaction), sees each tenant's health and the plugin registry."""

from __future__ import annotations

import base64

import httpx

from govhall.identity.operators import create_operator
from govhall.settings import REPO_ROOT
from govhall.tenancy.tables import OrgUnit, Tenant
from tests.conftest import Api

NEW_COUNTY = """
slug = "new-county"
name = "新设县人民政府"
level = "county"
parent = "demo-city"
division_code = "990103"

[branding]
portal_name = "新设县网上办事大厅"
primary_color = "#1b5e20"
logo = "LOGO"

[[org_units]]
code = "centre"
name = "新设县政务服务中心"
kind = "centre"

[[org_units]]
code = "wjj"
name = "新设县卫生健康局"
kind = "department"
parent = "centre"
plugins = ["health"]

[[staff]]
username = "clerk"
name = "新受理"
roles = [{ role = "clerk", org_unit = "centre" }]
"""


async def _operator(api: Api) -> dict[str, str]:
    await create_operator("ops-wang", "王运营", "Ops-pass-2026")
    signed = await api.client.post(
        "/api/v1/auth/token",
        json={"username": "ops-wang", "password": "Ops-pass-2026", "operator": True},
    )
    return {"authorization": f"Bearer {signed.json()['access_token']}"}


async def test_an_operator_onboards_a_county_from_a_manifest(api: Api, demo: None) -> None:
    ops = await _operator(api)
    logo = (REPO_ROOT / "tenants" / "demo-county" / "logo.svg").read_bytes()
    manifest = NEW_COUNTY.replace(
        "LOGO", "data:image/svg+xml;base64," + base64.b64encode(logo).decode()
    )
    url = "/api/v1/operator/tenants"
    planned = await api.client.post(
        url, headers=ops, params={"dry_run": "true"}, content=manifest.encode()
    )
    assert planned.status_code == 201, planned.text
    assert "create tenant new-county" in planned.json()["changes"]
    assert await Tenant.count().where(Tenant.slug == "new-county") == 0
    made = await api.client.post(url, headers=ops, content=manifest.encode())
    assert made.status_code == 201
    assert set(made.json()["new_passwords"]) == {"clerk"}  # shown once, never a demo password
    assert await OrgUnit.count().where(OrgUnit.code == "wjj") == 2

    cycle = (
        NEW_COUNTY.replace('slug = "new-county"', 'slug = "cyclic"')
        .replace('parent = "centre"\nplugins', 'parent = "wjj"\nplugins')
        .replace('logo = "LOGO"\n', "")
        .replace('division_code = "990103"', 'division_code = "990104"')
    )
    cyclic = cycle.replace('kind = "centre"', 'kind = "centre"\nparent = "wjj"')
    refused = await api.client.post(url, headers=ops, content=cyclic.encode())
    assert refused.status_code == 422, refused.text
    assert await Tenant.count().where(Tenant.slug == "cyclic") == 0
    upward = (
        NEW_COUNTY.replace('slug = "new-county"', 'slug = "upside"')
        .replace('level = "county"', 'level = "province"')
        .replace('logo = "LOGO"\n', "")
    )
    lower = await api.client.post(url, headers=ops, content=upward.encode())
    assert lower.status_code == 422 and "demo-city" in lower.json()["detail"]
    broken = await api.client.post(url, headers=ops, content=b"slug = [")
    assert broken.status_code == 422 and "tenant.toml" in broken.json()["detail"]
    unknown = NEW_COUNTY.replace('plugins = ["health"]', 'plugins = ["astrology"]').replace(
        'logo = "LOGO"\n', ""
    )
    nope = await api.client.post(url, headers=ops, content=unknown.encode())
    assert nope.status_code == 422 and "astrology" in nope.json()["detail"]
    staff = await api.staff("clerk")
    assert (await api.client.post(url, headers=staff, content=manifest.encode())).status_code == 403


async def test_tenant_health_and_the_plugin_registry(api: Api, demo: None) -> None:
    citizen = await api.citizen()
    await api.submit(citizen)
    ops = await _operator(api)
    health = {
        h["slug"]: h for h in (await api.client.get("/api/v1/operator/health", headers=ops)).json()
    }
    county = health["demo-county"]
    assert county["cases_today"] == 1 and county["open_cases"] == 1
    assert county["storage_bytes"] > 0 and county["overdue_steps"] == 0
    assert health["demo-city"]["cases_today"] == 0
    plugins = {
        p["name"]: p for p in (await api.client.get("/api/v1/operator/plugins", headers=ops)).json()
    }
    assert plugins["health"]["tenants"] == ["demo-county"]
    assert "WJ-JKZM-0001" in plugins["health"]["items"] and plugins["health"]["version"]
    staff = await api.staff("tenantadmin")
    assert (await api.client.get("/api/v1/operator/health", headers=staff)).status_code == 403


async def operator_web_session(api: Api) -> httpx.Response:
    """Sign an operator in on ``api.client`` (cookies) through the console's login."""
    from tests.portal.test_apply import hidden

    await create_operator("ops-li", "李运营", "Ops-pass-2026")
    form = await api.client.get("/login?operator=1")
    signed = await api.client.post(
        "/login",
        data={
            "username": "ops-li",
            "password": "Ops-pass-2026",
            "operator": "1",
            "next": "/operator/",
            "_csrf_token": hidden(form.text, "_csrf_token"),
        },
    )
    assert signed.status_code == 303, signed.text
    return signed


async def test_the_operator_console_in_the_browser_session(api: Api, demo: None) -> None:
    from tests.portal.test_apply import hidden

    page = await api.client.get("/operator/")
    assert page.status_code == 303 and "operator=1" in page.headers["location"]
    form = await api.client.get(page.headers["location"])
    assert "平台运营人员登录" in form.text
    signed = await operator_web_session(api)
    assert signed.headers["location"] == "/operator/"
    console = await api.client.get("/operator/")
    assert console.status_code == 200 and 'data-tenant="demo-county"' in console.text
    assert "natural_resources" in console.text
    token = hidden(console.text, "_csrf_token")
    manifest = NEW_COUNTY.replace('logo = "LOGO"\n', "")
    plan = await api.client.post(
        "/operator/tenants",
        data={"_csrf_token": token, "manifest": manifest, "action": "plan"},
        files={"file": ("", b"", "application/octet-stream")},
    )
    assert plan.status_code == 200 and "create tenant new-county" in plan.text
    assert await Tenant.count().where(Tenant.slug == "new-county") == 0
    bad = await api.client.post(
        "/operator/tenants",
        data={
            "_csrf_token": token,
            "manifest": manifest.replace("990103", "99"),
            "action": "apply",
        },
        files={"file": ("", b"", "application/octet-stream")},
    )
    assert (
        bad.status_code == 422
        and "division_code" in bad.text
        and "990" not in bad.text.split("onboard-error")[0][-5:]
    )
    applied = await api.client.post(
        "/operator/tenants",
        data={"_csrf_token": token, "action": "apply"},
        files={"file": ("tenant.toml", manifest.encode(), "text/plain")},
    )
    assert applied.status_code == 201 and "只显示这一次" in applied.text
    suspended = await api.client.post(
        "/operator/tenants/new-county/suspend", data={"_csrf_token": token}
    )
    assert suspended.status_code == 303
    assert (await api.client.get("/t/new-county/")).status_code == 503
    await api.client.post("/operator/tenants/new-county/resume", data={"_csrf_token": token})
    assert (await api.client.get("/t/new-county/")).status_code == 200


async def test_the_operator_creates_a_tenant_from_a_form(api: Api, demo: None) -> None:
    from tests.portal.test_apply import hidden

    await create_operator("ops-zhao", "赵运营", "Ops-pass-2026")
    form = await api.client.get("/login?operator=1&next=/operator/")
    await api.client.post(
        "/login",
        data={
            "username": "ops-zhao",
            "password": "Ops-pass-2026",
            "operator": "1",
            "next": "/operator/",
            "_csrf_token": hidden(form.text, "_csrf_token"),
        },
    )
    console = await api.client.get("/operator/")
    token = hidden(console.text, "_csrf_token")
    fields = {
        "_csrf_token": token,
        "slug": "form-county",
        "name": "表单县人民政府",
        "level": "county",
        "parent": "demo-city",
        "division_code": "990111",
        "admin": "admin",
    }
    planned = await api.client.post("/operator/tenants/form", data={**fields, "action": "plan"})
    assert planned.status_code == 200 and "create tenant form-county" in planned.text
    assert "slug = &#34;form-county&#34;" in planned.text  # the manifest written for the operator
    wrong = await api.client.post(
        "/operator/tenants/form", data={**fields, "division_code": "12", "action": "apply"}
    )
    assert wrong.status_code == 422 and "division_code" in wrong.text
    made = await api.client.post("/operator/tenants/form", data={**fields, "action": "apply"})
    assert made.status_code == 201 and "只显示这一次" in made.text
    assert await Tenant.count().where(Tenant.slug == "form-county") == 1
