"""Progress query and work list under 64 concurrent clients, on a database of
1,000,000 cases among 100 tenants, against bare asyncpg reads of the same rows.

Run (PostgreSQL on 127.0.0.1:5432; preparing 1,000,000 cases takes ~2 minutes)::

    uv run python -m tests.bench.bench_reads [--cases 1000000] [--requests 3000] \
        [--server granian|uvicorn] [--workers N] [--reuse]

The database is :func:`tests.bench.bench_sweep.prepare`'s (the demo tenants and 99
more, their cases and open steps generated in SQL). govhall: ``govhall serve``
(``--workers`` processes under ``--server``); ``GET /t/demo-county/api/v1/progress``
for a real case (serial number and query code), and the county's land-registry
handler's ``GET /t/demo-county/api/v1/worklist`` (the 20 oldest of the ~10,000 open
steps the handler may take, role- and unit-scoped, with the total). Floor:
:mod:`tests.bench.floor_app` making the same reads with asyncpg and nothing else,
under the same server and process count. The load generator runs on loopback with
``--concurrency`` connections: ``wrk`` for ``--seconds`` per figure when it is
installed (``apt install wrk``), else this process's own client for ``--requests``
(bounded in count and time; a Python client saturates before the server does on a
small machine, so its figures are the client's). Figures: requests/s, p50 and p99
latency, and govhall ÷ floor (targets: ratio ≥ 0.7, p99 < 20 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import asyncpg

from govhall.cases.services import hash_query_code
from govhall.serving import DEFAULT_SERVER, SERVERS
from tests.bench.bench_submit import load, staff_headers
from tests.bench.bench_sweep import prepare
from tests.bench.loadgen import Figures, cpu_seconds, have_wrk, measured, wrk
from tests.bench.results import record
from tests.conftest import free_port
from tests.e2e.processes import clean_env, start, stop, wait_ready

REPO = Path(__file__).resolve().parents[2]
DEADLINE_SECONDS = 300
QUERY_CODE = "BENCH7"
PASSWORD = "bench-pass-1234"


async def _measure(
    label: str,
    base: str,
    pid: int,
    path: str,
    params: dict[str, str],
    headers: dict[str, str],
    args: argparse.Namespace,
) -> Figures:
    await load(base, "GET", path, 200, 8, params=params, headers=headers)  # warm
    if have_wrk():
        url = f"{base}{path}?{urlencode(params)}"
        return wrk(
            label,
            url,
            pid,
            seconds=args.seconds,
            connections=args.concurrency,
            headers=headers,
        )
    cpu = cpu_seconds(pid)
    elapsed, latencies, failures = await load(
        base, "GET", path, args.requests, args.concurrency, params=params, headers=headers
    )
    return measured(label, elapsed, latencies, failures, cpu_seconds(pid) - cpu)


@dataclass(frozen=True)
class Reads:
    """The prepared database and what the requests name in it."""

    url: str
    secret: str
    serial: str
    tenant_id: Any
    unit_path: str
    county_cases: int


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--tenants", type=int, default=100)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--seconds", type=int, default=15, help="per figure, with wrk")
    parser.add_argument("--reuse", action="store_true", help="the database of an earlier run")
    parser.add_argument(
        "--database", default="postgresql://postgres@127.0.0.1:5432/govhall_bench_reads"
    )


async def prepare_reads(args: argparse.Namespace) -> Reads:
    url = args.database if args.reuse else await prepare(args.database, args.tenants, args.cases)
    secret = f"bench-{uuid.uuid4()}-secret-key-0123456789"
    connection = await asyncpg.connect(url)
    case = await connection.fetchrow(
        "SELECT c.serial_number, c.tenant FROM cases_case c JOIN tenancy_tenant t "
        "ON t.id = c.tenant WHERE t.slug = 'demo-county' AND c.serial_number NOT LIKE 'BENCH%'"
    )
    serial, tenant_id = case["serial_number"], case["tenant"]
    # A query code we know, hashed with the server's key.
    await connection.execute(
        "UPDATE cases_case SET query_code_hash = $1 WHERE serial_number = $2",
        hash_query_code(secret, serial, QUERY_CODE),
        serial,
    )
    unit_path = await connection.fetchval(
        "SELECT path FROM tenancy_org_unit WHERE tenant = $1 AND code = 'zrzyj'", tenant_id
    )
    county_cases = await connection.fetchval(
        "SELECT count(*) FROM cases_case WHERE tenant = $1", tenant_id
    )
    await connection.execute("ANALYZE")
    await connection.close()
    return Reads(url, secret, serial, tenant_id, unit_path, county_cases)


async def govhall_reads(
    reads: Reads, args: argparse.Namespace, server: str, workers: int
) -> tuple[Figures, Figures]:
    """``govhall serve`` under ``server`` with ``workers`` processes: (progress, work
    list)."""
    work = Path(tempfile.mkdtemp(prefix="govhall-bench-reads-"))
    env = {
        **clean_env(),
        "GOVHALL_DATABASE_URL": reads.url,
        "GOVHALL_SECRET_KEY": reads.secret,
        "GOVHALL_STORAGE_URL": str(work / "blobs"),
        "GOVHALL_ENV": "dev",
    }
    port = free_port()
    command = ["serve", "--port", str(port), "--server", server, "--workers", str(workers)]
    process = start(command, env, REPO, work / "govhall.log")
    base = f"http://127.0.0.1:{port}"
    suffix = f" [{server} ×{workers}]"
    try:
        wait_ready(base, process, work / "govhall.log", seconds=120)
        handler = await staff_headers(base, "handler", PASSWORD)
        progress = {"serial_number": reads.serial, "query_code": QUERY_CODE}
        path = "/t/demo-county/api/v1/"
        return (
            await _measure(
                "govhall: progress" + suffix,
                base,
                process.pid,
                path + "progress",
                progress,
                {},
                args,
            ),
            await _measure(
                "govhall: work list" + suffix,
                base,
                process.pid,
                path + "worklist",
                {"page_size": "20"},
                handler,
                args,
            ),
        )
    finally:
        stop(process)


async def floor_reads(
    reads: Reads, args: argparse.Namespace, server: str, workers: int
) -> tuple[Figures, Figures]:
    """The floor app under the same server and process count: (progress, work list)."""
    work = Path(tempfile.mkdtemp(prefix="govhall-bench-reads-"))
    port = free_port()
    command = ["--port", str(port), "--database", reads.url, "--server", server]
    process = start(
        [*command, "--workers", str(workers)],
        clean_env(),
        REPO,
        work / "floor.log",
        module="tests.bench.floor_app",
    )
    base = f"http://127.0.0.1:{port}"
    tenant: dict[str, Any] = {"tenant": str(reads.tenant_id)}
    suffix = f" [{server} ×{workers}]"
    try:
        wait_ready(base, process, work / "floor.log")
        return (
            await _measure(
                "floor: progress" + suffix,
                base,
                process.pid,
                "/progress",
                {**tenant, "serial_number": reads.serial},
                {},
                args,
            ),
            await _measure(
                "floor: work list" + suffix,
                base,
                process.pid,
                "/worklist",
                {**tenant, "role": "handler", "path": reads.unit_path},
                {},
                args,
            ),
        )
    finally:
        stop(process)


def describe(reads: Reads, args: argparse.Namespace) -> str:
    """Print what the figures are of; return it in short, for the table."""
    generator = (
        f"wrk, {args.seconds} s per figure"
        if have_wrk()
        else f"Python client, {args.requests:,} requests per figure"
    )
    print(
        f"{args.cases:,} cases among {args.tenants} tenants (the county holds"
        f" {reads.county_cases:,}); {generator}, {args.concurrency} connections,"
        f" {os.cpu_count()} cores"
    )
    return (
        f"{args.cases:,} cases, {args.tenants} tenants, {generator}, {args.concurrency} connections"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    parser.add_argument("--server", choices=SERVERS, default=DEFAULT_SERVER)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    reads = await prepare_reads(args)
    load_ = describe(reads, args)
    ours = await govhall_reads(reads, args, args.server, args.workers)
    bare = await floor_reads(reads, args, args.server, args.workers)
    processes = "one server process" if args.workers == 1 else f"{args.workers} server processes"
    names = ("progress query by serial number", "work list, 20 rows, role- and unit-scoped")
    for name, mine, floor in zip(names, ours, bare, strict=True):
        ratio = mine.rate / floor.rate
        verdict = "met" if ratio >= 0.7 else "NOT met"
        print(
            f"{'ratio ' + name[:9] + ' govhall / floor':<36}{ratio:>8.2f}   target ≥ 0.7: {verdict}"
        )
        record(
            f"{name} ({load_}, {processes} each side)",
            f"{mine.rate:,.0f}/s, {mine.cpu_ms:.2f} ms server CPU, p50 {mine.p50_ms:.1f} ms,"
            f" p99 {mine.p99_ms:.1f} ms",
            floor=f"{floor.rate:,.0f}/s, {floor.cpu_ms:.2f} ms, p99 {floor.p99_ms:.1f} ms (asyncpg)",
            ratio=ratio,
            target="≥ 0.7, p99 < 20 ms",
            met=ratio >= 0.7 and mine.p99_ms < 20,
        )


if __name__ == "__main__":
    asyncio.run(main())
