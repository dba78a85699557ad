"""The floor for the submission and read benchmarks: a bare Litestar app whose
endpoints do what no request can skip and nothing else. ``/submit``: parse the JSON
body, then insert a case row and an event row in one asyncpg transaction (no
validation, fees, materials, serial numbers, audit or jobs). ``/progress`` and
``/worklist``: the same reads govhall's progress query and work list make, on
govhall's own tables, with no sign-in, role scope or rendering.

Run by :mod:`tests.bench.bench_submit` as its own server process::

    python -m tests.bench.floor_app --port 8123 --database postgresql://…/govhall_bench_floor \
        [--server granian|uvicorn] [--workers N]

It runs under the same ASGI server and process count as the govhall it is compared
with, so the ratio measures govhall, not the server.
"""

from __future__ import annotations

import argparse
import json
import os
import uuid
from typing import Any

import asyncpg
from litestar import Litestar, get, post

DDL = (
    "CREATE TABLE IF NOT EXISTS floor_case (id uuid PRIMARY KEY, item_code text, "
    "form jsonb, status text, submitted_at timestamptz DEFAULT now())",
    "CREATE TABLE IF NOT EXISTS floor_event (id uuid PRIMARY KEY, "
    '"case" uuid REFERENCES floor_case (id), action text, created_at timestamptz DEFAULT now())',
)


def make_app(database: str) -> Litestar:
    pool: dict[str, asyncpg.Pool] = {}

    async def start() -> None:
        pool["db"] = await asyncpg.create_pool(database, min_size=4, max_size=10)
        async with pool["db"].acquire() as connection:
            for statement in DDL:
                await connection.execute(statement)

    async def stop() -> None:
        await pool["db"].close()

    @post("/submit", status_code=201)
    async def submit(data: dict[str, Any]) -> dict[str, str]:
        case_id = uuid.uuid4()
        async with pool["db"].acquire() as connection, connection.transaction():
            await connection.execute(
                "INSERT INTO floor_case (id, item_code, form, status) "
                "VALUES ($1, $2, $3::jsonb, 'submitted')",
                case_id,
                data.get("item_code", ""),
                json.dumps(data.get("form", {})),
            )
            await connection.execute(
                "INSERT INTO floor_event (id, \"case\", action) VALUES ($1, $2, 'submit')",
                uuid.uuid4(),
                case_id,
            )
        return {"id": str(case_id)}

    @get("/progress")
    async def progress(tenant: str, serial_number: str) -> dict[str, Any]:
        """What a progress query cannot skip: the case by tenant and serial number
        (its unique index) and its events."""
        async with pool["db"].acquire() as connection:
            case = await connection.fetchrow(
                "SELECT id, status, query_code_hash FROM cases_case "
                "WHERE tenant = $1 AND serial_number = $2",
                uuid.UUID(tenant),
                serial_number,
            )
            events = await connection.fetch(
                'SELECT seq, action, created_at FROM cases_case_event WHERE "case" = $1 '
                "ORDER BY seq",
                case["id"],
            )
        return {"status": case["status"], "events": [e["action"] for e in events]}

    @get("/worklist")
    async def worklist(tenant: str, role: str, path: str) -> dict[str, Any]:
        """What a work list page cannot skip: the count of the open steps of ``role``
        in the units under ``path`` (unassigned), and the oldest 20 with their cases —
        govhall's predicate for one grant, without sign-in, grants or rendering."""
        scope = (
            "FROM workflow_task t JOIN tenancy_org_unit u ON u.id = t.org_unit "
            "WHERE t.tenant = $1 AND t.status = 'open' AND t.role = $2 AND u.path LIKE $3 "
            "AND t.position = '' AND t.assignee IS NULL"
        )
        values = (uuid.UUID(tenant), role, f"{path}%")
        async with pool["db"].acquire() as connection:
            total = await connection.fetchval(f"SELECT count(*) {scope}", *values)
            joined = scope.replace("WHERE", 'JOIN cases_case c ON c.id = t."case" WHERE', 1)
            rows = await connection.fetch(
                "SELECT t.id, t.step, t.due_on, c.serial_number, c.applicant_name, c.flow "
                f"{joined} ORDER BY t.created_at LIMIT 20",
                *values,
            )
        return {"total": total, "rows": [r["serial_number"] for r in rows]}

    @get("/readyz")
    async def ready() -> dict[str, str]:
        return {"status": "ok"}

    return Litestar([submit, progress, worklist, ready], on_startup=[start], on_shutdown=[stop])


def app_from_env() -> Litestar:
    """Factory for granian's worker processes (the database in ``FLOOR_DATABASE``)."""
    return make_app(os.environ["FLOOR_DATABASE"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--server", choices=("uvicorn", "granian"), default="uvicorn")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    os.environ["FLOOR_DATABASE"] = args.database
    if args.server == "granian":
        from granian import Granian
        from granian.constants import Interfaces
        from granian.log import LogLevels

        Granian(
            "tests.bench.floor_app:app_from_env",
            factory=True,
            port=args.port,
            interface=Interfaces.ASGI,
            workers=args.workers,
            log_level=LogLevels.warning,
        ).serve()
        return
    import uvicorn

    uvicorn.run(
        "tests.bench.floor_app:app_from_env",
        factory=True,
        host="127.0.0.1",
        port=args.port,
        workers=args.workers,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
