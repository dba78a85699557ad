"""Composite unique indexes for the identity app.

Written by hand: Piccolo's ``Unique`` constraint is added with ``ALTER TABLE …
ADD CONSTRAINT``, which SQLite does not support, while a unique index works on
both engines (and serves ``ON CONFLICT`` clauses the same way).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-22T08:52:17:000000"
VERSION = "1.38.0"
DESCRIPTION = "composite unique indexes: roles, members, federation"

STATEMENTS = (
    "CREATE UNIQUE INDEX IF NOT EXISTS identity_role_code_unique ON identity_role (tenant, code)",
    "CREATE UNIQUE INDEX IF NOT EXISTS identity_enterprise_member_unique ON identity_enterprise_member (enterprise, member)",
    "CREATE UNIQUE INDEX IF NOT EXISTS identity_upstream_provider_key_unique ON identity_upstream_provider (tenant, key)",
    "CREATE UNIQUE INDEX IF NOT EXISTS identity_federated_identity_unique ON identity_federated_identity (provider, subject)",
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
