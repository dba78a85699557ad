"""Unique flow versions per tenant, item and department (or the whole tenant).

Written by hand for the same reason as the other apps' unique indexes (SQLite
has no ``ALTER TABLE … ADD CONSTRAINT``); the expression makes the tenant-wide
versions (department NULL) unique too, on both engines.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-22T06:39:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique flow versions"

STATEMENTS = (
    "CREATE UNIQUE INDEX IF NOT EXISTS workflow_flow_definition_version_unique "
    "ON workflow_flow_definition (tenant, item_code, COALESCE(CAST(department AS TEXT), ''), "
    "version)",
)


class RawTable(Table):
    pass


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="workflow", description=DESCRIPTION)

    async def run() -> None:
        for statement in STATEMENTS:
            await RawTable.raw(statement)

    manager.add_raw(run)
    return manager
