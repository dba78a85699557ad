"""Notification jobs per second per worker process, against RQ's own floor.

Run (PostgreSQL on 127.0.0.1:5432, Redis on 6379)::

    uv run python -m tests.bench.bench_jobs [--jobs 5000]

govhall: ``--jobs`` applicant inbox notifications (``govhall.notify.jobs.deliver_inbox``,
each an idempotent insert into the inbox) enqueued the way requests enqueue them, then
drained by one ``govhall worker --burst --simple`` process. Floor: the same number of
no-op jobs drained by the same worker — what RQ itself costs per job (fetching,
bookkeeping, result). govhall runs twice: deliveries enqueued one at a time (one RQ
job each), and enqueued by 500 callers at once, as a busy server does, when the
queue merges the deliveries of each Redis write into batch jobs. Figures: jobs per
second of each (the process's start-up, measured by a burst over an empty queue, is
subtracted), the ratio to the floor, and the target of 1,000 notifications/s per
worker. Every run is bounded in count and
in time; the inbox is checked to hold exactly one message per job.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import redis

from govhall import schema
from govhall.jobs.queue import RQJobQueue
from govhall.plugins import PluginRegistry, get_plugin_manager
from govhall.settings import Settings
from govhall.tenancy.services import apply_manifest, load_manifest
from tests.bench.bench_sweep import _database
from tests.bench.results import record
from tests.e2e.processes import clean_env

REPO = Path(__file__).resolve().parents[2]
DEADLINE_SECONDS = 600
QUEUE = "govhall-bench-jobs"


def noop(*, n: int) -> int:
    """The floor's job: nothing but RQ's own work around it."""
    return n


def _burst(env: dict[str, str]) -> float:
    """Seconds for one ``govhall worker --burst --simple`` to drain the queue."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "govhall", "worker", "--burst", "--simple"],
        env=env,
        cwd=REPO,
        check=True,
        timeout=DEADLINE_SECONDS,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


async def _enqueue(
    queue: RQJobQueue, jobs: list[tuple[str, dict[str, Any]]], width: int = 500
) -> None:
    """As requests do: ``width`` callers at once, sharing Redis writes (and so merging
    inbox deliveries into batch jobs); with 1, every job is written alone."""
    for start in range(0, len(jobs), width):
        chunk = jobs[start : start + width]
        await asyncio.gather(*(queue.enqueue(job, **kwargs) for job, kwargs in chunk))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=5000)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13")
    args = parser.parse_args()
    url = await _database(f"{args.postgres}/govhall_bench_jobs")
    settings = Settings(
        database_url=url,
        storage_url=tempfile.mkdtemp(prefix="govhall-bench-jobs-"),
        secret_key=f"bench-{uuid.uuid4()}-secret-key-0123456789",
    )
    await schema.migrate(settings)
    registry = PluginRegistry(get_plugin_manager())
    for slug in ("demo-province", "demo-city", "demo-county"):
        await apply_manifest(load_manifest(REPO / "tenants" / slug), registry, "bench-pass-1234")
    connection = await asyncpg.connect(url)
    tenant_id = await connection.fetchval(
        "SELECT id FROM tenancy_tenant WHERE slug = 'demo-county'"
    )
    redis.Redis.from_url(args.redis).flushdb()
    env = {
        **clean_env(),
        "GOVHALL_DATABASE_URL": url,
        "GOVHALL_REDIS_URL": args.redis,
        "GOVHALL_QUEUE": QUEUE,
        "GOVHALL_ENV": "dev",
        "GOVHALL_SECRET_KEY": settings.secret_key,
        "GOVHALL_STORAGE_URL": settings.storage_url,
    }
    queue = RQJobQueue(args.redis, QUEUE)
    start_up = min(_burst(env) for _ in range(2))

    await _enqueue(queue, [("tests.bench.bench_jobs.noop", {"n": n}) for n in range(args.jobs)])
    floor = args.jobs / max(1e-6, _burst(env) - start_up)

    rates = {}
    for label, width in (("one job per notification", 1), ("written together, 500 at once", 500)):
        recipient = uuid.uuid4()
        notifications = [
            (
                "govhall.notify.jobs.deliver_inbox",
                {
                    "dedupe_key": f"bench:{recipient}:{n}",
                    "tenant_id": str(tenant_id),
                    "recipient_kind": "account",
                    "recipient_id": str(recipient),
                    "template": "case_accept",
                    "params": {"serial_number": str(n), "item": {"zh-CN": "事项", "en": "item"}},
                },
            )
            for n in range(args.jobs)
        ]
        await _enqueue(queue, notifications, width)
        jobs = redis.Redis.from_url(args.redis).llen(f"rq:queue:{QUEUE}")
        rates[label] = (args.jobs / max(1e-6, _burst(env) - start_up), jobs)
        delivered = await connection.fetchval(
            "SELECT count(*) FROM notify_inbox_message WHERE recipient_id = $1", recipient
        )
        assert delivered == args.jobs, f"{delivered} inbox messages for {args.jobs} jobs"
    await connection.close()
    await queue.close()

    print(f"{args.jobs:,} jobs, one `govhall worker --simple` process, {os.cpu_count()} cores")
    print(f"{'worker start-up (subtracted)':<40}{start_up:>8.2f} s")
    print(f"{'floor: RQ no-op jobs':<40}{floor:>8,.0f}/s")
    for label, (rate, jobs) in rates.items():
        print(
            f"{'govhall: ' + label:<40}{rate:>8,.0f}/s   ({jobs:,} RQ jobs; each message stored once)"
        )
    best = max(rate for rate, _ in rates.values())
    print(
        f"{'ratio govhall (one per job) / floor':<40}{rates['one job per notification'][0] / floor:>8.2f}"
    )
    verdict = "met" if best >= 1000 else "NOT met"
    print(f"{'target ≥ 1,000 notifications/s':<40}{verdict:>8}")
    one, _ = rates["one job per notification"]
    batched, batch_jobs = rates["written together, 500 at once"]
    record(
        f"inbox notifications per `govhall worker --simple` process, one RQ job each ({args.jobs:,})",
        f"{one:,.0f}/s",
        floor=f"{floor:,.0f}/s (RQ no-op jobs, same worker)",
        ratio=one / floor,
    )
    record(
        f"the same, deliveries enqueued together and merged into batch jobs ({batch_jobs:,} jobs)",
        f"{batched:,.0f}/s",
        floor=f"{floor:,.0f}/s",
        ratio=batched / floor,
        target="≥ 1,000/s",
        met=best >= 1000,
    )


if __name__ == "__main__":
    asyncio.run(main())
