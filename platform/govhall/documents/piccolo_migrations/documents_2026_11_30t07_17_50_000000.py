"""Unique indexes for the documents app.

Written by hand: Piccolo's ``Unique`` constraint is added with ``ALTER TABLE …
ADD CONSTRAINT``, which SQLite does not support, while a unique index works on
both engines. An action issues each of its documents once, however often it is announced.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-30T07:17:50:000000"
VERSION = "1.38.0"
DESCRIPTION = "one document per kind and case event"

STATEMENTS = (
    'CREATE UNIQUE INDEX IF NOT EXISTS documents_document_event_unique ON documents_document ("case", event_seq, kind)',
)


class RawTable(Table):
    pass


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="documents", description=DESCRIPTION)

    async def run() -> None:
        for statement in STATEMENTS:
            await RawTable.raw(statement)

    manager.add_raw(run)
    return manager
