"""A unique index on tenants' portal domains.

Written by hand: Piccolo's ``Unique`` constraint is added with ``ALTER TABLE …
ADD CONSTRAINT``, which SQLite does not support, while a unique index works on
both engines (and serves ``ON CONFLICT`` clauses the same way).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-22T10:05:28:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique portal domains"

STATEMENTS = (
    "CREATE UNIQUE INDEX IF NOT EXISTS tenancy_tenant_domain_unique ON tenancy_tenant (domain)",
)


class RawTable(Table):
    pass


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="tenancy", description=DESCRIPTION)

    async def run() -> None:
        for statement in STATEMENTS:
            await RawTable.raw(statement)

    manager.add_raw(run)
    return manager
