"""Role grants and tenant roles raise the tenant's ``catalog_version`` too, like its
units, plugins, item settings and flows (tenancy's catalogue version triggers).

Written by hand: Piccolo has no triggers. With it, a staff member's grants are kept
per process with the tenant's version (``identity.services.grants_of``) instead of
being read on every work list and action, and a grant given or taken away by any
process, a script or SQL counts from the next request on.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

ID = "2026-12-01T05:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "grants and roles raise the catalogue version"

TABLES = ("identity_role_grant", "identity_role")

# The function is tenancy's (govhall_catalog_changed), created before this app's
# migrations run.
POSTGRES = tuple(
    f"CREATE TRIGGER {table}_catalog_changed AFTER INSERT OR UPDATE OR DELETE "
    f"ON {table} FOR EACH ROW EXECUTE FUNCTION govhall_catalog_changed()"
    for table in TABLES
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
    manager = MigrationManager(migration_id=ID, app_name="identity", description=DESCRIPTION)

    async def run() -> None:
        postgres = isinstance(RawTable._meta.db, PostgresEngine)
        for statement in POSTGRES if postgres else SQLITE:
            await RawTable.raw(statement)

    manager.add_raw(run)
    return manager
