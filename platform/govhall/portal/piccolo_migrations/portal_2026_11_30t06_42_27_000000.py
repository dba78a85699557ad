"""Unique indexes for the portal app.

Written by hand: Piccolo's ``Unique`` constraint is added with ``ALTER TABLE …
ADD CONSTRAINT``, which SQLite does not support, while a unique index works on
both engines. Manifests match articles by key, so a key names one article.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-30T06:42:27:000000"
VERSION = "1.38.0"
DESCRIPTION = "one article per tenant and key"

STATEMENTS = (
    "CREATE UNIQUE INDEX IF NOT EXISTS portal_article_key_unique ON portal_article (tenant, key)",
)


class RawTable(Table):
    pass


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="portal", description=DESCRIPTION)

    async def run() -> None:
        for statement in STATEMENTS:
            await RawTable.raw(statement)

    manager.add_raw(run)
    return manager
