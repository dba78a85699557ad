"""The migrations on disk describe exactly the tables in code."""

from govhall import schema
from govhall.db import all_tables


async def test_tables_and_migrations_agree() -> None:
    assert await schema.pending_changes() == {}


async def test_every_table_has_rows_scoped_or_is_platform_wide() -> None:
    platform_wide = {"tenancy_tenant", "identity_account", "catalog_item_version"}
    # Audit rows are scoped by their chain: the tenant's id, or "platform".
    platform_wide |= {"audit_chain", "audit_entry"}
    # Public accounts are platform-wide, and so is what hangs off them alone; operators
    # belong to no tenant.
    platform_wide |= {"identity_enterprise_member", "identity_one_time_code", "identity_operator"}
    # How an account wants to be notified holds on every portal.
    platform_wide |= {"notify_preference"}
    # The platform's document signing keys (public halves), for every tenant's documents.
    platform_wide |= {"documents_signing_key"}
    # Payment providers' notice ids, unique across the platform (replay protection).
    platform_wide |= {"fees_used_notice"}
    # Scoped through its upstream provider, which names the tenant.
    platform_wide |= {"identity_federated_identity"}
    for table in all_tables():
        names = {column._meta.name for column in table._meta.columns}
        assert "tenant" in names or table._meta.tablename in platform_wide, table
