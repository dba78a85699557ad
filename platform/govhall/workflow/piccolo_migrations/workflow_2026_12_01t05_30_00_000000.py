"""Saving a flow version, and changing a role or a role grant, raise the tenant's
``catalog_version`` too, like a change to its units, plugins or item settings
(tenancy's catalogue version triggers).

Written by hand: Piccolo has no triggers. With them, the flow a new case starts on
(``workflow.flows.effective_flow``) and a staff member's grants
(``identity.services.grants_of``) are kept per process with the tenant's catalogue
instead of being read on every submission and staff request, and a version saved or
a grant taken away by any process, a script or SQL counts from the next request.

Here, in the workflow app, because its migrations run after identity's: all three
tables exist. The trigger statements are written out again rather than imported
from tenancy's migration: a migration is a record of what was run.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

ID = "2026-12-01T05:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "flows, roles and grants raise the catalogue version"

TABLES = ("workflow_flow_definition", "identity_role", "identity_role_grant")

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
    manager = MigrationManager(migration_id=ID, app_name="workflow", description=DESCRIPTION)

    async def run() -> None:
        postgres = isinstance(RawTable._meta.db, PostgresEngine)
        for statement in POSTGRES if postgres else SQLITE:
            await RawTable.raw(statement)

    manager.add_raw(run)
    return manager
