"""Unique index for supervision signals.

Written by hand: Piccolo's ``Unique`` constraint is added with ``ALTER TABLE …
ADD CONSTRAINT``, which SQLite does not support, while a unique index works on
both engines. A level is raised once per clock of a case: the sweep's upsert
relies on this index, so two sweeps at once never raise a signal twice.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-30T14:09:33:000000"
VERSION = "1.38.0"
DESCRIPTION = "one signal per case, subject and level"

STATEMENTS = (
    "CREATE UNIQUE INDEX IF NOT EXISTS supervision_signal_unique "
    'ON supervision_signal ("case", subject, level)',
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
