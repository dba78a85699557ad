"""A 10,000-row batch import (批量办件) and its acceptance, against the floor.

Run (PostgreSQL on 127.0.0.1:5432)::

    uv run python -m tests.bench.bench_import [--rows 10000]

govhall: one ``govhall demo`` process on a fresh PostgreSQL database; the county
clerk uploads a spreadsheet of ``--rows`` workers for health certificates
(``POST /t/demo-county/api/v1/batches/xlsx``: every row checked — name, ID number
and its check digit, duplicates, the item's age rule — and stored), then accepts the
batch (``POST …/batches/{id}/acceptance``: one case, serial number, fee line and
receipt line per person). Floor: what no import can skip — openpyxl reading the same
file, and asyncpg writing one case row and one event row per person with
multi-row INSERTs in one transaction. Figures: seconds for each, and floor ÷ govhall.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg
import httpx
from openpyxl import load_workbook

from tests.bench.bench_submit import PASSWORD, staff_headers
from tests.bench.bench_sweep import _database
from tests.bench.results import record
from tests.cases.test_batches import EMPLOYER, HEALTH, SHARED, spreadsheet, workers
from tests.conftest import free_port
from tests.e2e.processes import clean_env, start, stop, wait_ready

REPO = Path(__file__).resolve().parents[2]


async def _govhall(url: str, content: bytes, rows: int) -> tuple[float, float]:
    work = Path(tempfile.mkdtemp(prefix="govhall-bench-import-"))
    env = {
        **clean_env(),
        "GOVHALL_DATABASE_URL": url,
        "GOVHALL_DEMO_PASSWORD": PASSWORD,
        "GOVHALL_STORAGE_URL": str(work / "blobs"),
        "GOVHALL_ENV": "dev",
    }
    port = free_port()
    process = start(["demo", "--port", str(port)], env, REPO, work / "govhall.log")
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, process, work / "govhall.log", seconds=120)
        clerk = await staff_headers(base, "clerk", PASSWORD)
        async with httpx.AsyncClient(base_url=base, timeout=600) as http:
            batch = {"item_code": HEALTH, "applicant": EMPLOYER, "shared": SHARED}
            started = time.perf_counter()
            made = await http.post(
                "/t/demo-county/api/v1/batches/xlsx",
                headers=clerk,
                data={"batch": json.dumps(batch, ensure_ascii=False)},
                files={"file": ("名单.xlsx", content, "application/octet-stream")},
            )
            imported = time.perf_counter() - started
            assert made.status_code == 201, made.text
            summary = made.json()
            assert summary["rows_total"] == rows and summary["rows_invalid"] == 0, summary
            started = time.perf_counter()
            accepted = await http.post(
                f"/t/demo-county/api/v1/batches/{summary['id']}/acceptance",
                headers=clerk,
                json={"opinion": "材料齐全"},
            )
            accepting = time.perf_counter() - started
            assert accepted.status_code == 200, accepted.text
            assert accepted.json()["rows_accepted"] == rows, accepted.json()
        return imported, accepting
    finally:
        stop(process)


async def _floor(url: str, content: bytes) -> float:
    started = time.perf_counter()
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    people = [row for row in sheet.iter_rows(min_row=2, values_only=True)]
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(
            "CREATE TABLE floor_batch_case (id uuid PRIMARY KEY, serial text, name text, "
            "id_number text, form jsonb);"
            'CREATE TABLE floor_batch_event (id uuid PRIMARY KEY, "case" uuid, action text)'
        )
        async with connection.transaction():
            cases = [
                (uuid.uuid4(), f"F{n:08d}", name, number, json.dumps({"post": post}))
                for n, (name, number, post) in enumerate(people)
            ]
            for start_at in range(0, len(cases), 1000):
                chunk = cases[start_at : start_at + 1000]
                await connection.executemany(
                    "INSERT INTO floor_batch_case VALUES ($1, $2, $3, $4, $5::jsonb)", chunk
                )
                await connection.executemany(
                    "INSERT INTO floor_batch_event VALUES ($1, $2, 'accept')",
                    [(uuid.uuid4(), case[0]) for case in chunk],
                )
    finally:
        await connection.close()
    return time.perf_counter() - started


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    content = spreadsheet(workers(args.rows))
    url = await _database(f"{args.postgres}/govhall_bench_import")
    imported, accepting = await _govhall(url, content, args.rows)
    floor = await _floor(await _database(f"{args.postgres}/govhall_bench_import_floor"), content)
    ours = imported + accepting
    print(f"{args.rows:,}-row batch, spreadsheet of {len(content) / 1024:,.0f} KiB")
    print(f"{'govhall: upload, check and store rows':<44}{imported:>8.2f} s")
    print(f"{'govhall: accept (a case per person)':<44}{accepting:>8.2f} s")
    print(f"{'govhall: together':<44}{ours:>8.2f} s")
    print(f"{'floor: read the file, insert case + event':<44}{floor:>8.2f} s")
    print(f"{'ratio floor / govhall':<44}{floor / ours:>8.2f}")
    record(
        f"{args.rows:,}-row batch (批量办件): upload and check every row, then accept"
        " (a case, serial number, fee and receipt line per person)",
        f"{imported:.1f} s import + {accepting:.1f} s acceptance = {ours:.1f} s",
        floor=f"{floor:.1f} s (openpyxl reads the file; asyncpg inserts a case and an event per row)",
        ratio=floor / ours,
    )


if __name__ == "__main__":
    asyncio.run(main())
