"""Tenant isolation in PostgreSQL (R-T4): row-level security policies on every
tenant-owned table make a query that forgets its tenant filter see only the
current tenant's rows — for a role that neither owns the tables nor bypasses RLS,
as the app's role must be. The request's tenant reaches each pooled connection."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from govhall import db
from govhall.settings import Settings
from govhall.tenancy.isolation import (
    POLICY,
    grant_app_role,
    row_security_binds_app,
    tenant_tables,
)
from govhall.tenancy.services import apply_manifest, load_manifest
from govhall.tenancy.tables import Tenant
from tests.conftest import BACKEND, Api
from tests.tenancy.test_export import TENANTS

pytestmark = pytest.mark.skipif(BACKEND != "postgres", reason="row-level security is PostgreSQL's")


async def test_a_query_without_its_tenant_filter_sees_only_the_current_tenant(
    api: Api, demo: None, settings: Settings, registry: object
) -> None:
    await apply_manifest(load_manifest(TENANTS / "sample-county"), registry, "demo-pass-1")  # type: ignore[arg-type]
    await api.submit(await api.citizen())
    sample = Api(api.client, "sample-county")
    await sample.submit(await sample.citizen("li-si"))
    await sample.submit(await sample.login("li-si"))
    # `govhall migrate` made every policy, and the suite's own role is bound by them.
    assert await row_security_binds_app() is True
    policies = await Tenant.raw("SELECT tablename FROM pg_policies WHERE policyname = {}", POLICY)
    assert {row["tablename"] for row in policies} == set(tenant_tables())
    ids = {
        row["slug"]: str(row["id"])
        for row in await Tenant.select(Tenant.slug, Tenant.id).where(
            Tenant.slug.is_in(["demo-county", "sample-county"])
        )
    }
    role = f"govhall_probe_{uuid.uuid4().hex[:8]}"
    owner = await asyncpg.connect(settings.for_migrations().database_url)
    try:
        await owner.execute(
            f"CREATE ROLE {role} LOGIN PASSWORD 'probe-pass-1' NOSUPERUSER NOBYPASSRLS"
        )
        await owner.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")
        head, _, database = settings.for_migrations().database_url.rpartition("/")
        host = head.split("@")[-1]
        app_role = await asyncpg.connect(f"postgresql://{role}:probe-pass-1@{host}/{database}")
        try:
            # The owner (as in migrations) is not bound by the policies: it sees all three.
            assert await owner.fetchval("SELECT count(*) FROM cases_case") == 3
            for slug, expected in (("demo-county", 1), ("sample-county", 2)):
                await app_role.execute("SELECT set_config('govhall.tenant', $1, false)", ids[slug])
                # No WHERE tenant = …: the policy adds it.
                assert await app_role.fetchval("SELECT count(*) FROM cases_case") == expected
                tenants = await app_role.fetch("SELECT DISTINCT tenant FROM workflow_task")
                assert [str(r["tenant"]) for r in tenants] == [ids[slug]]
                units = await app_role.fetch("SELECT DISTINCT tenant FROM tenancy_org_unit")
                assert [str(r["tenant"]) for r in units] == [ids[slug]]
                # Public accounts are platform-wide by design (their home portal only).
                assert await app_role.fetchval("SELECT count(*) FROM identity_account") == 2
            await app_role.execute("SELECT set_config('govhall.tenant', '', false)")
            assert await app_role.fetchval("SELECT count(*) FROM cases_case") == 3
        finally:
            await app_role.close()
    finally:
        await owner.execute(f"DROP OWNED BY {role}")
        await owner.execute(f"DROP ROLE {role}")
        await owner.close()


async def test_the_requests_tenant_reaches_every_pooled_connection(api: Api, demo: None) -> None:
    await api.client.get("/t/demo-county/api/v1/items")  # opens the pool through the app
    db.current_tenant.set(db.TenantScope())
    assert (await Tenant.raw("SELECT current_setting('govhall.tenant', true) AS t"))[0]["t"] == ""
    county = await Tenant.select(Tenant.id).where(Tenant.slug == "demo-county").first()
    assert county is not None
    db.enter_tenant(county["id"])
    seen = await Tenant.raw("SELECT current_setting('govhall.tenant', true) AS t")
    assert seen[0]["t"] == str(county["id"])


async def test_the_app_running_as_a_non_owner_role_sees_one_tenant_per_request(
    api: Api, demo: None, settings: Settings, registry: object
) -> None:
    """The app's own pool, connected as the app role: a request for one tenant sees
    only that tenant's cases, even through a query with no tenant filter."""
    import dataclasses

    import httpx

    from govhall.cases.tables import Case
    from tests.conftest import create_test_app

    await apply_manifest(load_manifest(TENANTS / "sample-county"), registry, "demo-pass-1")  # type: ignore[arg-type]
    await api.submit(await api.citizen())
    sample = Api(api.client, "sample-county")
    await sample.submit(await sample.citizen("li-si"))
    ids = {
        row["slug"]: row["id"]
        for row in await Tenant.select(Tenant.slug, Tenant.id).where(
            Tenant.slug.is_in(["demo-county", "sample-county"])
        )
    }
    role = f"govhall_app_{uuid.uuid4().hex[:8]}"
    owner = await asyncpg.connect(settings.for_migrations().database_url)
    await owner.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'app-pass-1' NOSUPERUSER NOBYPASSRLS")
    await owner.execute(
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"
    )
    head, _, database = settings.for_migrations().database_url.rpartition("/")
    role_settings = dataclasses.replace(
        settings, database_url=f"postgresql://{role}:app-pass-1@{head.split('@')[-1]}/{database}"
    )
    original = db.get_engine()
    app = create_test_app(role_settings, registry)  # type: ignore[arg-type]
    services = app.state.services
    await services.start()
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            items = await client.get("/t/sample-county/api/v1/items")
            assert items.status_code == 200  # the app works as the role
            for slug, expected in (("demo-county", 1), ("sample-county", 1)):
                db.current_tenant.set(db.TenantScope())
                db.enter_tenant(ids[slug])
                assert await Case.count() == expected  # no tenant filter in this query
                cases = await Case.select(Case.tenant)
                assert {row["tenant"] for row in cases} == {ids[slug]}
            db.current_tenant.set(db.TenantScope())
            assert await Case.count() == 2
    finally:
        await services.stop()
        db.bind_engine(original)
        await owner.execute(f"DROP OWNED BY {role}")
        await owner.execute(f"DROP ROLE {role}")
        await owner.close()


async def test_the_owner_is_not_bound_and_the_console_says_so(
    api: Api, demo: None, settings: Settings
) -> None:
    """Run as the tables' owner, the policies would not bind the app: the operator
    console warns. Only plain role names go into GRANT statements."""
    from tests.tenancy.test_operations import operator_web_session

    assert await row_security_binds_app() is True
    await operator_web_session(api)
    console = api.client
    page = await console.get("/operator/")
    assert page.status_code == 200 and 'id="row-security"' not in page.text
    original = db.get_engine()
    db.configure_database(settings.for_migrations())
    try:
        assert await row_security_binds_app() is False
        page = await console.get("/operator/")
        assert 'id="row-security"' in page.text and "行级安全没有约束" in page.text
        with pytest.raises(ValueError, match="plain lower-case name"):
            await grant_app_role("postgresql://x%3B%20DROP@db/govhall")
    finally:
        db.bind_engine(original)
