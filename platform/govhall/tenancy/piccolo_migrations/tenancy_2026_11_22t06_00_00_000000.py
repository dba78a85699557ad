"""A composite unique index for item settings (one row per tenant and item).

Written by hand: Piccolo's ``Unique`` constraint is added with ``ALTER TABLE …
ADD CONSTRAINT``, which SQLite does not support, while a unique index works on
both engines (and serves ``ON CONFLICT`` clauses the same way).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-22T06:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique item settings per tenant"

STATEMENTS = (
    "CREATE UNIQUE INDEX IF NOT EXISTS tenancy_item_setting_unique ON tenancy_item_setting (tenant, item_code)",
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
