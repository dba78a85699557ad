"""A trigger that tells every app process listening when a tenant's row changes.

Written by hand: Piccolo has no triggers. The app processes keep tenant rows between
requests (:mod:`govhall.tenancy.directory`) and drop them on this notification; a
trigger, not the services, sends it, so that no write path — the admin pages,
manifest apply, the catalogue triggers raising ``catalog_version``, an operator's
SQL — can change a tenant without the processes hearing of it. PostgreSQL only: the
embedded SQLite default keeps nothing between requests.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

ID = "2026-12-01T11:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "tenant change notifications"

# The channel is govhall.tenancy.directory.CHANNEL (a migration keeps its own copy:
# it must not change when the code does).
POSTGRES = (
    """
    CREATE OR REPLACE FUNCTION govhall_tenant_changed() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'TRUNCATE' THEN
            PERFORM pg_notify('govhall_tenant_changed', '');
        ELSIF TG_OP = 'DELETE' THEN
            PERFORM pg_notify('govhall_tenant_changed', OLD.slug);
        ELSE
            PERFORM pg_notify('govhall_tenant_changed', NEW.slug);
        END IF;
        RETURN NULL;
    END
    $$
    """,
    "CREATE TRIGGER tenancy_tenant_changed AFTER INSERT OR UPDATE OR DELETE "
    "ON tenancy_tenant FOR EACH ROW EXECUTE FUNCTION govhall_tenant_changed()",
    "CREATE TRIGGER tenancy_tenant_truncated AFTER TRUNCATE "
    "ON tenancy_tenant FOR EACH STATEMENT EXECUTE FUNCTION govhall_tenant_changed()",
)


class RawTable(Table):
    pass


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="tenancy", description=DESCRIPTION)

    async def run() -> None:
        if isinstance(RawTable._meta.db, PostgresEngine):
            for statement in POSTGRES:
                await RawTable.raw(statement)

    manager.add_raw(run)
    return manager
