"""Composite unique indexes for the tenancy app.

Written by hand: Piccolo's ``Unique`` constraint is added with ``ALTER TABLE …
ADD CONSTRAINT``, which SQLite does not support, while a unique index works on
both engines (and serves ``ON CONFLICT`` clauses the same way).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-22T05:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "composite unique indexes"

STATEMENTS = (
    "CREATE UNIQUE INDEX IF NOT EXISTS tenancy_org_unit_code_unique ON tenancy_org_unit (tenant, code)",
    "CREATE UNIQUE INDEX IF NOT EXISTS tenancy_department_plugin_unique ON tenancy_department_plugin (tenant, department, plugin)",
)


class RawTable(Table):
    pass


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="tenancy", description=DESCRIPTION)

    async def run() -> None:
        for statement in STATEMENTS:
            await RawTable.raw(statement)

    manager.add_raw(run)
    return manager
