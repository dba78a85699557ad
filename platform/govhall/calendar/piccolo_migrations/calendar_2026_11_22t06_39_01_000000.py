"""One calendar entry per tenant and day (hand-written: see the workflow app's note)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-22T06:39:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "one entry per tenant and day"

STATEMENTS = (
    "CREATE UNIQUE INDEX IF NOT EXISTS calendar_day_unique ON calendar_day (tenant, day)",
)


class RawTable(Table):
    pass


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="calendar", description=DESCRIPTION)

    async def run() -> None:
        for statement in STATEMENTS:
            await RawTable.raw(statement)

    manager.add_raw(run)
    return manager
