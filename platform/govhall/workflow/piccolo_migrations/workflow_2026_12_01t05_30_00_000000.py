"""Saving a flow version raises the tenant's ``catalog_version`` too, like a change
to its units, plugins or item settings (tenancy's catalogue version triggers).

Written by hand: Piccolo has no triggers. With it, the flow a new case starts on is
kept per process with the tenant's catalogue (``workflow.flows.effective_flow``)
instead of being read on every submission, and a version saved by any process, a
script or SQL is seen on the next request.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

ID = "2026-12-01T05:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "flow versions raise the catalogue version"

TABLE = "workflow_flow_definition"

# The function is tenancy's (govhall_catalog_changed), created before this app's
# migrations run.
POSTGRES = (
    f"CREATE TRIGGER {TABLE}_catalog_changed AFTER INSERT OR UPDATE OR DELETE "
    f"ON {TABLE} FOR EACH ROW EXECUTE FUNCTION govhall_catalog_changed()",
)

# The table name and row references are this module's constants, not input.
SQLITE = tuple(
    f"CREATE TRIGGER IF NOT EXISTS {TABLE}_catalog_{event.lower()} AFTER {event} ON {TABLE} "  # noqa: S608
    f"BEGIN UPDATE tenancy_tenant SET catalog_version = catalog_version + 1 "
    f"WHERE id IN ({rows}); END"
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
