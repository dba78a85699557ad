"""Audit entries are append-only: the database itself refuses to change them.

PostgreSQL refuses UPDATE and DELETE of an entry; SQLite (demo use) refuses
UPDATE. The hash chain catches anything done around these (e.g. by a superuser
dropping the trigger): ``govhall audit verify``.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

ID = "2026-11-22T07:21:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "append-only audit entries and their indexes"

POSTGRES = (
    """
    CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'audit entries are append-only';
    END;
    $$ LANGUAGE plpgsql
    """,
    "DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry",
    "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry "
    "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()",
)
SQLITE = (
    "CREATE TRIGGER IF NOT EXISTS audit_entry_append_only BEFORE UPDATE ON audit_entry "
    "BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END",
)


#: Sign-in failures are counted per account and per address over a window.
INDEXES = (
    "CREATE INDEX IF NOT EXISTS audit_entry_target_at ON audit_entry (chain, target, at)",
    "CREATE INDEX IF NOT EXISTS audit_entry_ip_at ON audit_entry (ip, at)",
    "CREATE UNIQUE INDEX IF NOT EXISTS audit_entry_chain_seq ON audit_entry (chain, seq)",
)


class RawTable(Table):
    pass


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="audit", description=DESCRIPTION)

    async def run() -> None:
        postgres = isinstance(RawTable._meta.db, PostgresEngine)
        for statement in (*(POSTGRES if postgres else SQLITE), *INDEXES):
            await RawTable.raw(statement)

    manager.add_raw(run)
    return manager
