"""Index for the reports' case facts.

Written by hand: one composite index (tenant, day) serves every report, which
filters one tenant's facts by a period of days; Piccolo indexes single columns.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-30T16:38:38:000000"
VERSION = "1.38.0"
DESCRIPTION = "reports facts by tenant and day"

STATEMENTS = (
    "CREATE INDEX IF NOT EXISTS reports_case_fact_tenant_day ON reports_case_fact (tenant, day)",
)


class RawTable(Table):
    pass


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="reports", description=DESCRIPTION)

    async def run() -> None:
        for statement in STATEMENTS:
            await RawTable.raw(statement)

    manager.add_raw(run)
    return manager
