"""Submission benchmark: govhall's full HTTP path against a bare floor, side by side.

Run (PostgreSQL on 127.0.0.1:5432, Redis on 6379)::

    uv run python -m tests.bench.bench_submit [--seconds 10] [--concurrency 32] \
        [--server granian|uvicorn] [--workers N] [--client wrk|python [--requests 2000]]
    uv run python -m tests.bench.bench_submit --embedded     # the SQLite default

govhall: ``govhall demo`` (``--workers`` processes under ``--server``) on a fresh
PostgreSQL database with Redis for its jobs — each ``POST
/t/demo-county/api/v1/applications`` validates the form against the item's schema,
checks the materials, computes the fees, numbers the case, inserts the case, its
event, first step, material links and the applicant's inbox message in one statement,
and queues the texts and e-mails on the channels the applicant chose.
Floor: :mod:`tests.bench.floor_app` (the same server and process count, bare
Litestar + asyncpg) inserting a case row and an event row for the same body. The
load generator runs on loopback with ``--concurrency`` in flight: ``wrk`` for
``--seconds`` when it is installed (``apt install wrk``; :mod:`tests.bench.loadgen`),
else this process's own client for ``--requests`` submissions, bounded in count and
in time (it spends about a millisecond of CPU per request, which on two cores is
taken from the server). Figures: submissions per
second, p50 and p99 latency, server CPU per request (every server process), and
govhall ÷ floor (target ≥ 0.6); with ``--embedded``: govhall on SQLite with
in-process jobs (target ≥ 300/s).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import httpx

from govhall.serving import DEFAULT_SERVER, SERVERS
from tests.bench.bench_sweep import _database
from tests.bench.loadgen import cpu_seconds, have_wrk, measured, wrk
from tests.bench.results import record
from tests.conftest import GOOD_FORM, ID_NUMBER, ITEM_CODE, PDF_BYTES, PNG_BYTES, free_port
from tests.e2e.processes import clean_env, start, stop, wait_ready

PASSWORD = "bench-demo-pass-1"
#: The repository root: the floor app runs from it, so that ``tests.bench`` imports.
REPO = Path(__file__).resolve().parents[2]
#: No run may take longer than this, whatever the figures.
DEADLINE_SECONDS = 600


async def load(
    base: str,
    method: str,
    path: str,
    total: int,
    width: int,
    *,
    expect: int = 200,
    **request: Any,
) -> tuple[float, list[float], int]:
    """``total`` requests (``request`` as httpx takes it) with ``width`` in flight,
    bounded by ``DEADLINE_SECONDS``: (elapsed, latencies, failures)."""
    latencies: list[float] = []
    failures = 0
    remaining = iter(range(total))
    limits = httpx.Limits(max_connections=width, max_keepalive_connections=width)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:

        async def one() -> None:
            nonlocal failures
            for _ in remaining:
                if time.monotonic() > stop_at:
                    return
                began = time.perf_counter()
                response = await http.request(method, path, **request)
                latencies.append(time.perf_counter() - began)
                if response.status_code != expect:
                    failures += 1
                    if failures == 1:
                        print("first failure:", response.status_code, response.text[:300])

        stop_at = time.monotonic() + DEADLINE_SECONDS
        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(width)))
        return time.perf_counter() - started, latencies, failures


async def staff_headers(base: str, username: str, password: str) -> dict[str, str]:
    """A demo-county staff member's bearer token, as request headers."""
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        token = await http.post(
            "/api/v1/auth/token",
            json={"username": username, "password": password, "tenant": "demo-county"},
        )
    assert token.status_code == 200, token.text
    return {"authorization": f"Bearer {token.json()['access_token']}"}


async def _submissions(
    label: str,
    base: str,
    path: str,
    pid: int,
    args: argparse.Namespace,
    measuring: Callable[[int], AbstractContextManager[None]],
    body: dict[str, Any],
    headers: dict[str, str],
) -> tuple[float, float]:
    """Warm the server up (plugins' first calls, caches, the pool), then measure its
    submissions: with wrk for ``--seconds`` when it is installed and asked for, else
    with this process's client for ``--requests``. (requests/s, CPU ms per request)"""
    await load(base, "POST", path, 50, 4, expect=201, json=body, headers=headers)
    if getattr(args, "client", "python") == "wrk":
        with measuring(pid):
            figures = wrk(
                label,
                base + path,
                pid,
                seconds=args.seconds,
                connections=args.concurrency,
                headers=headers,
                method="POST",
                body=body,
            )
        return figures.rate, figures.cpu_ms
    cpu = cpu_seconds(pid)
    with measuring(pid):
        elapsed, latencies, failures = await load(
            base,
            "POST",
            path,
            args.requests,
            args.concurrency,
            expect=201,
            json=body,
            headers=headers,
        )
    figures = measured(label, elapsed, latencies, failures, cpu_seconds(pid) - cpu)
    return figures.rate, figures.cpu_ms


async def _govhall(
    env: dict[str, str],
    work: Path,
    args: argparse.Namespace,
    under: Sequence[str] = (),
    measuring: Callable[[int], AbstractContextManager[None]] = nullcontext,
) -> tuple[float, float]:
    """``govhall demo`` (under ``under``, e.g. valgrind) and its submissions; the
    measured ones inside ``measuring(server pid)``."""
    port = free_port()
    command = ["demo", "--port", str(port), "--server", args.server, "--workers", str(args.workers)]
    process = start(command, env, work, work / "govhall.log", under=under)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, process, work / "govhall.log", seconds=900 if under else 120)
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:
            registered = await http.post(
                "/api/v1/accounts",
                json={
                    "username": "bench-citizen",
                    "password": "abc12345x",
                    "kind": "individual",
                    "name": "张三",
                    "id_number": ID_NUMBER,
                },
            )
            assert registered.status_code == 201, registered.text
            token = (
                await http.post(
                    "/api/v1/auth/token",
                    json={"username": "bench-citizen", "password": "abc12345x"},
                )
            ).json()["access_token"]
            headers = {"authorization": f"Bearer {token}"}
            blobs = []
            for content, name in ((PDF_BYTES, "申请书.pdf"), (PNG_BYTES, "身份证.png")):
                uploaded = await http.post(
                    "/t/demo-county/api/v1/uploads",
                    headers=headers,
                    files={"file": (name, content, "application/octet-stream")},
                )
                assert uploaded.status_code == 201, uploaded.text
                blobs.append(uploaded.json()["blob_id"])
        body = {
            "item_code": ITEM_CODE,
            "form": GOOD_FORM,
            "materials": [
                {"material_code": code, "blob_id": blob}
                for code, blob in zip(("application_form", "identity_proof"), blobs, strict=True)
            ],
        }
        label = "govhall, embedded (SQLite)" if args.embedded else "govhall (PostgreSQL + Redis)"
        path = "/t/demo-county/api/v1/applications"
        return await _submissions(label, base, path, process.pid, args, measuring, body, headers)
    finally:
        stop(process)


async def _floor(
    database: str,
    work: Path,
    args: argparse.Namespace,
    under: Sequence[str] = (),
    measuring: Callable[[int], AbstractContextManager[None]] = nullcontext,
) -> tuple[float, float]:
    port = free_port()
    args_ = ["--port", str(port), "--database", database, "--server", args.server]
    args_ += ["--workers", str(args.workers)]
    log = work / "floor.log"
    process = start(args_, clean_env(), REPO, log, module="tests.bench.floor_app", under=under)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, process, log, seconds=900 if under else 60)
        body = {"item_code": ITEM_CODE, "form": GOOD_FORM}
        label = "floor: Litestar + asyncpg, 2 inserts"
        return await _submissions(label, base, "/submit", process.pid, args, measuring, body, {})
    finally:
        stop(process)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="with the Python client")
    parser.add_argument("--seconds", type=int, default=10, help="per figure, with wrk")
    parser.add_argument(
        "--client",
        choices=("wrk", "python"),
        default="wrk" if have_wrk() else "python",
        help="load generator (wrk when installed: the Python client costs a core)",
    )
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--embedded", action="store_true", help="SQLite, local files, inline jobs")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--server", choices=SERVERS, default=DEFAULT_SERVER)
    parser.add_argument("--workers", type=int, default=1, help="server processes, both sides")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="govhall-bench-submit-"))
    env = clean_env()
    env["GOVHALL_DEMO_PASSWORD"] = PASSWORD
    env["GOVHALL_STORAGE_URL"] = str(work / "blobs")
    env["GOVHALL_ENV"] = "dev"
    amount = f"{args.seconds} s" if args.client == "wrk" else f"{args.requests:,} requests"
    processes = "one server process" if args.workers == 1 else f"{args.workers} server processes"
    how = f"{args.client}, {amount}, {args.concurrency} in flight, {processes}"
    print(
        f"submissions for {amount} per figure ({args.client}), {args.concurrency} in flight,"
        f" {os.cpu_count()} cores"
    )
    if args.embedded:
        env["GOVHALL_DATABASE_URL"] = f"sqlite:///{work / 'govhall.sqlite3'}"
        rate, cpu = await _govhall(env, work, args)
        print(f"{'target':<34}{300:>10,}/s   {'met' if rate >= 300 else 'NOT met'}")
        record(
            f"submissions/s, embedded SQLite default ({how})",
            f"{rate:,.0f}/s, {cpu:.2f} ms server CPU each",
            target="≥ 300/s",
            met=rate >= 300,
        )
        return
    env["GOVHALL_DATABASE_URL"] = await _database(f"{args.postgres}/govhall_bench_submit")
    env["GOVHALL_REDIS_URL"] = args.redis
    env["GOVHALL_QUEUE"] = "govhall-bench-submit"
    import redis

    redis.Redis.from_url(args.redis).flushdb()
    ours, our_cpu = await _govhall(env, work, args)
    floor, floor_cpu = await _floor(
        await _database(f"{args.postgres}/govhall_bench_floor"), work, args
    )
    ratio = ours / floor
    print(
        f"{'ratio govhall / floor':<34}{ratio:>10.2f}    target ≥ 0.6: {'met' if ratio >= 0.6 else 'NOT met'}"
    )
    # The same ratio by server CPU per request: steadier when the VM's neighbours are busy.
    print(f"{'ratio by server CPU (floor / govhall)':<34}{floor_cpu / our_cpu:>7.2f}")
    record(
        f"submissions/s, full HTTP path, PostgreSQL + Redis ({how} each side)",
        f"{ours:,.0f}/s, {our_cpu:.2f} ms server CPU each",
        floor=f"{floor:,.0f}/s, {floor_cpu:.2f} ms (Litestar + asyncpg, two inserts)",
        ratio=ratio,
        target="≥ 0.6",
        met=ratio >= 0.6,
    )


if __name__ == "__main__":
    asyncio.run(main())
