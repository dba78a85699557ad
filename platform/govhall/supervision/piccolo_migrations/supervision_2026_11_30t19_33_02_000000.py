"""Supervision clocks: one row per (case, subject), filled from the open signals;
narrow partial indexes over the running clocks.

Written by hand: a unique index is portable to SQLite where Piccolo's ``Unique``
constraint is not, and the fill is data, not schema. Before this migration the
sweep kept no per-clock level; without the fill, a clock signalled by the old
sweep and no longer behind would never be cleared. The partial indexes hold every
column the sweep reads of the open cases and open steps, so it reads them from
the index alone instead of the wide case rows.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

ID = "2026-11-30T19:33:02:000000"
VERSION = "1.38.0"
DESCRIPTION = "one clock per case and subject, filled from the open signals"

ENDED = "'concluded', 'rejected', 'withdrawn', 'terminated', 'voided'"
INDEXES = (
    "CREATE INDEX IF NOT EXISTS supervision_running_case ON cases_case "
    f"(tenant, id, department, due_on) WHERE status NOT IN ({ENDED})",
    "CREATE INDEX IF NOT EXISTS supervision_running_step ON workflow_task "
    "(tenant, id, \"case\", org_unit, due_on) WHERE status = 'open'",
)
RANK = "CASE s.level WHEN 'warning' THEN 1 WHEN 'yellow' THEN 2 ELSE 3 END"


class RawTable(Table):
    pass


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="supervision", description=DESCRIPTION)

    async def run() -> None:
        for statement in INDEXES:
            await RawTable.raw(statement)
        await RawTable.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS supervision_clock_unique "
            'ON supervision_clock ("case", subject)'
        )
        new_id = (
            "gen_random_uuid()"
            if isinstance(RawTable._meta.db, PostgresEngine)
            else "lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || "
            "substr(hex(randomblob(2)), 2) || '-a' || substr(hex(randomblob(2)), 2) || '-' || "
            "hex(randomblob(6)))"
        )
        await RawTable.raw(
            f'INSERT INTO supervision_clock (id, tenant, "case", task, subject, level) '  # noqa: S608
            f'SELECT {new_id}, s.tenant, s."case", s.task, s.subject, s.level FROM ('
            f'SELECT s.tenant, s."case", s.task, s.subject, MAX({RANK}) AS level '
            "FROM supervision_signal s WHERE s.cleared_at IS NULL AND s.kind = 'deadline' "
            'GROUP BY s.tenant, s."case", s.task, s.subject) s'
        )

    manager.add_raw(run)
    return manager
