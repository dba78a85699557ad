"""Move resident ID numbers into the sealed column (hand-written data step).

Values move as they are; ``govhall keys rotate`` then encrypts every value that
is not sealed with the current key (values stored before encryption included).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-22T07:26:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "copy id numbers to the sealed column"


class RawTable(Table):
    pass


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="identity", description=DESCRIPTION)

    async def run() -> None:
        await RawTable.raw(
            "UPDATE identity_account SET id_number_sealed = id_number "
            "WHERE id_number IS NOT NULL AND id_number_sealed IS NULL"
        )

    manager.add_raw(run)
    return manager
