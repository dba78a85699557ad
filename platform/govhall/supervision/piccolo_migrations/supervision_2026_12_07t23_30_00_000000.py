"""The legal clock's index now holds undecided cases only (§42 stops at the
decision), and narrow partial indexes over the two new running clocks: §44's issue limit and a
hold's own limit (§45 time needed, §47 hearing) — written by hand, as Piccolo
declares no partial indexes; the sweep reads these clocks from the index alone."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-07T23:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "partial indexes over the issue and hold clocks"

ENDED = "'concluded', 'rejected', 'withdrawn', 'terminated', 'voided'"
INDEXES = (
    # §42's clock stops at the decision: the running legal clocks are undecided cases.
    "DROP INDEX IF EXISTS supervision_running_case",
    "CREATE INDEX IF NOT EXISTS supervision_running_case ON cases_case "
    f"(tenant, id, department, due_on) WHERE status NOT IN ({ENDED}) AND decision IS NULL",
    "CREATE INDEX IF NOT EXISTS supervision_running_issue ON cases_case "
    "(tenant, id, department, issue_due) WHERE issue_due IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS supervision_running_hold ON cases_case "
    "(tenant, id, department, hold_due) WHERE hold_due IS NOT NULL",
)


class RawTable(Table):
    pass


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="supervision", description=DESCRIPTION)

    async def run() -> None:
        for statement in INDEXES:
            await RawTable.raw(statement)

    manager.add_raw(run)
    return manager
