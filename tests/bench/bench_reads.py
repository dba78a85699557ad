"""Progress query and work list under 64 concurrent clients, on a database of
1,000,000 cases among 100 tenants, against bare asyncpg reads of the same rows.

Run (PostgreSQL on 127.0.0.1:5432; preparing 1,000,000 cases takes ~2 minutes)::

    uv run python -m tests.bench.bench_reads [--cases 1000000] [--requests 3000]

The database is :func:`tests.bench.bench_sweep.prepare`'s (the demo tenants and 99
more, their cases and open steps generated in SQL). govhall: one ``govhall serve``
process; ``GET /t/demo-county/api/v1/progress`` for a real case (serial number and
query code), and the county's land-registry handler's ``GET
/t/demo-county/api/v1/worklist`` (the 20 oldest of the ~10,000 open steps the handler
may take, role- and unit-scoped, with the total).
Floor: :mod:`tests.bench.floor_app` making the same reads with asyncpg and nothing
else. The load generator runs on loopback with ``--concurrency`` connections: ``wrk``
for ``--seconds`` per figure when it is installed (``apt install wrk``), else this
process's own client for ``--requests`` (bounded in count and time; a Python client
saturates before the server does on a small machine, so its figures are the
client's). Figures: requests/s, p50 and p99 latency, and govhall ÷
floor (targets: ratio ≥ 0.7, p99 < 20 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import asyncpg

from govhall.cases.services import hash_query_code
from tests.bench.bench_submit import cpu_seconds, load, staff_headers
from tests.bench.bench_sweep import prepare
from tests.conftest import free_port
from tests.e2e.processes import clean_env, start, stop, wait_ready

REPO = Path(__file__).resolve().parents[2]
DEADLINE_SECONDS = 300
QUERY_CODE = "BENCH7"
PASSWORD = "bench-pass-1234"


def _row(label: str, elapsed: float, latencies: list[float], failures: int, cpu: float) -> float:
    ordered = sorted(latencies)
    rate = len(ordered) / elapsed
    p50 = ordered[len(ordered) // 2] * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    print(
        f"{label:<36}{rate:>8,.0f}/s   p50 {p50:>6.1f} ms   p99 {p99:>7.1f} ms"
        f"   server CPU {cpu * 1000 / max(1, len(ordered)):>5.2f} ms/request   failed {failures}"
    )
    return rate


_WRK_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _wrk(
    label: str, url: str, pid: int, headers: dict[str, str], args: argparse.Namespace
) -> float:
    """``wrk`` (a C load generator, far lighter than any Python client) for
    ``--seconds``: requests/s and latency percentiles."""
    command = ["wrk", "-t", "2", "-c", str(args.concurrency), "-d", f"{args.seconds}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    cpu = cpu_seconds(pid)
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=args.seconds + 60
    ).stdout
    cpu = cpu_seconds(pid) - cpu
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    percent = {
        p: float(v) * _WRK_UNITS[u]
        for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
    }
    print(
        f"{label:<36}{rate:>8,.0f}/s   p50 {percent['50']:>6.1f} ms   p99 {percent['99']:>7.1f} ms"
        f"   server CPU {cpu * 1000 / max(1, total):>5.2f} ms/request"
        f"   failed {errors.group(1) if errors else 0}"
    )
    return rate


async def _measure(
    label: str,
    base: str,
    pid: int,
    path: str,
    params: dict[str, str],
    headers: dict[str, str],
    args: argparse.Namespace,
) -> float:
    await load(base, "GET", path, 200, 8, params=params, headers=headers)  # warm
    if shutil.which("wrk"):
        return _wrk(label, f"{base}{path}?{urlencode(params)}", pid, headers, args)
    cpu = cpu_seconds(pid)
    elapsed, latencies, failures = await load(
        base, "GET", path, args.requests, args.concurrency, params=params, headers=headers
    )
    return _row(label, elapsed, latencies, failures, cpu_seconds(pid) - cpu)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--tenants", type=int, default=100)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--seconds", type=int, default=15, help="per figure, with wrk")
    parser.add_argument("--reuse", action="store_true", help="the database of an earlier run")
    parser.add_argument(
        "--database", default="postgresql://postgres@127.0.0.1:5432/govhall_bench_reads"
    )
    args = parser.parse_args()
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
    generator = (
        f"wrk, {args.seconds} s per figure"
        if shutil.which("wrk")
        else f"Python client, {args.requests:,} requests per figure"
    )
    print(
        f"{args.cases:,} cases among {args.tenants} tenants (the county holds {county_cases:,});"
        f" {generator}, {args.concurrency} connections, {os.cpu_count()} cores"
    )

    work = Path(tempfile.mkdtemp(prefix="govhall-bench-reads-"))
    env = {
        **clean_env(),
        "GOVHALL_DATABASE_URL": url,
        "GOVHALL_SECRET_KEY": secret,
        "GOVHALL_STORAGE_URL": str(work / "blobs"),
        "GOVHALL_ENV": "dev",
    }
    results: dict[str, tuple[float, float]] = {}
    port = free_port()
    server = start(["serve", "--port", str(port)], env, REPO, work / "govhall.log")
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, server, work / "govhall.log", seconds=120)
        handler = await staff_headers(base, "handler", PASSWORD)
        progress = {"serial_number": serial, "query_code": QUERY_CODE}
        ours_progress = await _measure(
            "govhall: progress query",
            base,
            server.pid,
            "/t/demo-county/api/v1/progress",
            progress,
            {},
            args,
        )
        ours_worklist = await _measure(
            "govhall: work list (20 rows)",
            base,
            server.pid,
            "/t/demo-county/api/v1/worklist",
            {"page_size": "20"},
            handler,
            args,
        )
    finally:
        stop(server)
    port = free_port()
    floor = start(
        ["--port", str(port), "--database", url],
        clean_env(),
        REPO,
        work / "floor.log",
        module="tests.bench.floor_app",
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, floor, work / "floor.log")
        tenant: dict[str, Any] = {"tenant": str(tenant_id)}
        floor_progress = await _measure(
            "floor: progress (asyncpg)",
            base,
            floor.pid,
            "/progress",
            {**tenant, "serial_number": serial},
            {},
            args,
        )
        floor_worklist = await _measure(
            "floor: work list (asyncpg)",
            base,
            floor.pid,
            "/worklist",
            {**tenant, "role": "handler", "path": unit_path},
            {},
            args,
        )
    finally:
        stop(floor)
    results = {
        "progress": (ours_progress, floor_progress),
        "work list": (ours_worklist, floor_worklist),
    }
    for name, (ours, bare) in results.items():
        ratio = ours / bare
        verdict = "met" if ratio >= 0.7 else "NOT met"
        print(f"{'ratio ' + name + ' govhall / floor':<36}{ratio:>8.2f}   target ≥ 0.7: {verdict}")


if __name__ == "__main__":
    asyncio.run(main())
