"""Unique indexes for the notify app.

Written by hand: Piccolo's ``Unique`` constraint is added with ``ALTER TABLE …
ADD CONSTRAINT``, which SQLite does not support, while a unique index works on
both engines. One wording per tenant, message and language.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-30T06:31:53:000000"
VERSION = "1.38.0"
DESCRIPTION = "one wording per tenant, message and language"

STATEMENTS = (
    "CREATE UNIQUE INDEX IF NOT EXISTS notify_template_unique ON notify_template (tenant, key, locale)",
)


class RawTable(Table):
    pass


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="notify", description=DESCRIPTION)

    async def run() -> None:
        for statement in STATEMENTS:
            await RawTable.raw(statement)

    manager.add_raw(run)
    return manager
