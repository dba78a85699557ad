"""Triggers that raise ``tenancy_tenant.catalog_version`` on every change to a
tenant's org units, enabled plugins and item settings.

Written by hand: Piccolo has no triggers. A trigger, not the services, keeps the
version, so that no write path — the admin pages, manifest apply, a script, an
operator's SQL — can change the catalogue without the per-process caches
(:class:`govhall.catalog.services.CatalogService`) seeing it on the next request.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

ID = "2026-11-30T22:12:25:000000"
VERSION = "1.38.0"
DESCRIPTION = "catalogue version triggers"

TABLES = ("tenancy_org_unit", "tenancy_department_plugin", "tenancy_item_setting")

POSTGRES = (
    """
    CREATE OR REPLACE FUNCTION govhall_catalog_changed() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE tenancy_tenant SET catalog_version = catalog_version + 1
        WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.tenant ELSE NEW.tenant END;
        IF TG_OP = 'UPDATE' AND OLD.tenant IS DISTINCT FROM NEW.tenant THEN
            UPDATE tenancy_tenant SET catalog_version = catalog_version + 1
            WHERE id = OLD.tenant;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    *(
        f"CREATE TRIGGER {table}_catalog_changed AFTER INSERT OR UPDATE OR DELETE "
        f"ON {table} FOR EACH ROW EXECUTE FUNCTION govhall_catalog_changed()"
        for table in TABLES
    ),
)

# Table names and row references are this module's constants, not input.
SQLITE = tuple(
    f"CREATE TRIGGER IF NOT EXISTS {table}_catalog_{event.lower()} AFTER {event} ON {table} "  # noqa: S608
    f"BEGIN UPDATE tenancy_tenant SET catalog_version = catalog_version + 1 "
    f"WHERE id IN ({rows}); END"
    for table in TABLES
    for event, rows in (
        ("INSERT", "NEW.tenant"),
        ("UPDATE", "NEW.tenant, OLD.tenant"),
        ("DELETE", "OLD.tenant"),
    )
)


class RawTable(Table):
    pass


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="tenancy", description=DESCRIPTION)

    async def run() -> None:
        postgres = isinstance(RawTable._meta.db, PostgresEngine)
        for statement in POSTGRES if postgres else SQLITE:
            await RawTable.raw(statement)

    manager.add_raw(run)
    return manager
