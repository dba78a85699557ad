"""The portal's pages: branding by path and by the tenant's own domain, catalogue,
guide, progress query, languages, escaping, and assets served by govhall itself."""

from __future__ import annotations

from tests.conftest import Api

COUNTY_HOST = "zwfw.shifan.example.gov.cn"


async def test_home_by_path_and_by_the_tenants_own_domain(api: Api, demo: None) -> None:
    home = await api.client.get("/t/demo-county/")
    assert home.status_code == 200
    assert "示范县网上办事大厅" in home.text and "--brand: #b71c1c" in home.text
    assert 'href="/t/demo-county/items"' in home.text
    assert "0999-6123456" in home.text  # the footer's service phone
    own = await api.client.get("/", headers={"host": COUNTY_HOST})
    assert own.status_code == 200 and "示范县网上办事大厅" in own.text
    assert 'href="/items"' in own.text  # links stay on the tenant's own domain
    landing = await api.client.get("/", headers={"host": "govhall.example.com"})
    assert landing.status_code == 200 and 'href="/t/demo-county/"' in landing.text
    items = await api.client.get("/items", headers={"host": COUNTY_HOST})
    assert items.status_code == 200
    unknown = await api.client.get("/t/nowhere/")
    assert unknown.status_code == 404


async def test_english_is_one_click_away_and_remembered(api: Api, demo: None) -> None:
    english = await api.client.get("/t/demo-county/?lang=en")
    assert 'lang="en"' in english.text and "Demo County Online Service Hall" in english.text
    assert "Service guides" in english.text
    assert english.cookies.get("govhall_lang") == "en"
    again = await api.client.get("/t/demo-county/items")
    assert 'lang="en"' in again.text  # the cookie remembers the choice


async def test_the_catalogue_filters_and_the_guide_shows_every_element(
    api: Api, demo: None
) -> None:
    everything = await api.client.get("/t/demo-county/items")
    department = await api.client.get("/t/demo-county/items?department=zrzyj")
    assert department.text.count('class="meta"') < everything.text.count('class="meta"')
    assert "房屋所有权首次登记" in department.text
    enterprise = await api.client.get("/t/demo-county/items?audience=enterprise")
    assert "建筑工程施工许可证核发" in enterprise.text
    guide = await api.client.get("/t/demo-county/items/NR-BDC-0001")
    assert guide.status_code == 200
    for element in ("设定依据", "申请材料", "收费标准", "法定办结时限", "承诺办结时限", "咨询电话"):
        assert element in guide.text, element
    assert '<th scope="col">' in guide.text  # a real table for screen readers
    assert (await api.client.get("/t/demo-county/items/NO-SUCH")).status_code == 404


async def test_progress_by_serial_number_and_query_code(api: Api, demo: None) -> None:
    receipt = await api.submit(await api.citizen())
    url = "/t/demo-county/progress"
    found = await api.client.get(
        url, params={"serial_number": receipt["serial_number"], "query_code": receipt["query_code"]}
    )
    assert found.status_code == 200
    assert "已提交，待受理" in found.text and 'class="step' in found.text
    wrong = await api.client.get(
        url, params={"serial_number": receipt["serial_number"], "query_code": "WRONG123"}
    )
    assert wrong.status_code in (403, 404) and 'role="alert"' in wrong.text
    injected = await api.client.get(url, params={"serial_number": '"><script>alert(1)</script>'})
    assert "<script>alert(1)</script>" not in injected.text
    assert "&lt;script&gt;" in injected.text or "&#34;&gt;&lt;script&gt;" in injected.text


async def test_assets_are_served_by_govhall_itself(api: Api, demo: None) -> None:
    css = await api.client.get("/static/portal.css")
    assert css.status_code == 200 and "--brand" in css.text
    htmx = await api.client.get("/static/vendor/htmx/htmx.min.js")
    assert htmx.status_code == 200 and "htmx" in htmx.text  # installed by npm ci
    page = (await api.client.get("/t/demo-county/")).text
    assert "https://" not in page.split("<body>")[0]  # no CDN in the head


async def test_services_by_life_event(api: Api, demo: None) -> None:
    page = await api.client.get("/t/demo-county/scenarios")
    assert page.status_code == 200
    assert "我要建项目" in page.text and "建筑工程施工许可证核发" in page.text
    assert "<details open>" in page.text  # top-level events open, keyboard-operable


async def test_errors_on_pages_are_pages(api: Api, demo: None) -> None:
    browser = {"accept": "text/html,application/xhtml+xml", "accept-language": "en"}
    missing = await api.client.get("/t/demo-county/items/NO-SUCH", headers=browser)
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert 'role="alert"' in missing.text and 'lang="en"' in missing.text
    api_call = await api.client.get("/t/demo-county/api/v1/items/NO-SUCH", headers=browser)
    assert api_call.headers["content-type"].startswith("application/json")


async def test_tenant_admins_configure_the_scenario_tree_per_audience(api: Api, demo: None) -> None:
    declared = await api.client.get("/t/demo-county/scenarios")
    assert declared.status_code == 200 and "details" in declared.text
    admin = await api.staff("tenantadmin")
    url = api.t("/scenarios")
    tree = [
        {"path": "我要开店/开餐馆", "items": ["SC-GTGS-0001", "SC-SPJY-0001", "WJ-GGCS-0001"]},
        {"path": "我要开店/开理发店", "items": ["SC-GTGS-0001", "WJ-GGCS-0001"]},
        {"path": "企业开办/建设项目", "items": ["ZJ-SGXK-0001"], "audience": "enterprise"},
        {"path": "家有老人", "items": ["MZ-GLJT-0001", "MZ-LNYD-0001"], "audience": "individual"},
    ]
    clerk = await api.staff("clerk")
    assert (await api.client.put(url, headers=clerk, json=tree)).status_code == 403
    bad = await api.client.put(
        url,
        headers=admin,
        json=[
            {"path": " / ", "items": ["NO-SUCH"]},
            {"path": "a/b/c/d/e", "items": [], "audience": "aliens"},
        ],
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {
        "entries[0].path",
        "entries[0].items",
        "entries[1].path",
        "entries[1].audience",
        "entries[1].items",
    }
    saved = await api.client.put(url, headers=admin, json=tree)
    assert saved.status_code == 200 and len(saved.json()) == 4
    page = await api.client.get("/t/demo-county/scenarios")
    assert "开餐馆" in page.text and "家有老人" in page.text and "建设项目" in page.text
    individual = await api.client.get("/t/demo-county/scenarios?audience=individual")
    assert "家有老人" in individual.text and "建设项目" not in individual.text
    enterprise = await api.client.get("/t/demo-county/scenarios?audience=enterprise")
    assert "建设项目" in enterprise.text and "家有老人" not in enterprise.text
    assert (await api.client.put(url, headers=admin, json=[])).json() == []
    assert "开餐馆" not in (await api.client.get("/t/demo-county/scenarios")).text


async def test_pages_carry_a_content_security_policy_and_the_tenant_logo(
    api: Api, demo: None
) -> None:
    home = await api.client.get("/t/demo-county/")
    policy = home.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert 'src="data:image/svg+xml;base64,' in home.text  # the manifest's logo.svg


async def test_tenant_wide_admins_change_the_branding(api: Api, demo: None) -> None:
    from tests.conftest import PNG_BYTES

    admin = await api.staff("tenantadmin")
    clerk = await api.staff("clerk")
    url = api.t("/branding")
    current = (await api.client.get(url)).json()
    assert current["portal_name"] == "示范县网上办事大厅" and current["logo"].startswith("data:")
    wanted = {**current, "primary_color": "#0b4f9c", "phones": ["0999-6000000"]}
    del wanted["logo"]
    assert (await api.client.put(url, headers=clerk, json=wanted)).status_code == 403
    injected = await api.client.put(
        url,
        headers=admin,
        json={**wanted, "primary_color": "red;} body{display:none", "phones": ["<b>"]},
    )
    assert injected.status_code == 422
    assert {e["field"] for e in injected.json()["errors"]} == {"primary_color", "phones"}
    not_an_image = await api.upload(admin)  # a PDF
    refused = await api.client.put(
        url, headers=admin, json={**wanted, "logo": not_an_image["blob_id"]}
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "logo"
    png = await api.upload(admin, PNG_BYTES, "logo.png")
    changed = await api.client.put(url, headers=admin, json={**wanted, "logo": png["blob_id"]})
    assert changed.status_code == 200, changed.text
    assert changed.json()["logo"].startswith("data:image/png;base64,")
    home = await api.client.get("/t/demo-county/")
    assert "--brand: #0b4f9c" in home.text and "0999-6000000" in home.text
    assert 'src="data:image/png;base64,' in home.text
