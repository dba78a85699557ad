"""Unique indexes for the messaging app.

Written by hand: Piccolo's ``Unique`` constraint is added with ``ALTER TABLE …
ADD CONSTRAINT``, which SQLite does not support, while a unique index works on
both engines. A staff member belongs to a conversation once; message numbers
never repeat within a conversation, however many are sent at once.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-30T09:09:51:000000"
VERSION = "1.38.0"
DESCRIPTION = "one membership per staff member, one number per message"

STATEMENTS = (
    "CREATE UNIQUE INDEX IF NOT EXISTS messaging_member_unique "
    "ON messaging_member (conversation, staff)",
    "CREATE UNIQUE INDEX IF NOT EXISTS messaging_message_seq_unique "
    "ON messaging_message (conversation, seq)",
)


class RawTable(Table):
    pass


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="messaging", description=DESCRIPTION)

    async def run() -> None:
        for statement in STATEMENTS:
            await RawTable.raw(statement)

    manager.add_raw(run)
    return manager
