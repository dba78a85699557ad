"""Unique indexes for responsible leaders and their text messages.

Written by hand: a unique index is portable to SQLite where Piccolo's ``Unique``
constraint is not. A person is a department's leader once; one sweep texts a
leader once (the sweep's upsert relies on it when two sweeps run at once).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-30T19:49:23:000000"
VERSION = "1.38.0"
DESCRIPTION = "one leader per department and person; one text per leader and sweep"

STATEMENTS = (
    "CREATE UNIQUE INDEX IF NOT EXISTS supervision_leader_unique "
    "ON supervision_leader (org_unit, staff)",
    "CREATE UNIQUE INDEX IF NOT EXISTS supervision_leader_alert_unique "
    "ON supervision_leader_alert (leader, raised_at)",
)


class RawTable(Table):
    pass


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="supervision", description=DESCRIPTION)

    async def run() -> None:
        for statement in STATEMENTS:
            await RawTable.raw(statement)

    manager.add_raw(run)
    return manager
