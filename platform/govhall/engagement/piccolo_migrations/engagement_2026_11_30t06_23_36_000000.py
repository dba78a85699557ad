"""Unique indexes for the engagement app.

Written by hand: Piccolo's ``Unique`` constraint is added with ``ALTER TABLE …
ADD CONSTRAINT``, which SQLite does not support, while a unique index works on
both engines. One rating per case (好差评), however many requests race.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-30T06:23:36:000000"
VERSION = "1.38.0"
DESCRIPTION = "one rating per case"

STATEMENTS = (
    'CREATE UNIQUE INDEX IF NOT EXISTS engagement_rating_case_unique ON engagement_rating ("case")',
)


class RawTable(Table):
    pass


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="engagement", description=DESCRIPTION)

    async def run() -> None:
        for statement in STATEMENTS:
            await RawTable.raw(statement)

    manager.add_raw(run)
    return manager
