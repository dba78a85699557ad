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
from govhall.tenancy.isolation import POLICY, ensure_row_security, tenant_tables
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
    assert await ensure_row_security() == []  # `govhall migrate` made every policy already
    policies = await Tenant.raw("SELECT tablename FROM pg_policies WHERE policyname = {}", POLICY)
    assert {row["tablename"] for row in policies} == set(tenant_tables())
    ids = {
        row["slug"]: str(row["id"])
        for row in await Tenant.select(Tenant.slug, Tenant.id).where(
            Tenant.slug.is_in(["demo-county", "sample-county"])
        )
    }
    role = f"govhall_probe_{uuid.uuid4().hex[:8]}"
    owner = await asyncpg.connect(settings.database_url)
    try:
        await owner.execute(
            f"CREATE ROLE {role} LOGIN PASSWORD 'probe-pass-1' NOSUPERUSER NOBYPASSRLS"
        )
        await owner.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")
        head, _, database = settings.database_url.rpartition("/")
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
