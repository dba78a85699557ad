"""Unique indexes for the e-certificate library.

Written by hand: Piccolo's ``Unique`` constraint is added with ``ALTER TABLE …
ADD CONSTRAINT``, which SQLite does not support, while a unique index works on
both engines. A case issues one certificate, however often its conclusion is announced.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-30T07:05:29:000000"
VERSION = "1.38.0"
DESCRIPTION = "one certificate per case"

STATEMENTS = (
    'CREATE UNIQUE INDEX IF NOT EXISTS cases_certificate_case_unique ON cases_certificate ("case")',
)


class RawTable(Table):
    pass


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="cases", description=DESCRIPTION)

    async def run() -> None:
        for statement in STATEMENTS:
            await RawTable.raw(statement)

    manager.add_raw(run)
    return manager
