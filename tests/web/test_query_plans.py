"""Indexes proven by the planner: the statements behind the progress query, the work
list and the supervision sweep can be served from indexes — with sequential scans
switched off, PostgreSQL still finds a plan that reads none of the big tables
(cases, events, steps) whole. A statement that needs a whole-table scan (a missing
index, a predicate no index matches) fails here by name."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from govhall.settings import Settings
from govhall.supervision.sweep import _changes_sql, _limits_cte, tenant_limits
from tests.conftest import Api
from tests.web.test_query_counts import counted

pytestmark = pytest.mark.postgres
#: Tables that grow with the cases: never read whole on a hot path.
BIG = {"cases_case", "cases_case_event", "workflow_task", "cases_case_material"}


def _seq_scans(plan: dict[str, Any]) -> set[str]:
    found = set()
    if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") in BIG:
        found.add(plan["Relation Name"])
    for child in plan.get("Plans", []):
        found |= _seq_scans(child)
    return found


async def _whole_table_reads(
    settings: Settings, statements: list[tuple[str, list[Any]]]
) -> dict[str, set[str]]:
    owner = settings.migrate_database_url or settings.database_url
    connection = await asyncpg.connect(owner)
    try:
        await connection.execute("SET enable_seqscan = off")
        found = {}
        for sql, values in statements:
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            row = await connection.fetchval(f"EXPLAIN (FORMAT JSON) {sql}", *values)
            scans = _seq_scans(json.loads(row)[0]["Plan"])
            if scans:
                found[sql[:160]] = scans
        return found
    finally:
        await connection.close()


async def test_progress_and_work_list_read_through_indexes(
    api: Api, demo: None, settings: Settings
) -> None:
    citizen = await api.citizen()
    receipt = await api.submit(citizen)
    clerk = await api.staff("clerk")
    statements = []
    for call in (
        lambda: api.client.get(
            api.t("/progress"),
            params={
                "serial_number": receipt["serial_number"],
                "query_code": receipt["query_code"],
            },
        ),
        lambda: api.client.get(api.t("/worklist"), headers=clerk),
    ):
        with counted() as seen:
            response = await call()
        assert response.status_code == 200
        statements += seen
    assert statements
    assert await _whole_table_reads(settings, statements) == {}
    # The check itself: a predicate no index serves is reported.
    unindexed = [("SELECT count(*) FROM cases_case WHERE fee_total > $1", [0])]
    assert list((await _whole_table_reads(settings, unindexed)).values()) == [{"cases_case"}]


async def test_the_sweep_reads_running_clocks_from_their_partial_indexes(
    api: Api, demo: None, settings: Settings
) -> None:
    await api.submit(await api.citizen())
    limits = await tenant_limits(datetime.now(UTC))
    cte, params = _limits_cte(limits, True)
    statements = []
    for clock in ("case", "acceptance", "step"):
        # Piccolo's raw placeholders ({}) as PostgreSQL's ($1, $2 …).
        parts = f"{cte}{_changes_sql(clock, True)}".split("{}")
        sql = "".join(p + (f"${i}" if i < len(parts) else "") for i, p in enumerate(parts, 1))
        statements.append((sql, params))
    assert await _whole_table_reads(settings, statements) == {}
