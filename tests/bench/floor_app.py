"""The floor for the submission benchmark: a bare Litestar app whose one endpoint
does what no submission can skip — parse the JSON body, then insert a case row and
an event row in one asyncpg transaction — and nothing else (no validation, fees,
materials, serial numbers, audit or jobs).

Run by :mod:`tests.bench.bench_submit` as its own server process::

    python -m tests.bench.floor_app --port 8123 --database postgresql://…/govhall_bench_floor
"""

from __future__ import annotations

import argparse
import json
import uuid
from typing import Any

import asyncpg
import uvicorn
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

    @get("/readyz")
    async def ready() -> dict[str, str]:
        return {"status": "ok"}

    return Litestar([submit, ready], on_startup=[start], on_shutdown=[stop])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database", required=True)
    args = parser.parse_args()
    uvicorn.run(make_app(args.database), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
