"""Composite unique indexes for the identity app.

Written by hand: Piccolo's ``Unique`` constraint is added with ``ALTER TABLE …
ADD CONSTRAINT``, which SQLite does not support, while a unique index works on
both engines (and serves ``ON CONFLICT`` clauses the same way).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-22T05:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "composite unique indexes"

STATEMENTS = (
    "CREATE UNIQUE INDEX IF NOT EXISTS identity_staff_username_unique ON identity_staff (tenant, username)",
    "CREATE UNIQUE INDEX IF NOT EXISTS identity_role_grant_unique ON identity_role_grant (staff, role, org_unit)",
)


class RawTable(Table):
    pass


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="identity", description=DESCRIPTION)

    async def run() -> None:
        for statement in STATEMENTS:
            await RawTable.raw(statement)

    manager.add_raw(run)
    return manager
