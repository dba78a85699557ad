"""The migrations on disk describe exactly the tables in code."""

from govhall import schema
from govhall.db import all_tables
from govhall.tenancy.isolation import PLATFORM_WIDE, tenant_tables


async def test_tables_and_migrations_agree() -> None:
    assert await schema.pending_changes() == {}


async def test_every_table_has_rows_scoped_or_is_platform_wide() -> None:
    for table in all_tables():
        names = {column._meta.name for column in table._meta.columns}
        assert "tenant" in names or table._meta.tablename in PLATFORM_WIDE, table
    assert "cases_case" in tenant_tables() and "identity_account" not in tenant_tables()
