"""Submission cost in CPU instructions, against the floor, under callgrind.

Run (PostgreSQL on 127.0.0.1:5432, Redis on 6379, valgrind installed)::

    uv run python -m tests.bench.bench_instructions [--requests 100]

Wall-clock and CPU-time figures on a shared 2-core VM move by ±20 % between runs
of the same code (docs/performance.md), too much to see a change of a few percent.
Instructions do not: ``valgrind --tool=callgrind`` counts the instructions the
server process executes, the same count run after run for the same code and
requests. govhall (``govhall demo``, as :mod:`tests.bench.bench_submit` runs it) and
the floor (:mod:`tests.bench.floor_app`) each run under callgrind with counting
off; after the warm-up, ``--requests`` submissions one at a time are counted
(``callgrind_control -i on/off``). Figures: instructions per submission and
floor ÷ govhall. What callgrind cannot see: time in the kernel (a statement's
round trip is mostly the socket's system calls) and waiting — so fewer statements
show here only as the Python they no longer run. Compare two commits by running
this on each.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

from tests.bench.bench_submit import PASSWORD, _floor, _govhall
from tests.bench.bench_sweep import _database
from tests.e2e.processes import clean_env


def _callgrind(out: Path) -> list[str]:
    return ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}.%p"]


@contextmanager
def _counting(pid: int) -> Iterator[None]:
    subprocess.run(["callgrind_control", "-i", "on", str(pid)], check=True, capture_output=True)
    try:
        yield
    finally:
        subprocess.run(
            ["callgrind_control", "-i", "off", str(pid)], check=True, capture_output=True
        )
        subprocess.run(["callgrind_control", "-d", str(pid)], check=True, capture_output=True)


def _instructions(out: Path) -> int:
    """The total of the dump made by :func:`_counting` (the process's only dump)."""
    dumps = sorted(out.parent.glob(f"{out.name}.*.1"))
    if len(dumps) != 1:
        raise AssertionError(f"expected one callgrind dump, found {dumps}")
    for line in dumps[0].read_text().splitlines():
        if line.startswith("totals:"):
            return int(line.split()[1])
    raise AssertionError(f"no totals in {dumps[0]}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    args = parser.parse_args()
    if not shutil.which("valgrind"):
        raise SystemExit("valgrind is not installed (apt install valgrind)")
    # One at a time: the count is then the requests' own, whatever the machine does.
    args.concurrency, args.server, args.workers, args.embedded = 1, "uvicorn", 1, False
    work = Path(tempfile.mkdtemp(prefix="govhall-bench-instructions-"))
    env = clean_env()
    env["GOVHALL_DEMO_PASSWORD"] = PASSWORD
    env["GOVHALL_STORAGE_URL"] = str(work / "blobs")
    env["GOVHALL_ENV"] = "dev"
    env["GOVHALL_DATABASE_URL"] = await _database(f"{args.postgres}/govhall_bench_submit")
    env["GOVHALL_REDIS_URL"] = args.redis
    env["GOVHALL_QUEUE"] = "govhall-bench-submit"
    redis.Redis.from_url(args.redis).flushdb()
    print(f"{args.requests} submissions one at a time under callgrind, {os.cpu_count()} cores")
    ours = work / "govhall"
    await _govhall(env, work, args, under=_callgrind(ours), measuring=_counting)
    floor = work / "floor"
    floor_url = await _database(f"{args.postgres}/govhall_bench_floor")
    await _floor(floor_url, work, args, under=_callgrind(floor), measuring=_counting)
    ours_each = _instructions(ours) / args.requests
    floor_each = _instructions(floor) / args.requests
    print(f"{'govhall instructions / submission':<40}{ours_each:>14,.0f}")
    print(f"{'floor instructions / submission':<40}{floor_each:>14,.0f}")
    print(f"{'ratio floor / govhall':<40}{floor_each / ours_each:>14.3f}")


if __name__ == "__main__":
    asyncio.run(main())
