"""The work list's index: open steps by tenant, role and age, covering the rest of
the work list's predicate (unit, position, assignee).

Written by hand: Piccolo declares no partial or multi-column indexes. With it, a
work list page reads its 20 oldest steps in index order and stops, and counts
the steps it may take from the index alone, instead of visiting every one of the
tenant's steps in the table (≈ 1 s for a tenant with 10,000 open steps among
1,000,000, measured by ``tests/bench/bench_reads.py``).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-30T23:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "work list index"

STATEMENTS = (
    "CREATE INDEX IF NOT EXISTS workflow_task_open_work ON workflow_task "
    "(tenant, role, created_at, org_unit, position, assignee) WHERE status = 'open'",
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
